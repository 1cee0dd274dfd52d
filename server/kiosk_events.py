"""Server -> kiosk events of one conversation: the flow, the turn, the reply, the crisis."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from reflection.events import ReplyKind
from reflection.flow import EndReason, FlowState
from server.events import PROTOCOL_VERSION, Event, KioskEventType


class Activity(StrEnum):
    """What the kiosk should indicate."""

    WAITING = "waiting"
    LISTENING = "listening"
    HEARING = "hearing"
    THINKING = "thinking"
    SPEAKING = "speaking"


@dataclass(frozen=True)
class Welcome(Event):
    """Kiosk hello accepted."""

    type: ClassVar[StrEnum] = KioskEventType.WELCOME
    kiosk_id: str
    server: str
    limits: dict[str, Any]
    audio: dict[str, Any]
    protocol: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class SettingsEvent(Event):
    """The effective kiosk settings."""

    type: ClassVar[StrEnum] = KioskEventType.SETTINGS
    lang: str
    tts_rate: float
    end_silence_ms: int
    audio_out: bool


@dataclass(frozen=True)
class Joined(Event):
    """A session code was accepted."""

    type: ClassVar[StrEnum] = KioskEventType.JOINED
    session_id: str
    lang: str
    consent_version: str
    consent_text: str
    live_transcript: bool
    max_turns: int
    session_minutes: float
    resume_token: str = ""


@dataclass(frozen=True)
class StateChanged(Event):
    """Flow state and activity indicator."""

    type: ClassVar[StrEnum] = KioskEventType.STATE
    state: FlowState
    activity: Activity


@dataclass(frozen=True)
class SpeechStartedEvent(Event):
    """The VAD heard speech."""

    type: ClassVar[StrEnum] = KioskEventType.SPEECH_STARTED
    turn: int


@dataclass(frozen=True)
class SpeechEndedEvent(Event):
    """End of turn decided."""

    type: ClassVar[StrEnum] = KioskEventType.SPEECH_ENDED
    turn: int
    reason: str


@dataclass(frozen=True)
class TranscriptEvent(Event):
    """Final transcript of one utterance."""

    type: ClassVar[StrEnum] = KioskEventType.TRANSCRIPT
    turn: int
    text: str
    lang: str
    confidence: float


@dataclass(frozen=True)
class ReplySentenceEvent(Event):
    """One sentence of a reply, sent before its audio."""

    type: ClassVar[StrEnum] = KioskEventType.REPLY_SENTENCE
    turn: int
    index: int
    text: str
    kind: ReplyKind = ReplyKind.REFLECTION


@dataclass(frozen=True)
class ReplyDoneEvent(Event):
    """No more sentences for this turn."""

    type: ClassVar[StrEnum] = KioskEventType.REPLY_DONE
    turn: int
    sentences: int
    cancelled: bool = False


@dataclass(frozen=True)
class AudioStop(Event):
    """Barge-in: stop playing this turn."""

    type: ClassVar[StrEnum] = KioskEventType.AUDIO_STOP
    turn: int


@dataclass(frozen=True)
class CrisisEvent(Event):
    """Show the crisis screen."""

    type: ClassVar[StrEnum] = KioskEventType.CRISIS
    turn: int
    level: int
    message: str
    resources: tuple[dict[str, str], ...]
    grounding: str
    therapist_notified: bool
    alert_delivered: bool = False


@dataclass(frozen=True)
class SummaryEvent(Event):
    """The summary for the client's review."""

    type: ClassVar[StrEnum] = KioskEventType.SUMMARY
    summary: dict[str, Any]
    draft: bool = True


@dataclass(frozen=True)
class CallIn(Event):
    """The therapist is ready."""

    type: ClassVar[StrEnum] = KioskEventType.CALL_IN
    message: str


@dataclass(frozen=True)
class Resumed(Event):
    """The session continues after a reconnect: what the screen showed."""

    type: ClassVar[StrEnum] = KioskEventType.RESUMED
    state: FlowState
    lang: str
    transcript: tuple[dict[str, str], ...]
    crisis: dict[str, Any] | None


@dataclass(frozen=True)
class Ended(Event):
    """The session ended; clear the screen."""

    type: ClassVar[StrEnum] = KioskEventType.ENDED
    reason: EndReason
