"""Request and response bodies of the REST API (they make the OpenAPI document)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Body(BaseModel):
    """Request bodies reject unknown fields."""

    model_config = ConfigDict(extra="forbid")


class LoginRequest(Body):
    """Credentials."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    # The authenticator's code, or a recovery code ("abcde-fghij").
    totp: Annotated[str, Field(max_length=24)] | None = None


class UserOut(BaseModel):
    """A signed-in user."""

    id: uuid.UUID
    username: str
    role: str
    display_name: str


class SignedIn(BaseModel):
    """Answer to login and /me."""

    user: UserOut
    csrf_token: str
    idle_logoff_s: float
    # True while the account has a one-time password: only POST /api/me/password is allowed.
    password_change_required: bool = False
    # True after the idle logoff: client text hidden, alerts still live, POST /api/auth/unlock.
    locked: bool = False


class UnlockRequest(Body):
    """Re-entry on a locked screen: the password, or the authenticator code."""

    password: Annotated[str, Field(max_length=256)] | None = None
    # The authenticator's code, or a recovery code ("abcde-fghij").
    totp: Annotated[str, Field(max_length=24)] | None = None


class CreateSessionRequest(Body):
    """A new reflection session."""

    therapist_id: uuid.UUID | None = None
    # e.g. "2pm appointment"; stored encrypted, returned by list and get, erased with the text.
    label: Annotated[str, Field(max_length=80)] | None = None
    lang: Literal["en", "es"] = "en"


class CreatedSession(BaseModel):
    """The short code is shown once."""

    session_id: uuid.UUID
    code: str
    expires_at: datetime
    therapist_id: uuid.UUID


class SessionOut(BaseModel):
    """Session metadata."""

    id: uuid.UUID
    therapist_id: uuid.UUID
    kiosk_id: uuid.UUID | None
    status: str
    language: str
    created_at: datetime
    code_expires_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    erased_at: datetime | None
    break_glass: list[dict[str, Any]] = []
    label: str | None = None  # the staff's label from creation (stored encrypted)
    crisis: bool = False  # an urgent alert was raised in this session
    actions: list[str] = []  # what staff may do now (call_in, clear_crisis, cancel, show_code)
    code: str | None = None  # a pending session's code, shown again until used or cancelled


class SessionList(BaseModel):
    """Newest first."""

    sessions: list[SessionOut]


class AlertOut(BaseModel):
    """A risk alert."""

    id: uuid.UUID
    session_id: uuid.UUID
    level: int
    categories: list[str]
    urgent: bool
    evidence: Any = None  # [{"text": trigger word}] only
    trigger_words: list[str] = []
    raised_at: datetime
    escalated_at: datetime | None = None
    acknowledged_by: uuid.UUID | None
    acknowledged_at: datetime | None
    ack_note: str | None = None


class AlertList(BaseModel):
    """Alerts, newest first."""

    alerts: list[AlertOut]


class SessionDetail(BaseModel):
    """Everything about one session for its therapist."""

    session: SessionOut
    consent: list[dict[str, Any]]
    turns: list[dict[str, Any]]
    summary: dict[str, Any] | None
    summary_approved: bool
    # "draft" (not approved by the client) or "approved"; None when there is no summary yet.
    summary_status: str | None = None
    alerts: list[AlertOut]
    feedback: list[dict[str, Any]]
    # False: the client's consent covers summaries only, so `turns` is always empty.
    live_view: bool = False
    erased: bool = False  # the client erased the session: nothing but that fact remains


class SummaryOut(BaseModel):
    """The latest summary version."""

    summary: dict[str, Any] | None
    approved: bool
    version: int


class AcknowledgeRequest(Body):
    """An optional note on what was done (stored encrypted with the acknowledgement)."""

    note: Annotated[str, Field(max_length=2000)] | None = None


class Acknowledged(BaseModel):
    """An acknowledged alert: who, when, and the note."""

    alert_id: uuid.UUID
    acknowledged_at: datetime
    by: uuid.UUID
    note: str | None = None


class CallInResult(BaseModel):
    """Whether a kiosk was running the session, and when the call-in was sent."""

    delivered: bool
    at: str | None = None  # ISO 8601 UTC


class CrisisCleared(BaseModel):
    """Whether a kiosk was running the session (and so was cleared)."""

    delivered: bool


class KioskOut(BaseModel):
    """An enrolled kiosk."""

    id: uuid.UUID
    name: str
    enrolled_at: datetime
    last_seen_at: datetime | None
    revoked: bool
    staff_pin_set: bool = False
    # An open socket to this server right now (server/kiosk_presence.py).
    online: bool = False
    # A one-time enrolment link is waiting to be opened until then.
    enrol_pending_until: datetime | None = None


class KioskList(BaseModel):
    """All kiosks."""

    kiosks: list[KioskOut]


class EnrollRequest(Body):
    """A new kiosk."""

    name: Annotated[str, Field(min_length=1, max_length=128)]
    # 4-8 digits; staff enter it at the kiosk to clear the crisis screen.
    staff_pin: Annotated[str, Field(pattern=r"^[0-9]{4,8}$")] | None = None


class EnrolLink(BaseModel):
    """A one-time enrolment address to open (or scan) on the kiosk."""

    enrol_path: str
    # Built from `server.public_url`, else from the address the admin's browser used.
    enrol_url: str
    # SVG QR code of enrol_url, as a data: URI.
    enrol_qr: str
    # The address names loopback: it opens only on this machine.
    this_machine_only: bool


class Enrolled(EnrolLink):
    """The token is shown once; `enrol_url` is the one-time link to open on the kiosk."""

    kiosk_id: uuid.UUID
    token: str
    enrol_code: str
    enrol_expires_at: datetime


class EnrolCodeRequest(BaseModel):
    """A kiosk page exchanging its one-time enrolment code."""

    code: Annotated[str, Field(min_length=8, max_length=64)]


class EnrolToken(BaseModel):
    """The device token for the kiosk page to keep."""

    kiosk_id: uuid.UUID
    token: str


class UserList(BaseModel):
    """All accounts."""

    users: list[UserOut]


class CreateUserRequest(Body):
    """A new account."""

    username: Annotated[str, Field(min_length=1, max_length=64)]
    password: Annotated[str, Field(min_length=1, max_length=256)]
    role: Literal["admin", "therapist", "front_desk"]
    display_name: Annotated[str, Field(max_length=128)] = ""


class FeedbackReport(BaseModel):
    """Feedback across sessions, for admins (no comments' text)."""

    count: int
    average_rating: float | None
    flagged_replies: int
    items: list[dict[str, Any]]


class TherapistOut(BaseModel):
    """An active therapist a session can be created for."""

    id: uuid.UUID
    display_name: str


class TherapistList(BaseModel):
    """Active therapists, by display name."""

    therapists: list[TherapistOut]
