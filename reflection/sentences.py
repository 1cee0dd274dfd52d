"""Incremental sentence splitting for streamed replies, so speech can start early."""

from __future__ import annotations

import re

# Lower-cased words that end with a period without ending a sentence (en + es).
ABBREVIATIONS = frozenset((
    "dr", "mr", "mrs", "ms", "mx", "st", "jr", "sr", "sra", "srta", "dra", "prof", "vs", "etc",
    "approx", "e.g", "i.e", "eg", "ie", "p.ej", "ud", "uds", "núm", "fig", "lic", "ing", "av",
    "ej", "pág", "tel",
))
_END = re.compile(r"[.!?…]+[\"'”’)\]]*")
_CLAUSE = re.compile(r"[,;:—–]\s")


class SentenceSplitter:
    """Feed streamed text; get back complete sentences as soon as they are certain."""

    def __init__(self, *, first_clause_chars: int | None = 80, min_clause_chars: int = 24) -> None:
        # A first sentence longer than first_clause_chars is cut at a clause boundary so TTS
        # can start speaking sooner; None turns this off.
        self._buffer = ""
        self._emitted = 0
        self._first_clause_chars = first_clause_chars
        self._min_clause_chars = min_clause_chars

    def feed(self, text: str) -> list[str]:
        """Add text; return the sentences it completed."""
        self._buffer += text
        out: list[str] = []
        while True:
            cut = self._boundary()
            if cut is None:
                cut = self._clause_boundary()
            if cut is None:
                break
            self._take(cut, out)
        return out

    def flush(self) -> list[str]:
        """End of stream: whatever is left is the last sentence."""
        out: list[str] = []
        self._take(len(self._buffer), out)
        return out

    def _take(self, cut: int, out: list[str]) -> None:
        sentence = " ".join(self._buffer[:cut].split())
        self._buffer = self._buffer[cut:].lstrip()
        if sentence:
            out.append(sentence)
            self._emitted += 1

    def _boundary(self) -> int | None:
        """Index just after the first certain sentence end, if any."""
        newline = self._buffer.find("\n")
        for match in _END.finditer(self._buffer):
            end = match.end()
            if 0 <= newline < match.start():
                break
            # Only certain once we can see what follows the punctuation.
            rest = self._buffer[end:]
            if not rest or not rest[0].isspace():
                continue
            following = rest.lstrip()
            if not following:
                return None
            if self._is_false_end(match.start(), match.group(), following):
                continue
            return end
        if newline > 0 and self._buffer[:newline].strip():
            return newline
        if newline == 0:
            self._buffer = self._buffer[1:]
            return self._boundary()
        return None

    def _is_false_end(self, start: int, punct: str, following: str) -> bool:
        if punct.startswith(".") and not punct.startswith(".."):
            word = self._buffer[:start].split()[-1:] or [""]
            last = word[0].lower().lstrip("(\"'¿¡")
            if last in ABBREVIATIONS or "." in last or (len(last) == 1 and last.isalpha()):
                return True
        # After a period or an ellipsis, a lower-case word continues the same sentence.
        return following[0].islower() and punct[0] in ".…"

    def _clause_boundary(self) -> int | None:
        if self._emitted or self._first_clause_chars is None:
            return None
        if len(self._buffer) < self._first_clause_chars:
            return None
        best = None
        for match in _CLAUSE.finditer(self._buffer):
            if match.start() + 1 < self._min_clause_chars:
                continue
            best = match.start() + 1
            break
        return best
