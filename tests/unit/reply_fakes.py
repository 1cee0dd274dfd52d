"""Reflection's reply events built in one line, for the fakes of the server's turn tests."""

from __future__ import annotations

from dataclasses import dataclass

from reflection import events
from reflection.events import CrisisEventType, ReplyKind
from reflection.risk import RiskAssessment, RiskCategory, RiskLevel


@dataclass(frozen=True)
class FakeCrisisReply:
    """A crisis or check-in response that says only its message."""

    kind: str
    message: str


def screened(level: int = 0, *, raised_by_alternative: bool = False,
             categories: tuple[str, ...] = ()) -> events.Screened:
    """Screening at `level`."""
    assessment = RiskAssessment(level=RiskLevel(level),
                                categories=frozenset(RiskCategory(c) for c in categories))
    return events.Screened(0, assessment, raised_by_alternative=raised_by_alternative)


def sentence(index: int, text: str, *, kind: ReplyKind = ReplyKind.REFLECTION,
             blocked: bool = False, reasons: tuple[str, ...] = ()) -> events.ReplySentence:
    """One reply sentence."""
    return events.ReplySentence(0, index, text, blocked, reasons, reply_kind=kind)


def reply_done(responder: str = "", *, blocked: int = 0) -> events.ReplyDone:
    """The end of a reply."""
    return events.ReplyDone(0, responder=responder, blocked=blocked)


def crisis_event(message: str, *, urgent: bool = True, repeated: bool = False,
                 undelivered: tuple[tuple[str, str], ...] = ()) -> CrisisEventType:
    """The crisis protocol took over (`urgent`) or asked its check-in question."""
    if not urgent:
        return events.CheckIn(0, FakeCrisisReply("check_in", message))
    return events.CrisisTriggered(0, FakeCrisisReply("crisis", message), repeated=repeated,
                           undelivered=undelivered)
