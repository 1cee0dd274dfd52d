"""Which language a reply sentence is in, from stop-word scores in the content files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from reflection.content_files import SUPPORTED_LANGUAGES, ContentStore, base_language
from reflection.screening_text import fold

_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# A sentence is "in the other language" only when that language clearly wins.
MIN_OTHER_SCORE = 2.0
MIN_RATIO = 2.0
SHORT_WORDS = 4


@dataclass(frozen=True)
class LanguageScorer:
    """Per-language marker words and characters; `scores` counts them in a text."""

    markers: Mapping[str, frozenset[str]]
    characters: Mapping[str, str]

    @classmethod
    def load(cls, store: ContentStore) -> LanguageScorer:
        """Read `<lang>/language.toml` for every supported language."""
        markers: dict[str, frozenset[str]] = {}
        characters: dict[str, str] = {}
        for lang in SUPPORTED_LANGUAGES:
            data = store.load(lang, "language")
            markers[lang] = frozenset(fold(str(w)) for w in data.get("markers", []))
            characters[lang] = str(data.get("characters", ""))
        return cls(markers, characters)

    def scores(self, text: str, *, ignore: str = "") -> dict[str, float]:
        """Marker hits per language; words also in `ignore` (quoted client words) are skipped."""
        skip = {fold(w) for w in _WORD_RE.findall(ignore)}
        words = [fold(w) for w in _WORD_RE.findall(text)]
        words = [w for w in words if w not in skip]
        lowered = text.lower()
        out: dict[str, float] = {}
        for lang, markers in self.markers.items():
            hits = float(sum(w in markers for w in words))
            chars = self.characters.get(lang, "")
            # Spelling that exists in one language only is strong evidence (accents, ¿ ¡ ñ).
            hits += 1.5 * min(2, sum(lowered.count(ch) for ch in chars)) if chars else 0.0
            out[lang] = hits
        return out

    def clearly_other(self, text: str, lang: str, *, ignore: str = "") -> str | None:
        """The other language when `text` is clearly written in it rather than in `lang`."""
        scores = self.scores(text, ignore=ignore)
        own = scores.get(base_language(lang), 0.0)
        best = max((code for code in scores if code != base_language(lang)),
                   key=lambda code: scores[code], default=None)
        if best is None:
            return None
        other = scores[best]
        if other >= MIN_OTHER_SCORE and other >= MIN_RATIO * max(own, 0.5):
            return best
        # A short reply ("I see.", "Entiendo.") carries little evidence: any with none against.
        if other >= 1 and own == 0 and len(_WORD_RE.findall(text)) <= SHORT_WORDS:
            return best
        return None

    def detect(self, text: str) -> str | None:
        """The language with the most evidence, or None when there is none or it is a tie."""
        scores = self.scores(text)
        ranked = sorted(scores.items(), key=lambda kv: -kv[1])
        if not ranked or ranked[0][1] <= 0 or (len(ranked) > 1 and ranked[0][1] == ranked[1][1]):
            return None
        return ranked[0][0]

