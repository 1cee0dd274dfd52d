"""Terminal prompts of the headless kiosk, from the same string files as the kiosk page."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

STRINGS_DIR = Path(__file__).resolve().parents[1] / "web" / "i18n"
# Headless prompt -> kiosk page string key, plus a hint on how to answer at a terminal.
_KEYS = {
    "code": ("code.prompt", {"en": "(type or say the digits)",
                             "es": "(escriba o diga los números)"}),
    "code_invalid": ("code.invalid", {}),
    "consent": ("consent.question", {"en": "(yes / no)", "es": "(sí / no)"}),
    "review": ("review.intro", {"en": "(Enter to send it, or: remove themes 0)",
                                "es": "(Intro para enviarlo, o: remove themes 0)"}),
    "rating": ("feedback.rating", {"en": "(1-5, Enter to skip)", "es": "(1-5, Intro para omitir)"}),
    "you": ("conv.you", {}),
    "kiosk": ("conv.kiosk", {}),
}


@cache
def _strings(lang: str) -> dict[str, str]:
    path = STRINGS_DIR / f"{lang if lang in {'en', 'es'} else 'en'}.json"
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


def prompt(lang: str, name: str) -> str:
    """The prompt text for `name` in `lang` (English when unknown)."""
    key, hints = _KEYS[name]
    text = _strings(lang).get(key, key)
    hint = hints.get(lang, hints.get("en", ""))
    return f"{text} {hint}".strip()
