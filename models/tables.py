"""SQLAlchemy ORM tables. Columns ending in `_enc` hold AES-GCM envelopes (see models.crypto).

Rows holding encrypted values use client-generated UUID primary keys so the id (part of the
associated data) is known before the value is encrypted; repositories always set `id` explicitly.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from models.types import Role, SessionStatus, Speaker, SummaryStatus, UtcDateTime, utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[Any]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    """Declarative base with constraint names Alembic can rely on."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(),
        uuid.UUID: Uuid(),
        bytes: LargeBinary(),
    }


class User(Base):
    """A staff account."""

    __tablename__ = "users"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128), default="")
    role: Mapped[Role] = mapped_column(_enum(Role))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]
    totp_secret_enc: Mapped[bytes | None]
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)  # a TOTP code works once
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]


class Kiosk(Base):
    """An enrolled kiosk device; only the sha256 of its token is stored."""

    __tablename__ = "kiosks"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime | None]
    # A pending one-time enrolment link: the code's sha256, the token (encrypted), the expiry.
    enrol_code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    enrol_token_enc: Mapped[bytes | None]
    enrol_expires_at: Mapped[datetime | None]
    # argon2 hash of the staff PIN that clears the crisis screen at this kiosk (None = not set).
    staff_pin_hash: Mapped[str | None] = mapped_column(String(255))


class WebSignIn(Base):
    """A dashboard sign-in; only the sha256 of the cookie value is stored (survives restarts)."""

    __tablename__ = "web_signins"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the idle logoff: the screen is locked (alerts only) until the user re-enters.
    locked_at: Mapped[datetime | None]
    password_change_required: Mapped[bool] = mapped_column(Boolean, default=False)


class RecoveryCode(Base):
    """A single-use two-step sign-in recovery code; only its argon2 hash is stored."""

    __tablename__ = "recovery_codes"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class ReflectionSession(Base):
    """One client's reflection before an appointment; code_hash is an HMAC of the short code."""

    __tablename__ = "reflection_sessions"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    created_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    kiosk_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("kiosks.id", ondelete="SET NULL"))
    code_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    code_expires_at: Mapped[datetime]
    code_used_at: Mapped[datetime | None]
    status: Mapped[SessionStatus] = mapped_column(
        _enum(SessionStatus), default=SessionStatus.PENDING
    )
    language: Mapped[str] = mapped_column(String(16), default="en")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]
    label_enc: Mapped[bytes | None]  # staff's label ("2pm appointment"); may identify the client
    empty_transcripts: Mapped[int] = mapped_column(Integer, default=0)  # heard nothing (0006)
    code_enc: Mapped[bytes | None]  # a pending session's code, to show it again (0009)


def _session_fk() -> Any:
    return mapped_column(ForeignKey("reflection_sessions.id", ondelete="CASCADE"), index=True)


class Consent(Base):
    """The client's answer to a given version of the consent text."""

    __tablename__ = "consents"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = _session_fk()
    text_version: Mapped[str] = mapped_column(String(64))
    given: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Turn(Base):
    """One utterance in a session."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "position"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = _session_fk()
    position: Mapped[int] = mapped_column(Integer)
    speaker: Mapped[Speaker] = mapped_column(_enum(Speaker))
    text_enc: Mapped[bytes]
    risk_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Evaluation metadata (migration 0006); never client text, so stored in the clear.
    kiosk_turn: Mapped[int | None] = mapped_column(Integer)  # the protocol's turn number
    input_kind: Mapped[str | None] = mapped_column(String(16))  # client: typed | spoken
    repeated: Mapped[bool] = mapped_column(Boolean, default=False)  # same words as before
    responder: Mapped[str | None] = mapped_column(String(64))  # reply: ollama | scripted ...
    filter_reasons: Mapped[list[str] | None] = mapped_column(JSON)  # reply-filter reason codes
    flagged_at: Mapped[datetime | None]  # the client said this reply didn't feel right


class Summary(Base):
    """A version of the session summary; content and redactions are encrypted JSON."""

    __tablename__ = "summaries"
    __table_args__ = (UniqueConstraint("session_id", "version"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = _session_fk()
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[SummaryStatus] = mapped_column(_enum(SummaryStatus))
    content_enc: Mapped[bytes]
    redactions_enc: Mapped[bytes | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RiskAlert(Base):
    """A risk alert raised to the therapist; stays until a human acknowledges it."""

    __tablename__ = "risk_alerts"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = _session_fk()
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    evidence_enc: Mapped[bytes | None]
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    ack_note_enc: Mapped[bytes | None]  # the acknowledger's note; may hold clinical detail
    # When nobody acknowledged in time and front desk and admin screens were told too.
    escalated_at: Mapped[datetime | None]


class Feedback(Base):
    """The client's rating, optional comment, and turn ids of replies that felt wrong."""

    __tablename__ = "feedback"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = _session_fk()
    rating: Mapped[int | None] = mapped_column(Integer)
    comment_enc: Mapped[bytes | None]
    flagged_turn_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class BreakGlassAccess(Base):
    """An admin's emergency read of a session's text, shown to the therapist afterwards."""

    __tablename__ = "break_glass_accesses"
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    session_id: Mapped[uuid.UUID] = _session_fk()
    admin_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text)  # "" since reasons are encrypted (legacy rows)
    reason_enc: Mapped[bytes | None]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEvent(Base):
    """A therapist-stream event; seq increases by one per therapist, payload is encrypted."""

    __tablename__ = "event_outbox"
    __table_args__ = (UniqueConstraint("therapist_id", "seq"),)
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    seq: Mapped[int] = mapped_column(Integer)
    session_id: Mapped[uuid.UUID | None] = _session_fk()
    type: Mapped[str] = mapped_column(String(64))
    payload_enc: Mapped[bytes | None]  # NULL once the session's text is erased
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EventCounter(Base):
    """The last seq handed out per therapist (row-locked while allocating)."""

    __tablename__ = "event_counters"
    therapist_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class AuditEntry(Base):
    """Append-only, hash-chained audit row; never holds client text."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime]
    actor_id: Mapped[uuid.UUID | None]
    actor_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64), index=True)
    session_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """Single row locked by every append so the chain stays linear under concurrency."""

    __tablename__ = "audit_head"
    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class KeyCheck(Base):
    """A canary encrypted under each key, to refuse a wrong keyring at start-up."""

    __tablename__ = "key_checks"
    key_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    canary_enc: Mapped[bytes]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class KeyRotation(Base):
    """Progress of a re-encryption to `target_key_id`; resumable from (table_name, last_id)."""

    __tablename__ = "key_rotations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_key_id: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")
    table_name: Mapped[str] = mapped_column(String(64), default="")
    last_id: Mapped[str] = mapped_column(String(64), default="")
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
