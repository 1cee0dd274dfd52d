"""What a kiosk's turns need from their session, and a client turn's side effects."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from typing import Any, Protocol

from reflection.events import (
    CrisisEventType,
    CrisisTriggered,
    EngineEvent,
    ReplyDone,
    ReplySentence,
    Screened,
)
from reflection.flow import LISTENING, FlowState
from server.conversations import ClientConversation
from server.errors import ServerBusyError
from server.kiosk_events import Activity, StateChanged
from server.kiosk_store import KioskStore
from server.metrics import ServerMetrics
from server.protocol import ErrorCode, ProtocolError
from server.speech import Heard
from server.turn_state import Output, TurnOptions, TurnState

log = logging.getLogger(__name__)


class KioskOutput(Output, Protocol):
    """Where a kiosk's events, audio and errors go (its socket, through the session's relay)."""

    async def error(self, error: ProtocolError) -> None:
        """Report a problem."""
        ...


class TurnHost(Protocol):
    """What the turns need from their session (the session performs the flow's decisions)."""

    @property
    def state(self) -> FlowState:
        """The session's flow state."""
        ...

    @property
    def lang(self) -> str:
        """The session's language."""
        ...

    @property
    def conversation(self) -> ClientConversation | None:
        """The client's conversation, once consent was given."""
        ...

    def options(self) -> TurnOptions:
        """The client's current choices for a turn."""
        ...

    def counted(self, heard: Heard) -> bool:
        """A client turn with words was heard; returns whether it answered the focus question."""
        ...

    async def crisis_opened(self, delivered: bool) -> None:
        """Screening opened the crisis screen before anything was stored (`delivered`: seen)."""
        ...

    async def replied(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        """A client turn's reply was spoken in full: store it and move the flow on."""
        ...


class TurnsView(Protocol):
    """The part of `Turns` the hooks use."""

    store: KioskStore
    metrics: ServerMetrics
    host: TurnHost

    def crisis_reply(self, turn: int) -> None:
        """The reply of `turn` is the crisis message."""
        ...


def idle_activity(state: FlowState) -> Activity:
    """What the kiosk shows while nothing is being said: listening, or waiting."""
    return Activity.LISTENING if state in LISTENING else Activity.WAITING


async def report_failure(channel: KioskOutput, state: FlowState, exc: BaseException | None
                         ) -> None:
    """A turn failed: tell the kiosk with a code and listen again (never the text)."""
    log.error("kiosk turn failed: %s (%s)", type(exc).__name__, getattr(exc, "code", ""))
    await channel.error(ProtocolError(error_code(exc), "the turn could not be completed"))
    await channel.event(StateChanged(state=state, activity=idle_activity(state)))


def error_code(exc: BaseException | None) -> ErrorCode:
    code = str(getattr(exc, "code", ""))
    if isinstance(exc, ServerBusyError):
        return ErrorCode.SERVER_BUSY
    if code.startswith("stt") or code in ("audio_format", "audio_too_long"):
        return ErrorCode.STT_FAILED
    if code.startswith("tts"):
        return ErrorCode.TTS_FAILED
    return ErrorCode.INTERNAL


class FixedSentences:
    """A replier that just says fixed sentences (prompts are not client text)."""

    def __init__(self, sentences: list[ReplySentence]) -> None:
        self.sentences = sentences

    def reply(self, text: str, lang: str | None, alternatives: Sequence[str] = ()
              ) -> Iterator[EngineEvent]:
        yield from self.sentences
        yield ReplyDone(self.sentences[0].turn if self.sentences else 0, responder="prompt")


class ClientTurnHooks:
    """TurnHooks of a client turn: queue its storage, raise its alert at once."""

    def __init__(self, turns: TurnsView, state: TurnState) -> None:
        self.turns = turns
        self.state = state

    async def heard(self, turn: int, heard: Heard) -> None:
        pass  # stored with its risk level once screened

    async def screened(self, turn: int, heard: Heard, screening: Screened) -> None:
        if screening.raised_by_alternative:
            self.turns.metrics.alternative_raises.inc()
        self.turns.store.client_turn(heard, screening, turn=turn)

    async def crisis(self, turn: int, crisis: CrisisEventType) -> bool:
        screened, heard_at = self.state.screening, self.state.marks.end_of_speech
        if not isinstance(crisis, CrisisTriggered):
            return self.turns.store.alert(crisis, screened, heard_at=heard_at)
        self.turns.metrics.crises.inc()
        self.turns.crisis_reply(turn)  # speech does not barge into it
        delivered = self.turns.store.alert(crisis, screened, heard_at=heard_at)
        await self.turns.host.crisis_opened(delivered)
        return delivered


def log_failure(task: asyncio.Task[Any]) -> None:
    """A screening whose reply was already cancelled has nobody to report to: log it."""
    if not task.cancelled() and task.exception() is not None:
        exc = task.exception()
        log.error("kiosk screening failed: %s (%s)", type(exc).__name__, getattr(exc, "code", ""))
