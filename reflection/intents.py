"""Finds which of a content file's named intents a client turn expresses (pure, no I/O)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from reflection.responders.tokens import fold

_WORDS = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def words(text: str) -> str:
    """Folded words joined by single spaces and padded, so phrases match on word bounds."""
    return " " + " ".join(_WORDS.findall(fold(text).replace("’", "'"))) + " "


def has_phrase(text: str, phrases: Iterable[str]) -> bool:
    """True when any phrase occurs in the text as whole words."""
    said = words(text)
    return any(words(p) in said for p in phrases if p.strip())


class IntentMatcher:
    """Intents tried in a fixed order: `triggers` match anywhere, `question_triggers` only in
    a question (a "?" or a question word first, since speech has no punctuation), and each of
    `question_pairs` (two phrase lists) when a question holds a phrase from both: a concept
    such as "a person" + "typing the replies" in any order and wording."""

    def __init__(self, intents: Mapping[str, Any], order: Sequence[str],
                 question_starts: Sequence[str] = ()) -> None:
        self._order = [name for name in order if name in intents]
        self._intents = intents
        self._starts = [words(s) for s in question_starts]

    def is_question(self, text: str) -> bool:
        """A "?" anywhere, or a question word at the start of the turn or of a clause."""
        if "?" in text:
            return True
        clauses = re.split(r"[.,;!¡]+", text)
        return any(words(c).startswith(s) for c in clauses for s in self._starts)

    def match(self, text: str, *, skip: Iterable[str] = ()) -> str | None:
        """The first intent the turn expresses, or None."""
        return self.match_how(text, skip=skip)[0]

    def match_how(self, text: str, *, skip: Iterable[str] = ()) -> tuple[str | None, bool]:
        """The first intent the turn expresses (or None), and whether a `question_pairs`
        concept found it (two parts of one meaning: specific enough to keep over a model)."""
        skipped = set(skip)
        question: bool | None = None
        for name in self._order:
            if name in skipped:
                continue
            spec = self._intents[name]
            triggers = spec.get("triggers", []) if isinstance(spec, Mapping) else spec
            if has_phrase(text, triggers):
                return name, False
            asked = spec.get("question_triggers", []) if isinstance(spec, Mapping) else []
            pairs = spec.get("question_pairs", []) if isinstance(spec, Mapping) else []
            by_pair = any(has_phrase(text, first) and has_phrase(text, second)
                          for first, second in pairs)
            if by_pair or (asked and has_phrase(text, asked)):
                question = self.is_question(text) if question is None else question
                if question:
                    return name, by_pair
        return None, False
