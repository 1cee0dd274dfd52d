"""Kiosk enrolment and device-token checks. Only the sha256 of each token is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.audit import AuditAction
from models.db import context_of
from models.errors import AuthenticationError, ConflictError, InvalidInputError, NotFoundError
from models.tables import Kiosk
from models.types import utcnow

TOKEN_PREFIX = "rk_"


def token_hash(token: str) -> str:
    """sha256 (hex) of a device token; tokens have 256 bits of entropy, so no salt is needed."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _pin_hash(db: Session, pin: str) -> str:
    if not re.fullmatch(r"[0-9]{4,8}", pin):
        raise InvalidInputError("the staff PIN must be 4-8 digits", code="bad_pin")
    return context_of(db).password_hasher.hash(pin)


def enroll_kiosk(
    db: Session, *, name: str, actor_id: uuid.UUID | None = None, staff_pin: str | None = None
) -> tuple[Kiosk, str]:
    """Enrol a device; returns the kiosk and its token, which is shown once and never stored.

    `staff_pin` (4-8 digits, stored as an argon2 hash) lets staff clear the crisis screen there.
    """
    name = name.strip()
    if not name or len(name) > 128:
        raise InvalidInputError("kiosk name must be 1-128 characters")
    pin_hash = None if staff_pin is None else _pin_hash(db, staff_pin)
    if db.scalars(select(Kiosk).where(Kiosk.name == name)).first() is not None:
        raise ConflictError(f"a kiosk named {name!r} is already enrolled")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    kiosk = Kiosk(id=uuid.uuid4(), name=name, token_hash=token_hash(token), active=True,
                  created_at=utcnow(), staff_pin_hash=pin_hash)
    db.add(kiosk)
    db.flush()
    audit.record(db, action=AuditAction.KIOSK_ENROLLED, actor_id=actor_id,
                 actor_kind="user" if actor_id else "system",
                 detail={"kiosk_id": str(kiosk.id), "name": name,
                         "staff_pin": pin_hash is not None})
    return kiosk, token


def set_staff_pin(
    db: Session, *, kiosk_id: uuid.UUID, pin: str, actor_id: uuid.UUID | None = None
) -> None:
    """Set or change a kiosk's staff PIN (audited; the PIN itself never is)."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFoundError("no such kiosk")
    kiosk.staff_pin_hash = _pin_hash(db, pin)
    audit.record(db, action=AuditAction.KIOSK_ENROLLED, actor_id=actor_id,
                 actor_kind="user" if actor_id else "system",
                 detail={"kiosk_id": str(kiosk.id), "staff_pin": "changed"})


def check_staff_pin(db: Session, *, kiosk_id: uuid.UUID, pin: str) -> bool:
    """Whether `pin` is this kiosk's staff PIN (False when none is set); a failure is audited."""
    kiosk = db.get(Kiosk, kiosk_id)
    ok = False
    if kiosk is not None and kiosk.staff_pin_hash is not None and len(pin) <= 64:
        try:
            ok = bool(context_of(db).password_hasher.verify(kiosk.staff_pin_hash, pin))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
    if not ok:
        audit.record(db, action=AuditAction.KIOSK_AUTH_FAILURE, actor_kind="kiosk",
                     detail={"kiosk_id": str(kiosk_id), "staff_pin": "wrong"})
    return ok


def authenticate_kiosk(db: Session, *, token: str, now: datetime | None = None) -> Kiosk:
    """The active kiosk owning this token, or AuthenticationError (audited)."""
    digest = token_hash(token)
    kiosk = db.scalars(select(Kiosk).where(Kiosk.token_hash == digest)).first()
    # The lookup is by hash already; compare_digest keeps the final check constant-time.
    if kiosk is None or not hmac.compare_digest(kiosk.token_hash, digest) or not kiosk.active:
        audit.record(db, action=AuditAction.KIOSK_AUTH_FAILURE, actor_kind="kiosk",
                     detail={"kiosk_id": str(kiosk.id) if kiosk else None})
        raise AuthenticationError("unknown or revoked kiosk token", code="bad_kiosk_token")
    kiosk.last_seen_at = now or utcnow()
    return kiosk


def reissue_token(db: Session, *, kiosk_id: uuid.UUID, actor_id: uuid.UUID) -> tuple[Kiosk, str]:
    """A new device token for an active kiosk (new device, lost link); the old one stops working."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFoundError("no such kiosk")
    if not kiosk.active:
        raise ConflictError("this kiosk was revoked; enrol a new one", code="kiosk_revoked")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    kiosk.token_hash = token_hash(token)
    audit.record(db, action=AuditAction.KIOSK_ENROLLED, actor_id=actor_id,
                 detail={"kiosk_id": str(kiosk.id), "token": "reissued"})
    return kiosk, token


def list_kiosks(db: Session) -> list[Kiosk]:
    """All enrolled kiosks by name."""
    return list(db.scalars(select(Kiosk).order_by(Kiosk.name)))


def set_kiosk_active(
    db: Session, *, kiosk_id: uuid.UUID, active: bool, actor_id: uuid.UUID
) -> Kiosk:
    """Revoke (or re-enable) a kiosk."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFoundError("no such kiosk")
    kiosk.active = active
    audit.record(db, action=AuditAction.KIOSK_ENROLLED, actor_id=actor_id,
                 detail={"kiosk_id": str(kiosk.id), "active": active})
    return kiosk
