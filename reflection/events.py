"""Events a conversation turn produces: the one vocabulary of a reply, engine to socket
(server/protocol.py serialises them)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from reflection.risk import RiskAssessment
from reflection.stages import CrisisReply


class ReplyKind(StrEnum):
    """What a reply sentence is (a content-file sentence is anything but a reflection)."""

    REFLECTION = "reflection"
    CHECK_IN = "check_in"
    CRISIS = "crisis"
    PROMPT = "prompt"


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
    # Another reading of unsure speech set the level (counted on /metrics, never the text).
    raised_by_alternative: bool = False
    kind: EventKind = field(default=EventKind.SCREENED, init=False)

    @property
    def level(self) -> int:
        """The screened risk level, as a number."""
        return int(self.assessment.level)


@dataclass(frozen=True)
class CrisisTriggered:
    """Level >= 2: the fixed crisis message replaces any generated reply (this turn and after)."""

    turn: int
    response: CrisisReply
    # True when the conversation was already locked by an earlier turn.
    repeated: bool = False
    # (sentence, replacement) pairs to say when no staff screen received the alert.
    undelivered: tuple[tuple[str, str], ...] = ()
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
    reasons: tuple[str, ...] = ()  # reply-filter reason codes when blocked (counted, issue 20)
    reply_kind: ReplyKind = ReplyKind.REFLECTION
    kind: EventKind = field(default=EventKind.REPLY_SENTENCE, init=False)


@dataclass(frozen=True)
class ReplyDone:
    """Always last: the whole reply as spoken, and how it was produced."""

    turn: int
    text: str = ""
    language: str = ""
    responder: str = ""
    level: int = 0
    crisis: bool = False
    check_in: bool = False
    blocked: int = 0
    kind: EventKind = field(default=EventKind.REPLY_DONE, init=False)


EngineEvent = Screened | CrisisTriggered | CheckIn | ReplySentence | ReplyDone
CrisisEventType = CrisisTriggered | CheckIn


def spoken_text(response: CrisisReply) -> str:
    """Everything a crisis or check-in response says, in order, as one text."""
    return " ".join(spoken_lines(response))


def crisis_level(crisis: CrisisTriggered | CheckIn, screened: Screened | None) -> int:
    """The level a crisis (at least 2) or check-in (at least 1) stands for."""
    floor = 2 if isinstance(crisis, CrisisTriggered) else 1
    return max(screened.level if screened is not None else 0, floor)


def resources_of(response: CrisisReply) -> tuple[dict[str, str], ...]:
    """The crisis lines a response lists, as text maps (none for a check-in)."""
    items = getattr(response, "resources", None) or ()
    return tuple({k: str(v) for k, v in asdict(item).items()} for item in items)


def grounding_of(response: CrisisReply) -> str:
    """The grounding exercise a crisis response offers (offer and steps), or ""."""
    exercise = getattr(response, "grounding", None)
    if exercise is None:
        return ""
    steps = " ".join(str(step) for step in getattr(exercise, "steps", ()))
    return f"{exercise.offer} {steps}".strip()


def spoken_lines(response: CrisisReply) -> tuple[str, ...]:
    """The parts of a crisis or check-in response, in the order they are said."""
    return tuple(getattr(response, "sentences", None) or (response.message,))
