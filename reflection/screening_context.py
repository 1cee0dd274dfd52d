"""What the screener knows about the conversation so far, and how it reads a check-in answer."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reflection.risk import RiskLevel
from reflection.screening_rules import expand_macros
from reflection.screening_text import NormalisedText


@dataclass(frozen=True)
class ScreeningContext:
    """The turns before this one, as far as screening needs them."""

    # The previous assistant turn was the level-1 check-in question ("are you thinking of ...").
    after_check_in: bool = False
    prior_max_level: RiskLevel = RiskLevel.NONE
    prior_client_texts: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckInReader:
    """Recognises a yes, a no, or an unsure answer to the check-in, from `[check_in]` patterns."""

    yes: tuple[re.Pattern[str], ...] = ()
    no: tuple[re.Pattern[str], ...] = ()
    unsure: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def compile(cls, data: Mapping[str, Any]) -> CheckInReader:
        """Build from a data file's `[check_in]` table (patterns match at the answer's start)."""
        table = data.get("check_in", {})
        macros = data.get("macros", {})

        def build(key: str) -> tuple[re.Pattern[str], ...]:
            return tuple(
                re.compile(rf"^(?:{expand_macros(p, macros, 'check_in')})(?!\w)")
                for p in table.get(key, [])
            )

        return cls(build("yes"), build("no"), build("unsure"))

    def escalates(self, text: NormalisedText) -> bool:
        """True for a yes or an unsure answer: when in doubt a human decides."""
        words = text.text
        if any(p.search(words) for p in self.no):
            return False
        return any(p.search(words) for p in (*self.yes, *self.unsure))


def escalate_check_in(readers: Sequence[tuple[CheckInReader, NormalisedText]]) -> bool:
    """True for an unsure answer, or a yes that no language's reader hears as a no."""
    if any(any(p.search(t.text) for p in r.unsure) for r, t in readers):
        return True
    if any(any(p.search(t.text) for p in r.no) for r, t in readers):
        return False
    return any(r.escalates(t) for r, t in readers)
