"""Does a turn ask the kiosk to keep something from others? A concept, not a list of lines.

Read from the `[secrecy]` table of content/<lang>/crisis_followup.toml:
- `frames`: regular expressions on the folded turn ("between you and me", "entre tú y yo");
- a negation (`negations`) followed within `window` words by a telling verb, matched by its
  dictionary form (`verbs`, lemmas: "telling", "told", "cuentes", "contarle" all count),
  unless the negation follows a `subjects` pronoun ("I don't tell her much" is a statement,
  "don't tell her" a request) or the verb's surface ends in a `statement_endings` suffix
  (Spanish first person: "no le cuento nada").
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reflection.responders.tokens import fold
from reflection.screening_repair import lemma

_WORD_RE = re.compile(r"[a-zñ]+(?:'[a-z]+)?")


@dataclass(frozen=True)
class SecrecyConcept:
    """One language's secrecy concept, compiled."""

    lang: str
    frames: tuple[re.Pattern[str], ...]
    negations: frozenset[str]
    subjects: frozenset[str]
    verbs: frozenset[str]
    statement_endings: tuple[str, ...] = ()
    window: int = 3

    @classmethod
    def from_data(cls, lang: str, data: Mapping[str, Any]) -> SecrecyConcept:
        """Build from a `[secrecy]` table (missing keys mean an empty concept)."""
        def words(key: str) -> frozenset[str]:
            return frozenset(fold(str(w)) for w in data.get(key, []))

        frames: Sequence[str] = data.get("frames", [])
        return cls(lang, tuple(re.compile(p) for p in frames), words("negations"),
                   words("subjects"), words("verbs"),
                   tuple(str(e) for e in data.get("statement_endings", [])),
                   int(data.get("window", 3)))

    def asks(self, text: str) -> bool:
        """True when the turn asks for something to be kept from someone."""
        folded = fold(text)
        if any(p.search(folded) for p in self.frames):
            return True
        tokens = _WORD_RE.findall(folded)
        for i, token in enumerate(tokens):
            if token not in self.negations or (i and tokens[i - 1] in self.subjects):
                continue
            for word in tokens[i + 1 : i + 1 + self.window]:
                if self._telling(word):
                    return True
        return False

    def _telling(self, word: str) -> bool:
        if self.statement_endings and word.endswith(self.statement_endings):
            return False
        return word in self.verbs or lemma(word, self.lang) in self.verbs
