"""What one turn is while it runs (state, options, the opened reply) and what it talks to."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol

from reflection.events import (
    CrisisEventType,
    EngineEvent,
    ReplyDone,
    ReplyKind,
    ReplySentence,
    Screened,
)
from reflection.flow import FlowState
from server.conversations import ClientConversation
from server.events import Event
from server.metrics import TurnMarks
from server.speech import Heard
from voice.tts import split_sentences


class Output(Protocol):
    """Where a turn's events and audio frames go (the kiosk socket)."""

    async def event(self, event: Event) -> None:
        """Send one JSON event."""
        ...

    async def audio(self, frame: bytes) -> None:
        """Send one binary audio frame."""
        ...


class TurnHooks(Protocol):
    """Side effects of a turn: storage and therapist notification."""

    async def heard(self, turn: int, heard: Heard) -> None:
        """The client's words are known."""
        ...

    async def screened(self, turn: int, heard: Heard, screening: Screened) -> None:
        """Risk screening finished."""
        ...

    async def crisis(self, turn: int, crisis: CrisisEventType) -> bool:
        """Raise the alert; returns whether a therapist was notified."""
        ...


@dataclass
class TurnState:
    """What a turn produced so far; readable after cancellation."""

    turn: int
    marks: TurnMarks = field(default_factory=TurnMarks)
    heard: Heard | None = None
    screening: Screened | None = None
    crisis: CrisisEventType | None = None
    sentences: list[ReplySentence] = field(default_factory=list)
    spoken: int = 0
    audio_seconds: float = 0.0
    end: ReplyDone | None = None
    alert_delivered: bool = False
    # Crisis sentences to say instead when no staff screen got the alert.
    undelivered: dict[str, str] = field(default_factory=dict)

    @property
    def reply_text(self) -> str:
        """The reply as generated so far."""
        return " ".join(sentence.text for sentence in self.sentences)


@dataclass(frozen=True)
class TurnOptions:
    """Per-kiosk choices that shape a turn."""

    lang: str | None = None  # None = detect
    audio_out: bool = True
    tts_rate: float = 1.0
    state: FlowState = FlowState.REFLECTING


class OpenedReply:
    """The rest of an engine reply after screening: its first part and the parts to come."""

    def __init__(self, parts: AsyncIterator[EngineEvent], first: EngineEvent | None) -> None:
        self.parts = parts
        self.first = first
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[EngineEvent]:
        if self.first is not None:
            first, self.first = self.first, None
            yield first
        if not self._closed:
            async for part in self.parts:
                yield part

    async def close(self) -> None:
        """Stop the engine (idempotent); the reply is not wanted any more."""
        if not self._closed:
            self._closed = True
            aclose = getattr(self.parts, "aclose", None)
            if aclose is not None:
                await aclose()


@dataclass
class ClientTurn:
    """A client turn in progress: what its intake found, for its reply task."""

    state: TurnState
    conversation: ClientConversation
    typed: bool
    options: TurnOptions = field(default_factory=TurnOptions)
    heard: Heard | None = None
    was_focus: bool = False
    cancelled: bool = False


def prompt_sentences(turn: int, text: str) -> list[ReplySentence]:
    """A fixed prompt as the sentences a turn says."""
    return [ReplySentence(turn, i, line, reply_kind=ReplyKind.PROMPT)
            for i, line in enumerate(split_sentences(text))]
