"""Server -> client events on both websockets: frozen dataclasses with a StrEnum type.

The base, the type vocabularies, errors and the therapist stream live here; the events of a
kiosk conversation are in server.kiosk_events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

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
