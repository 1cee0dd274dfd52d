"""Clinical content lives in versioned TOML files per language; this reads them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reflection.errors import ReflectionError

PACKAGED_CONTENT_DIR = Path(__file__).parent / "content"
SUPPORTED_LANGUAGES = ("en", "es")


class ContentError(ReflectionError):
    """A content file is missing or malformed."""

    default_code = "content_invalid"


def base_language(lang: str | None) -> str:
    """Map 'es-MX', 'ES', None... onto a supported content language."""
    short = (lang or "en").split("-")[0].split("_")[0].lower()
    return short if short in SUPPORTED_LANGUAGES else "en"


@dataclass
class ContentStore:
    """Reads `<root>/<lang>/<name>.toml`, caching each parsed file on this instance."""

    root: Path = PACKAGED_CONTENT_DIR
    _cache: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict, repr=False)

    def load(self, lang: str | None, name: str) -> dict[str, Any]:
        """The parsed file for a language, e.g. load("es", "crisis")."""
        key = (base_language(lang), name)
        if key not in self._cache:
            path = self.root / key[0] / f"{name}.toml"
            try:
                with path.open("rb") as handle:
                    self._cache[key] = tomllib.load(handle)
            except FileNotFoundError as exc:
                raise ContentError(f"clinical content file missing: {path}") from exc
            except tomllib.TOMLDecodeError as exc:
                raise ContentError(
                    f"clinical content file is not valid TOML: {path}: {exc}"
                ) from exc
        return self._cache[key]
