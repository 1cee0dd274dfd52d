"""Turning a client's clause round to second person ("I'm not good enough" -> "you're...")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reflection.responders.tokens import Token, fold


class Turner:
    """Pronoun and verb turning for one language, all from the content file's [phrasing]."""

    def __init__(self, phrasing: Mapping[str, Any], clauses: Mapping[str, Any]) -> None:
        flip: Mapping[str, str] = phrasing.get("flip", {})
        # Matched on the lower-cased word, not the folded one: Spanish "sé" is not "se".
        self._pairs = {tuple(k.split()): v for k, v in flip.items() if " " in k}
        self._single = {k: v for k, v in flip.items() if " " not in k}
        self._suffixes: list[tuple[str, str]] = sorted(
            phrasing.get("flip_suffixes", {}).items(), key=lambda kv: -len(kv[0])
        )
        self._keep = {fold(w) for w in phrasing.get("flip_suffix_exceptions", [])}
        self._second = {fold(w) for w in phrasing.get("second_person", [])}
        self._drop = {fold(w) for w in clauses.get("drop", [])}
        self._parts = {tuple(k.split()): v for k, v in phrasing.get("parts", {}).items()}

    def turn(self, tokens: Sequence[Token], *, min_words: int = 1, max_words: int = 12) -> str:
        """The clause in second person; "" when too short, too long or already about "you"."""
        words = [t for t in tokens if t.is_word and t.key not in self._drop]
        if not min_words <= len(words) <= max_words or any(t.key in self._second for t in words):
            return ""
        out: list[str] = []
        i = 0
        while i < len(words):
            pair = (words[i].lower, words[i + 1].lower) if i + 1 < len(words) else None
            if pair is not None and pair in self._pairs:
                out.append(self._pairs[pair])
                i += 2
                continue
            out.append(self._word(words[i], first=i == 0))
            i += 1
        return " ".join(out)

    def _word(self, tok: Token, *, first: bool) -> str:
        if tok.lower in self._single:
            return self._single[tok.lower]
        if tok.key not in self._keep:
            for suffix, replacement in self._suffixes:
                if tok.lower.endswith(suffix) and len(tok.lower) > len(suffix) + 2:
                    return tok.lower[: -len(suffix)] + replacement
        if tok.lower == "i":
            return "I"
        # Sentence-initial capitals are dropped; a capital mid-sentence is a name and stays.
        return tok.lower if first else tok.text

    def as_part(self, clause: str) -> str:
        """ "you want to go" -> "part of you wants to go"; "" when no part form is known."""
        words = tuple(clause.split())
        for size in (3, 2, 1):
            head = words[:size]
            if len(head) == size and head in self._parts:
                return " ".join((self._parts[head], *words[size:]))
        return ""
