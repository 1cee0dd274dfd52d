"""Client -> server websocket messages, validated strictly (unknown fields are rejected)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_TEXT_CHARS = 2000
MAX_EDIT_CHARS = 500
MAX_COMMENT_CHARS = 1000


class KioskMessageType(StrEnum):
    """Message types a kiosk may send."""

    HELLO = "hello"
    SETTINGS = "settings"
    JOIN = "join"
    CONSENT = "consent"
    TEXT = "text"
    END_OF_TURN = "end_of_turn"
    BARGE_IN = "barge_in"
    PLAYED = "played"
    REVIEW = "review"
    FEEDBACK = "feedback"
    FLAG_REPLY = "flag_reply"
    END = "end"
    ERASE = "erase"
    STAFF_CLEAR = "staff_clear"
    PING = "ping"


class TherapistMessageType(StrEnum):
    """Message types a dashboard may send."""

    HELLO = "hello"
    PING = "ping"


Lang = Literal["en", "es", "auto"]
SummaryField = Literal["themes", "feelings", "key_phrases", "focus", "questions"]


class Message(BaseModel):
    """Strict, frozen, closed-world base for client messages."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class Capabilities(Message):
    """What the kiosk can do."""

    audio_in: bool = True
    audio_out: bool = True


class KioskHello(Message):
    """First message: protocol version and the kiosk token."""

    type: Literal[KioskMessageType.HELLO]
    protocol: int
    token: Annotated[str, Field(min_length=1, max_length=512)]
    client: Annotated[str, Field(max_length=100)] = ""
    capabilities: Capabilities = Capabilities()
    lang: Lang = "auto"
    # From `joined`: take the session back after a dropped connection (within the window).
    resume_token: Annotated[str, Field(min_length=1, max_length=128)] | None = None


class KioskSettings(Message):
    """Per-kiosk accessibility settings."""

    type: Literal[KioskMessageType.SETTINGS]
    lang: Lang | None = None
    tts_rate: Annotated[float, Field(ge=0.5, le=2.0)] | None = None
    end_silence_ms: Annotated[int, Field(ge=300, le=3000)] | None = None
    audio_out: bool | None = None


class Join(Message):
    """Join a session by its short code."""

    type: Literal[KioskMessageType.JOIN]
    code: Annotated[str, Field(min_length=1, max_length=32)]


class Consent(Message):
    """The client's consent decision."""

    type: Literal[KioskMessageType.CONSENT]
    accepted: bool
    consent_version: Annotated[str, Field(max_length=64)]


class Text(Message):
    """Typed input."""

    type: Literal[KioskMessageType.TEXT]
    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT_CHARS)]


class EndOfTurn(Message):
    """Push-to-talk release."""

    type: Literal[KioskMessageType.END_OF_TURN]


class BargeIn(Message):
    """Stop the current reply."""

    type: Literal[KioskMessageType.BARGE_IN]


class Played(Message):
    """The kiosk finished playing a turn's audio."""

    type: Literal[KioskMessageType.PLAYED]
    turn: Annotated[int, Field(ge=0)]


class Review(Message):
    """Approve, edit or remove a summary item."""

    type: Literal[KioskMessageType.REVIEW]
    action: Literal["approve", "edit", "remove"]
    field: SummaryField | None = None
    index: Annotated[int, Field(ge=0, le=1000)] = 0
    text: Annotated[str, Field(min_length=1, max_length=MAX_EDIT_CHARS)] | None = None


class Feedback(Message):
    """Rating and optional comment."""

    type: Literal[KioskMessageType.FEEDBACK]
    rating: Annotated[int, Field(ge=1, le=5)] | None
    comment: Annotated[str, Field(max_length=MAX_COMMENT_CHARS)] = ""
    flagged_turns: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=100)] = []


class FlagReply(Message):
    """This reply felt wrong."""

    type: Literal[KioskMessageType.FLAG_REPLY]
    turn: Annotated[int, Field(ge=0)]


class End(Message):
    """The client wants to stop."""

    type: Literal[KioskMessageType.END]


class Erase(Message):
    """Delete everything recorded for this session."""

    type: Literal[KioskMessageType.ERASE]


class StaffClear(Message):
    """A staff member clears the crisis screen with the kiosk's staff PIN."""

    type: Literal[KioskMessageType.STAFF_CLEAR]
    pin: Annotated[str, Field(min_length=1, max_length=32)]


class KioskPing(Message):
    """Keep-alive."""

    type: Literal[KioskMessageType.PING]
    nonce: Annotated[str, Field(max_length=64)] = ""


class TherapistHello(Message):
    """First dashboard message: protocol version and the last processed seq."""

    type: Literal[TherapistMessageType.HELLO]
    protocol: int
    last_seq: Annotated[int, Field(ge=0)] | None = None


class TherapistPing(Message):
    """Keep-alive."""

    type: Literal[TherapistMessageType.PING]
    nonce: Annotated[str, Field(max_length=64)] = ""


KioskMessage = Annotated[
    KioskHello
    | KioskSettings
    | Join
    | Consent
    | Text
    | EndOfTurn
    | BargeIn
    | Played
    | Review
    | Feedback
    | FlagReply
    | End
    | Erase
    | StaffClear
    | KioskPing,
    Field(discriminator="type"),
]
TherapistMessage = Annotated[TherapistHello | TherapistPing, Field(discriminator="type")]
