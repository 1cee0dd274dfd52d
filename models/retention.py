"""Retention purge and erasure of a session's client text (the audit row records only facts)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from models import audit
from models.access import Viewer, require_session_manager
from models.audit import AuditAction
from models.errors import AuthorizationError, InvalidInputError
from models.sessions import get_session
from models.tables import Feedback, OutboxEvent, ReflectionSession, RiskAlert, Summary, Turn
from models.types import SessionStatus, utcnow

# The therapist-stream event of a risk alert (server.events.TherapistEventKind.RISK_ALERT).
ALERT_EVENT_TYPE = "risk_alert"


@dataclass(frozen=True)
class PurgeReport:
    """What a purge removed."""

    cutoff: datetime
    sessions: int
    outbox_events: int


@dataclass(frozen=True)
class EraseReport:
    """What an erase removed from one session."""

    session_id: uuid.UUID
    turns: int
    summaries: int
    feedback: int
    alerts_kept: int
    outbox_cleared: int


def erase_session(
    db: Session,
    *,
    session_id: uuid.UUID,
    viewer: Viewer | None = None,
    kiosk_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> EraseReport:
    """Remove every piece of a session's client text: the client's own request (from the kiosk
    that runs the session, `kiosk_id`) or its therapist/an admin (`viewer`). Audited."""
    row = get_session(db, session_id=session_id)
    if viewer is not None:
        require_session_manager(viewer, row)
        actor_id, actor_kind, by = viewer.id, "user", viewer.role.value
    elif kiosk_id is not None:
        if row.kiosk_id != kiosk_id:
            raise AuthorizationError("this kiosk is not running that session")
        actor_id, actor_kind, by = kiosk_id, "kiosk", "client"
    else:
        raise InvalidInputError("erase needs the requesting viewer or kiosk")
    counts = [
        db.execute(delete(stmt_table).where(stmt_table.session_id == session_id)
                   .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
        for stmt_table in (Turn, Summary, Feedback)
    ]
    # Safety over erasure: a risk alert and its trigger words (the matched words, never the
    # turn) stay for the therapist, and so does its live event (docs/security.md, "Erase").
    alerts = len(db.scalars(select(RiskAlert.id).where(RiskAlert.session_id == session_id)).all())
    outbox = db.execute(update(OutboxEvent).where(OutboxEvent.session_id == session_id,
                                                  OutboxEvent.type != ALERT_EVENT_TYPE)
                        .values(payload_enc=None)
                        .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    now = now or utcnow()
    row.status, row.erased_at = SessionStatus.ERASED, now
    row.label_enc = None  # the staff label may identify the client too
    row.ended_at = row.ended_at or now
    db.flush()
    db.expire_all()  # drop any cached plaintext-bearing objects from this Session
    report = EraseReport(session_id, counts[0], counts[1], counts[2], alerts, outbox)
    audit.record(db, action=AuditAction.SESSION_ERASED, actor_id=actor_id, actor_kind=actor_kind,
                 session_id=session_id, now=now,
                 detail={"by": by, "turns": report.turns, "summaries": report.summaries,
                         "feedback": report.feedback, "alerts_kept": alerts,
                         "outbox_cleared": outbox})
    return report


def purge_expired(
    db: Session, *, retention_days: float, now: datetime | None = None
) -> PurgeReport:
    """Delete sessions (and, by cascade, all their rows) created before now - retention_days."""
    if retention_days <= 0:
        raise InvalidInputError("retention_days must be positive")
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days)
    ids = list(db.scalars(select(ReflectionSession.id)
                          .where(ReflectionSession.created_at < cutoff)))
    # Children go by ON DELETE CASCADE; orphan outbox events age out on the same clock.
    orphans = db.execute(delete(OutboxEvent).where(OutboxEvent.session_id.is_(None),
                                                   OutboxEvent.created_at < cutoff)
                         .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    removed = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        removed += db.execute(delete(ReflectionSession).where(ReflectionSession.id.in_(chunk))
                              .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    db.flush()
    db.expire_all()
    report = PurgeReport(cutoff=cutoff, sessions=removed, outbox_events=orphans)
    audit.record(db, action=AuditAction.SESSIONS_PURGED, actor_kind="system", now=now,
                 detail={"cutoff": cutoff.isoformat(), "sessions": removed,
                         "session_ids": [str(i) for i in ids], "orphan_events": orphans})
    return report
