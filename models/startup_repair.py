"""Start-up repairs: sessions a crash left "active", and break-glass reasons stored in plaintext."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import audit
from models.db import context_of
from models.tables import BreakGlassAccess, ReflectionSession
from models.types import SessionStatus, utcnow

CLOSED_ON_START = "session.closed_on_start"
CLOSED_PROCESS_LOST = "session.closed_process_lost"


def close_interrupted_sessions(db: Session, *, now: datetime | None = None) -> int:
    """End every session still "active": no kiosk can be running it before the server is up."""
    now = now or utcnow()
    ids = list(db.scalars(select(ReflectionSession.id)
                          .where(ReflectionSession.status == SessionStatus.ACTIVE)))
    if not ids:
        return 0
    db.execute(update(ReflectionSession).where(ReflectionSession.id.in_(ids))
               .values(status=SessionStatus.ENDED, ended_at=now)
               .execution_options(synchronize_session=False))
    audit.record(db, action=CLOSED_ON_START, actor_kind="system", now=now,
                 detail={"sessions": len(ids), "session_ids": [str(i) for i in ids]})
    return len(ids)


def close_orphaned_session(db: Session, session_id: uuid.UUID, *,
                           now: datetime | None = None) -> bool:
    """End one session whose server process died (another process saw its presence expire);
    False when it had already ended. Its alerts and turns stay as they are."""
    now = now or utcnow()
    row = db.get(ReflectionSession, session_id, with_for_update=True)
    if row is None or row.status != SessionStatus.ACTIVE:
        return False
    row.status, row.ended_at = SessionStatus.ENDED, now
    audit.record(db, action=CLOSED_PROCESS_LOST, actor_kind="system", now=now,
                 detail={"session_ids": [str(session_id)]})
    return True


def encrypt_plaintext_reasons(db: Session) -> int:
    """Encrypt break-glass reasons written before reasons were encrypted; how many."""
    cipher = context_of(db).cipher
    rows = list(db.scalars(select(BreakGlassAccess).where(BreakGlassAccess.reason_enc.is_(None),
                                                          BreakGlassAccess.reason != "")))
    for row in rows:
        row.reason_enc = cipher.encrypt_text(row.reason, table="break_glass_accesses",
                                             column="reason", row_id=row.id)
        row.reason = ""
    return len(rows)


def repair_on_start(db: Session, *, close_sessions: bool = True) -> tuple[int, int]:
    """Both repairs; (sessions closed, reasons encrypted). `close_sessions=False` when other
    server processes share the database (their sessions are running)."""
    closed = close_interrupted_sessions(db) if close_sessions else 0
    return closed, encrypt_plaintext_reasons(db)
