"""One-time enrolment links: a short-lived code the kiosk page exchanges once for its token.

The link carries the code in the URL fragment (never sent to the server, so never in an access
log); the long-lived device token only ever travels in a POST body and the websocket hello.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.audit import AuditAction
from models.db import context_of
from models.errors import NotFoundError
from models.tables import Kiosk
from models.types import utcnow

ENROL_CODE_TTL = timedelta(minutes=15)
_COLUMN = {"table": "kiosks", "column": "enrol_token"}


def _digest(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


def issue_enrolment_code(
    db: Session, *, kiosk_id: uuid.UUID, token: str, now: datetime | None = None
) -> tuple[str, datetime]:
    """Hold `token` (encrypted) behind a new one-time code; returns the code and its expiry."""
    kiosk = db.get(Kiosk, kiosk_id)
    if kiosk is None:
        raise NotFoundError("no such kiosk")
    code = secrets.token_urlsafe(18)
    expires = (now or utcnow()) + ENROL_CODE_TTL
    kiosk.enrol_code_hash = _digest(code)
    kiosk.enrol_token_enc = context_of(db).cipher.encrypt_text(token, row_id=kiosk.id, **_COLUMN)
    kiosk.enrol_expires_at = expires
    return code, expires


def redeem_enrolment_code(
    db: Session, *, code: str, now: datetime | None = None
) -> tuple[uuid.UUID, str] | None:
    """(kiosk id, token) for a valid unused code, which is then spent; None (audited) else."""
    digest = _digest(code.strip())
    kiosk = db.scalars(select(Kiosk).where(Kiosk.enrol_code_hash == digest)).first()
    ok = (
        kiosk is not None
        and kiosk.enrol_code_hash is not None
        and hmac.compare_digest(kiosk.enrol_code_hash, digest)
        and kiosk.active
        and kiosk.enrol_token_enc is not None
        and kiosk.enrol_expires_at is not None
        and kiosk.enrol_expires_at > (now or utcnow())
    )
    if not ok or kiosk is None or kiosk.enrol_token_enc is None:
        audit.record(db, action=AuditAction.KIOSK_AUTH_FAILURE, actor_kind="kiosk",
                     detail={"kiosk_id": str(kiosk.id) if kiosk else None, "enrol_code": True})
        return None
    token = context_of(db).cipher.decrypt_text(kiosk.enrol_token_enc, row_id=kiosk.id, **_COLUMN)
    kiosk.enrol_code_hash = kiosk.enrol_token_enc = kiosk.enrol_expires_at = None
    audit.record(db, action=AuditAction.KIOSK_ENROLLED, actor_kind="kiosk", actor_id=kiosk.id,
                 detail={"kiosk_id": str(kiosk.id), "enrol_link_used": True})
    return kiosk.id, token
