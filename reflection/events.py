"""Events a conversation turn produces, and their one JSON-ready serialisation."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass
from enum import Enum, StrEnum
from typing import Any

from reflection.risk import RiskAssessment
from reflection.stages import CrisisReply


class EventKind(StrEnum):
    """What an engine event is."""

    SCREENED = "screened"
    CRISIS = "crisis"
    CHECK_IN = "check_in"
    REPLY_SENTENCE = "reply_sentence"
    REPLY_DONE = "reply_done"


@dataclass(frozen=True)
class Screened:
    """Always first: the risk assessment of the client's utterance."""

    turn: int
    assessment: RiskAssessment
    kind: EventKind = field(default=EventKind.SCREENED, init=False)


@dataclass(frozen=True)
class CrisisTriggered:
    """Level >= 2: the fixed crisis message replaces any generated reply (this turn and after)."""

    turn: int
    response: CrisisReply
    # True when the conversation was already locked by an earlier turn.
    repeated: bool = False
    kind: EventKind = field(default=EventKind.CRISIS, init=False)


@dataclass(frozen=True)
class CheckIn:
    """Level 1, once per session: a gentle scripted check-in question instead of a reflection."""

    turn: int
    response: CrisisReply
    kind: EventKind = field(default=EventKind.CHECK_IN, init=False)


@dataclass(frozen=True)
class ReplySentence:
    """One sentence, already through the reply filter, ready to be spoken."""

    turn: int
    index: int
    text: str
    blocked: bool = False
    reasons: tuple[str, ...] = ()
    kind: EventKind = field(default=EventKind.REPLY_SENTENCE, init=False)


@dataclass(frozen=True)
class ReplyDone:
    """Always last: the whole reply as spoken, and how it was produced."""

    turn: int
    text: str
    language: str
    responder: str
    level: int = 0
    crisis: bool = False
    check_in: bool = False
    blocked: int = 0
    kind: EventKind = field(default=EventKind.REPLY_DONE, init=False)


EngineEvent = Screened | CrisisTriggered | CheckIn | ReplySentence | ReplyDone


def _json_ready(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _json_ready(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        items = [_json_ready(v) for v in value]
        return sorted(items) if isinstance(value, set | frozenset) else items
    return value


def spoken_text(response: CrisisReply) -> str:
    """Everything a crisis or check-in response says, in order, as one text."""
    sentences = getattr(response, "sentences", None)
    return " ".join(sentences) if sentences else response.message


def _response_dict(response: CrisisReply) -> dict[str, Any]:
    out: dict[str, Any] = {"kind": str(response.kind), "message": response.message,
                           "text": spoken_text(response)}
    for name in ("resources", "grounding"):
        if hasattr(response, name):
            out[name] = _json_ready(getattr(response, name))
    return out


def event_to_dict(event: EngineEvent) -> dict[str, Any]:
    """A JSON-ready view of any engine event (the one place events are serialised)."""
    body: dict[str, Any] = {"kind": event.kind.value, "turn": event.turn}
    if isinstance(event, Screened):
        body["assessment"] = event.assessment.to_dict()
    elif isinstance(event, CrisisTriggered):
        body["response"] = _response_dict(event.response)
        body["repeated"] = event.repeated
    elif isinstance(event, CheckIn):
        body["response"] = _response_dict(event.response)
    elif isinstance(event, ReplySentence):
        body.update(index=event.index, text=event.text, blocked=event.blocked,
                    reasons=list(event.reasons))
    else:
        body.update(text=event.text, language=event.language, responder=event.responder,
                    level=event.level, crisis=event.crisis, check_in=event.check_in,
                    blocked=event.blocked)
    return body
