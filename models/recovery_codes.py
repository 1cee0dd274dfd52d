"""Two-step sign-in recovery codes: shown once, stored as argon2 hashes, each usable once.

A code stands in for the authenticator's code at sign-in (a lost or broken phone), so it is
as strong as a password would be against an online guess and is kept like one.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime

from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import audit
from models.audit import AuditAction
from models.db import context_of
from models.tables import RecoveryCode
from models.types import utcnow

CODE_COUNT = 10
# Lower case without look-alikes (0/o, 1/l/i): read off paper and typed on a phone. 10 of 32
# symbols are 50 bits, far beyond what throttled sign-in attempts can reach.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
_LENGTH = 10


def normalise(code: str) -> str:
    """What was typed, without spaces, dashes and case."""
    return "".join(code.split()).replace("-", "").lower()


def looks_like_recovery_code(code: str) -> bool:
    """Whether a second-step answer has a recovery code's shape (authenticator codes are digits)."""
    text = normalise(code)
    return len(text) == _LENGTH and all(c in _ALPHABET for c in text)


def _new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def issue(db: Session, *, user_id: uuid.UUID, now: datetime | None = None) -> list[str]:
    """Replace the user's recovery codes with CODE_COUNT new ones, returned once (audited)."""
    now = now or utcnow()
    hasher = context_of(db).password_hasher
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [_new_code() for _ in range(CODE_COUNT)]
    for code in codes:
        db.add(RecoveryCode(id=uuid.uuid4(), user_id=user_id, created_at=now,
                            code_hash=hasher.hash(normalise(code))))
    audit.record(db, action=AuditAction.RECOVERY_CODES_ISSUED, actor_id=user_id, now=now,
                 detail={"user_id": str(user_id), "count": CODE_COUNT})
    return codes


def redeem(db: Session, *, user_id: uuid.UUID, code: str, now: datetime | None = None) -> bool:
    """Spend one unused code of this user if `code` is one (audited with how many are left)."""
    if not looks_like_recovery_code(code):
        return False
    now = now or utcnow()
    hasher = context_of(db).password_hasher
    typed = normalise(code)
    unused = db.scalars(select(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)))
    for row in unused:
        try:
            hasher.verify(row.code_hash, typed)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
        row.used_at = now
        db.flush()
        audit.record(db, action=AuditAction.RECOVERY_CODE_USED, actor_id=user_id, now=now,
                     detail={"user_id": str(user_id), "left": remaining(db, user_id=user_id)})
        return True
    return False


def remaining(db: Session, *, user_id: uuid.UUID) -> int:
    """How many unused recovery codes the user has."""
    return int(db.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))) or 0)


def discard(db: Session, *, user_id: uuid.UUID) -> None:
    """Remove every recovery code (two-step sign-in turned off)."""
    db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
