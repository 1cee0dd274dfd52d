"""Request and response bodies of the account, user-admin, audit and break-glass routes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from server.api.schemas import Body, SessionDetail

Password = Annotated[str, Field(min_length=1, max_length=256)]


class AccountOut(BaseModel):
    """The signed-in user's own account settings."""

    id: uuid.UUID
    username: str
    role: str
    display_name: str
    totp_enabled: bool
    password_change_required: bool
    last_login_at: datetime | None
    recovery_codes_left: int = 0


class ChangePasswordRequest(Body):
    """The current password proves it is the user; the new one must meet the policy."""

    current_password: Password
    new_password: Password


class PasswordRules(BaseModel):
    """Every rule a new password must meet, in words, for the forms that choose one."""

    rules: list[str]
    min_length: int
    max_length: int
    advice: str


class TotpSetup(BaseModel):
    """A new, not yet active TOTP secret for the authenticator app."""

    secret: str
    otpauth_uri: str
    issuer: str
    # SVG QR code of otpauth_uri (data: URI), for the app to scan.
    qr: str


class TotpConfirmRequest(Body):
    """The code the authenticator app shows for the new secret."""

    code: Annotated[str, Field(pattern=r"^\d{6,8}$")]


class TotpDisableRequest(Body):
    """The current password, to turn the second factor off."""

    password: Password


class TotpState(BaseModel):
    """Whether sign-in now asks for an authenticator code; new recovery codes, shown once."""

    totp_enabled: bool
    recovery_codes: list[str] = []


class RecoveryCodesOut(BaseModel):
    """A fresh set of recovery codes (the old ones stop working), shown once."""

    recovery_codes: list[str]


class AdminUserOut(BaseModel):
    """An account as the admin area shows it."""

    id: uuid.UUID
    username: str
    role: str
    display_name: str
    active: bool
    locked_until: datetime | None
    totp_enabled: bool
    password_change_required: bool
    created_at: datetime
    last_login_at: datetime | None


class AdminUserList(BaseModel):
    """All accounts, by username."""

    users: list[AdminUserOut]


class NewUserRequest(Body):
    """A new account; the server picks a one-time password."""

    username: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
    role: Literal["admin", "therapist", "front_desk"]
    display_name: Annotated[str, Field(max_length=128)] = ""


class OneTimePassword(BaseModel):
    """Shown once; the user must change it at first sign-in."""

    user: AdminUserOut
    one_time_password: str


class SetActiveRequest(Body):
    """Enable or disable an account."""

    active: bool


class AuditEntryOut(BaseModel):
    """One audit row (audit rows never hold client text)."""

    id: int
    at: datetime
    actor_id: uuid.UUID | None
    actor_kind: str
    actor_name: str | None  # username, or kiosk name for kiosk rows
    action: str
    session_id: uuid.UUID | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    """Newest first; pass `next_before_id` as `before_id` for the next page (null at the end)."""

    entries: list[AuditEntryOut]
    next_before_id: int | None


class ChainProblemOut(BaseModel):
    """One break in the hash chain."""

    row_id: int
    problem: str


class AuditVerification(BaseModel):
    """Result of walking the whole hash chain."""

    ok: bool
    entries: int
    problems: list[ChainProblemOut]


class BreakGlassRequest(Body):
    """Why an admin must read this session's client text now (stored and shown to its therapist)."""

    reason: Annotated[str, Field(min_length=5, max_length=2000)]


class BreakGlassRead(SessionDetail):
    """The session's content, read under emergency access."""

    reason: str
