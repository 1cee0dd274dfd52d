"""The guardrail stages the engine composes, as Protocols (real ones, or fakes in tests)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from reflection.risk import RiskAssessment
from reflection.screening_context import ScreeningContext


class Screener(Protocol):
    """Risk screening of one client utterance (reflection.screening.RiskScreener)."""

    def screen(self, text: str, lang: str = "auto", *,
               context: ScreeningContext | None = None) -> RiskAssessment:
        """Assess one utterance, knowing what came before it (`context`)."""
        ...


class CrisisReply(Protocol):
    """What the crisis protocol says: a crisis message or a check-in question."""

    @property
    def kind(self) -> str:
        """"crisis" or "check_in"."""
        ...

    @property
    def message(self) -> str:
        """The fixed, reviewed text to show and speak."""
        ...


class CrisisPolicy(Protocol):
    """The crisis protocol (reflection.crisis.CrisisProtocol)."""

    def respond(self, assessment: RiskAssessment, lang: str) -> CrisisReply | None:
        """The crisis or check-in response for an assessment, or None at level 0."""
        ...


class Verdict(Protocol):
    """The reply filter's decision on one sentence."""

    @property
    def allowed(self) -> bool:
        """True when the sentence may be spoken."""
        ...

    @property
    def reasons(self) -> Sequence[str]:
        """Why it was blocked (rule names), empty when allowed."""
        ...

    @property
    def replacement(self) -> str | None:
        """A safe scripted sentence to say instead, if the filter offers one."""
        ...


class SentenceFilter(Protocol):
    """The reply filter (reflection.reply_filter.ReplyFilter)."""

    def check(self, sentence: str, *, lang: str, client_text: str = "") -> Verdict:
        """Decide whether one candidate sentence may be spoken."""
        ...
