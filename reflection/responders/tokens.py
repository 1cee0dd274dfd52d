"""Word tokens and phrase matching shared by the cue readers (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

_TOKEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*|[.,;:!?¿¡]")
CLAUSE_END = frozenset(".,;:!?¿¡")
SENTENCE_END = frozenset(".!?¿¡")

Phrase = tuple[str, ...]


def fold(text: str) -> str:
    """Lower-case, curly apostrophes straightened and accents removed, for matching only."""
    text = text.lower().replace("’", "'")
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )


@dataclass(frozen=True)
class Token:
    """One word or punctuation mark: as written, lower-cased, and folded for matching."""

    text: str
    lower: str
    key: str
    start: int = 0  # character offsets in the utterance, for quoting the client verbatim
    end: int = 0

    @property
    def is_word(self) -> bool:
        """False for clause punctuation."""
        return self.text not in CLAUSE_END


def tokenize(text: str) -> list[Token]:
    """Split into words and clause punctuation."""
    out = []
    for match in _TOKEN.finditer(text):
        raw = match.group()
        lower = raw.lower().replace("’", "'")
        out.append(Token(raw, lower, fold(raw), match.start(), match.end()))
    return out


def phrases(values: Iterable[str]) -> list[Phrase]:
    """Lexicon entries as folded token tuples, longest first (so "so much" beats "so")."""
    out = [tuple(t.key for t in tokenize(v)) for v in values]
    return sorted((p for p in out if p), key=len, reverse=True)


def find(keys: Sequence[str], phrase: Phrase, start: int = 0) -> int:
    """Index of the first occurrence of a phrase at or after start, or -1."""
    n = len(phrase)
    for i in range(start, len(keys) - n + 1):
        if tuple(keys[i : i + n]) == phrase:
            return i
    return -1


def first_of(keys: Sequence[str], options: Sequence[Phrase], start: int = 0
             ) -> tuple[int, Phrase] | None:
    """The earliest (then longest) match of any option, or None."""
    best: tuple[int, Phrase] | None = None
    for phrase in options:
        i = find(keys, phrase, start)
        if i >= 0 and (best is None or i < best[0] or (i == best[0] and len(phrase) >
                                                        len(best[1]))):
            best = (i, phrase)
    return best


def starts_with(keys: Sequence[str], at: int, options: Sequence[Phrase]) -> Phrase | None:
    """The longest option that starts exactly at index `at`."""
    for phrase in options:  # longest first
        if tuple(keys[at : at + len(phrase)]) == phrase:
            return phrase
    return None


def contains(keys: Sequence[str], options: Sequence[Phrase]) -> bool:
    """True when any option occurs."""
    return any(find(keys, p) >= 0 for p in options)


def verbatim(text: str, tokens: Sequence[Token]) -> str:
    """The client's exact words spanning these tokens."""
    return text[tokens[0].start : tokens[-1].end] if tokens else ""


def until_clause_end(tokens: Sequence[Token]) -> list[Token]:
    """The tokens before the first clause punctuation."""
    out = []
    for tok in tokens:
        if not tok.is_word:
            break
        out.append(tok)
    return out
