"""Server -> client events on both websockets: frozen dataclasses with a StrEnum type."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

# The session flow's vocabulary is the protocol's: one FlowState, one EndReason.
from reflection.flow import EndReason as EndReason
from reflection.flow import FlowState as FlowState

PROTOCOL_VERSION = 1


class KioskEventType(StrEnum):
    """Event types sent to a kiosk."""

    WELCOME = "welcome"
    SETTINGS = "settings"
    JOINED = "joined"
    STATE = "state"
    SPEECH_STARTED = "speech_started"
    SPEECH_ENDED = "speech_ended"
    TRANSCRIPT = "transcript"
    REPLY_SENTENCE = "reply_sentence"
    REPLY_DONE = "reply_done"
    AUDIO_STOP = "audio_stop"
    CRISIS = "crisis"
    SUMMARY = "summary"
    CALL_IN = "call_in"
    RESUMED = "resumed"
    ENDED = "ended"
    PONG = "pong"
    ERROR = "error"


class TherapistEventType(StrEnum):
    """Message types sent to a therapist dashboard."""

    WELCOME = "welcome"
    REPLAY_DONE = "replay_done"
    EVENT = "event"
    LOCKED = "locked"
    PONG = "pong"
    ERROR = "error"


class TherapistEventKind(StrEnum):
    """Kinds of stored therapist events (`event.event`)."""

    SESSION_CREATED = "session_created"
    SESSION_JOINED = "session_joined"
    CONSENT = "consent"
    TURN = "turn"
    SUMMARY_DRAFT = "summary_draft"
    SUMMARY_APPROVED = "summary_approved"
    RISK_ALERT = "risk_alert"
    ALERT_ACKNOWLEDGED = "alert_acknowledged"
    ALERT_ESCALATED = "alert_escalated"
    CALL_IN_SENT = "call_in_sent"
    FEEDBACK = "feedback"
    KIOSK_STATUS = "kiosk_status"
    SESSION_ENDED = "session_ended"
    # The session's one shown status and the actions that apply (models/session_status.py).
    SESSION_STATUS = "session_status"
    SESSION_CANCELLED = "session_cancelled"


class Activity(StrEnum):
    """What the kiosk should indicate."""

    WAITING = "waiting"
    LISTENING = "listening"
    HEARING = "hearing"
    THINKING = "thinking"
    SPEAKING = "speaking"


class ReplyKind(StrEnum):
    """What a reply sentence is."""

    REFLECTION = "reflection"
    CHECK_IN = "check_in"
    CRISIS = "crisis"
    PROMPT = "prompt"


@dataclass(frozen=True)
class Event:
    """Base of every server event; `type` is a class constant."""

    type: ClassVar[StrEnum]


@dataclass(frozen=True)
class ErrorEvent(Event):
    """A problem with a client message; `fatal` means the socket closes next."""

    type: ClassVar[StrEnum] = KioskEventType.ERROR
    code: str
    message: str
    fatal: bool = False
    ref: str | None = None
    retry_after_s: int | None = None  # rate_limited: when trying again can work


@dataclass(frozen=True)
class Pong(Event):
    """Answer to ping."""

    type: ClassVar[StrEnum] = KioskEventType.PONG
    nonce: str = ""


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
class ReplyDone(Event):
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


@dataclass(frozen=True)
class TherapistWelcome(Event):
    """Therapist hello accepted."""

    type: ClassVar[StrEnum] = TherapistEventType.WELCOME
    user_id: str
    latest_seq: int
    replay_from: int
    reset: bool = False
    protocol: int = PROTOCOL_VERSION


@dataclass(frozen=True)
class ScreenLocked(Event):
    """The idle logoff locked this dashboard: alerts only until the user re-enters."""

    type: ClassVar[StrEnum] = TherapistEventType.LOCKED


@dataclass(frozen=True)
class ReplayDone(Event):
    """Replay finished; later events are live."""

    type: ClassVar[StrEnum] = TherapistEventType.REPLAY_DONE
    seq: int


@dataclass(frozen=True)
class TherapistEvent(Event):
    """One stored, sequenced therapist event."""

    type: ClassVar[StrEnum] = TherapistEventType.EVENT
    seq: int
    event: TherapistEventKind
    session_id: str
    at: str
    data: dict[str, Any] = field(default_factory=dict)
