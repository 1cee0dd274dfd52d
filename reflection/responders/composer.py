"""Builds one scripted reply from template pools, never repeating itself within a session."""

from __future__ import annotations

import re
import string
import zlib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_SENTENCES = 3
_FIELDS = string.Formatter()


def sentence_key(sentence: str) -> str:
    """How sentences are compared for "never the same sentence twice"."""
    return " ".join(sentence.lower().split()).strip(" .!?¿¡")


def _capitalised(sentence: str) -> str:
    # Templates may start with a fill ("{pa}, and {pb}."); the sentence still starts upper-case.
    for i, ch in enumerate(sentence):
        if ch.isalpha():
            return sentence[:i] + ch.upper() + sentence[i + 1 :]
    return sentence


def skeleton(template: str) -> re.Pattern[str]:
    """Matches any sentence made from this template, so a stem is not reused with new fills."""
    parts = re.split(r"\{\w+\}", sentence_key(template))
    return re.compile(".+".join(re.escape(p) for p in parts) + "$", re.IGNORECASE)


@dataclass
class Composer:
    """Picks sentences for one reply: unused, filter-safe, and preferring fresh stems."""

    templates: Mapping[str, Any]
    turn: int
    used: set[str]
    fills: dict[str, str]
    allowed: Callable[[str], bool] = lambda sentence: True
    skeletons: Callable[[str], re.Pattern[str]] = skeleton
    sentences: list[str] = field(default_factory=list)

    def pick(self, *pools: str) -> bool:
        """Add one sentence from the first pool that has a usable one; False if none has."""
        for pool in pools:
            options = self.pool(pool)
            if not options:
                continue
            # Rotate by turn (not by the text) so replies to counterfactual inputs match.
            offset = (self.turn + zlib.crc32(pool.encode())) % len(options)
            ordered = [options[(offset + k) % len(options)] for k in range(len(options))]
            # A fresh stem first; a stem already heard (with other words) only if nothing else.
            for fresh in (True, False):
                for template in ordered:
                    if fresh and self._stale(template):
                        continue
                    sentence = self._fill(template)
                    if sentence and self._take(sentence):
                        return True
        return False

    def pool(self, pool: str) -> Sequence[str]:
        """The templates of a pool ("complex.sad" names a family's complex reflections)."""
        if pool.startswith("complex."):
            complex_pools: Mapping[str, Sequence[str]] = self.templates.get("complex", {})
            return complex_pools.get(pool.split(".", 1)[1], ())
        options: Sequence[str] = self.templates.get(pool, ())
        return options

    def _fill(self, template: str) -> str:
        names = {name for _, name, _, _ in _FIELDS.parse(template) if name}
        if any(not self.fills.get(name) for name in names):
            return ""  # a template whose cue is missing is not usable
        return _capitalised(template.format(**self.fills))

    def _stale(self, template: str) -> bool:
        if "{" not in template:
            return False  # a fixed sentence is covered by the exact-repeat check
        pattern = self.skeletons(template)
        return any(pattern.match(key) for key in self.used)

    def _take(self, sentence: str) -> bool:
        key = sentence_key(sentence)
        if key in self.used or not self.allowed(sentence):
            return False
        self.used.add(key)
        self.sentences.append(sentence)
        return True


def first_unused(templates: Mapping[str, Any], pool: str, used: Collection[str], turn: int
                 ) -> str:
    """One fixed sentence from a pool (opening, focus question...), unused if possible."""
    out = Composer(templates, turn, {sentence_key(u) for u in used}, {})
    if out.pick(pool):
        return out.sentences[0]
    options: Sequence[str] = templates.get(pool, ())
    return options[turn % len(options)] if options else ""  # all used: repeating is fine
