"""Cancelling a pending session (its code is shown again through `views.pending_code`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from models import audit
from models.access import Viewer, require_session_visible
from models.audit import AuditAction
from models.errors import AuthorizationError, ConflictError
from models.sessions import get_session
from models.types import Role, SessionStatus, utcnow


def cancel_session(
    db: Session, *, viewer: Viewer, session_id: uuid.UUID, now: datetime | None = None
) -> None:
    """Cancel a pending session: its code stops working at once (ConflictError once used)."""
    row = get_session(db, session_id=session_id)
    require_session_visible(viewer, row)
    if viewer.role is Role.THERAPIST and row.therapist_id != viewer.id:
        raise AuthorizationError("only the session's therapist may cancel it")
    if row.status is not SessionStatus.PENDING:
        raise ConflictError("only a session whose code was not used yet can be cancelled")
    now = now or utcnow()
    row.status, row.ended_at, row.code_hash, row.code_enc = SessionStatus.ENDED, now, None, None
    db.flush()
    audit.record(db, action=AuditAction.SESSION_CANCELLED, actor_id=viewer.id,
                 session_id=row.id, now=now)
