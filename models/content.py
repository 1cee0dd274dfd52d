"""Writing a session's content (consents, turns, summaries, alerts, feedback), all encrypted.

Kiosk-side writes take the session id the server already authorised for that kiosk; they
refuse sessions whose text has been erased.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from models import audit
from models.access import Viewer, require_session_manager
from models.audit import AuditAction
from models.db import context_of
from models.errors import ConflictError, InvalidInputError, NotFoundError
from models.sessions import get_session
from models.tables import Consent, Feedback, ReflectionSession, RiskAlert, Summary, Turn
from models.types import Role, SessionStatus, Speaker, SummaryStatus, utcnow
from models.views import AlertView, alert_view

MAX_TEXT_CHARS = 20_000
MAX_NOTE_CHARS = 2_000


def _writable(
    db: Session, session_id: uuid.UUID, *, active_only: bool = False
) -> ReflectionSession:
    row = get_session(db, session_id=session_id)
    if row.status is SessionStatus.ERASED:
        raise ConflictError("this session's text was erased", code="session_erased")
    if active_only and row.status is not SessionStatus.ACTIVE:
        raise ConflictError(f"session is {row.status.value}, not active", code="session_not_active")
    return row


def record_consent(
    db: Session, *, session_id: uuid.UUID, text_version: str, given: bool,
    now: datetime | None = None,
) -> Consent:
    """Store the client's answer to this version of the consent text."""
    _writable(db, session_id)
    row = Consent(id=uuid.uuid4(), session_id=session_id, text_version=text_version[:64],
                  given=given, at=now or utcnow())
    db.add(row)
    db.flush()
    return row


def has_consent(db: Session, *, session_id: uuid.UUID) -> bool:
    """Whether the latest consent answer for the session is 'given'."""
    latest = db.scalars(select(Consent).where(Consent.session_id == session_id)
                        .order_by(Consent.at.desc())).first()
    return bool(latest and latest.given)


def add_turn(
    db: Session, *, session_id: uuid.UUID, speaker: Speaker, text: str, risk_level: int = 0,
    now: datetime | None = None,
) -> Turn:
    """Append an encrypted turn to an active session (position allocated here)."""
    _writable(db, session_id, active_only=True)
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInputError("turn text is too long", code="text_too_long")
    position = (db.scalar(select(func.max(Turn.position)).where(Turn.session_id == session_id))
                or 0) + 1
    row_id = uuid.uuid4()
    row = Turn(id=row_id, session_id=session_id, position=position, speaker=Speaker(speaker),
               risk_level=int(risk_level), created_at=now or utcnow(),
               text_enc=context_of(db).cipher.encrypt_text(
                   text, table="turns", column="text", row_id=row_id))
    db.add(row)
    db.flush()
    return row


def save_summary(
    db: Session, *, session_id: uuid.UUID, content: Any,
    status: SummaryStatus = SummaryStatus.DRAFT, redactions: Sequence[Any] = (),
    now: datetime | None = None,
) -> Summary:
    """Store a new summary version (JSON content); versions count up from 1."""
    _writable(db, session_id)
    if SummaryStatus(status) is SummaryStatus.APPROVED:
        # Drafts may hold items the client removed while reviewing: keep only what was approved.
        db.execute(delete(Summary).where(Summary.session_id == session_id,
                                         Summary.status == SummaryStatus.DRAFT))
    version = (db.scalar(select(func.max(Summary.version))
                         .where(Summary.session_id == session_id)) or 0) + 1
    cipher = context_of(db).cipher
    row_id = uuid.uuid4()
    row = Summary(
        id=row_id, session_id=session_id, version=version, status=SummaryStatus(status),
        created_at=now or utcnow(),
        content_enc=cipher.encrypt_json(content, table="summaries", column="content",
                                        row_id=row_id),
        redactions_enc=cipher.encrypt_json(list(redactions), table="summaries",
                                           column="redactions", row_id=row_id),
    )
    db.add(row)
    db.flush()
    return row


def raise_alert(
    db: Session, *, session_id: uuid.UUID, level: int, categories: Sequence[str],
    urgent: bool, evidence: Any, now: datetime | None = None,
) -> RiskAlert:
    """Record a risk alert for the session's therapist; evidence (client words) is encrypted."""
    session = _writable(db, session_id)
    row_id = uuid.uuid4()
    row = RiskAlert(
        id=row_id, session_id=session_id, therapist_id=session.therapist_id, level=int(level),
        categories=[str(c) for c in categories], urgent=urgent, raised_at=now or utcnow(),
        evidence_enc=context_of(db).cipher.encrypt_json(
            evidence, table="risk_alerts", column="evidence", row_id=row_id),
    )
    db.add(row)
    db.flush()
    return row


def list_alerts(
    db: Session, *, viewer: Viewer, open_only: bool = True, limit: int = 200
) -> list[AlertView]:
    """A therapist's own alerts with evidence (audited as a read); admins see all, no evidence."""
    query = select(RiskAlert)
    if viewer.role is Role.THERAPIST:
        query = query.where(RiskAlert.therapist_id == viewer.id)
    elif viewer.role is not Role.ADMIN:
        return []
    if open_only:
        query = query.where(RiskAlert.acknowledged_at.is_(None))
    rows = list(db.scalars(query.order_by(RiskAlert.raised_at.desc()).limit(limit)))
    if viewer.role is Role.ADMIN:
        return [alert_view(_without_evidence(r), context_of(db).cipher) for r in rows]
    if rows:
        audit.record(db, action=AuditAction.TEXT_READ, actor_id=viewer.id,
                     detail={"alerts": [str(r.id) for r in rows]})
    return [alert_view(r, context_of(db).cipher) for r in rows]


def acknowledge_alert(
    db: Session, *, viewer: Viewer, alert_id: uuid.UUID, note: str | None = None,
    now: datetime | None = None,
) -> RiskAlert:
    """A human acknowledges an alert (who, when, optional encrypted note); audited.

    The therapist or an admin may; front desk too once the alert was escalated to them.
    """
    row = db.get(RiskAlert, alert_id)
    if row is None:
        raise NotFoundError("no such alert")
    if not (viewer.role is Role.FRONT_DESK and row.escalated_at is not None):
        require_session_manager(viewer, get_session(db, session_id=row.session_id))
    if note is not None and len(note) > MAX_NOTE_CHARS:
        raise InvalidInputError("the note is too long", code="text_too_long")
    if row.acknowledged_at is None:
        row.acknowledged_at = now or utcnow()
        row.acknowledged_by = viewer.id
        if note and note.strip():
            row.ack_note_enc = context_of(db).cipher.encrypt_text(
                note.strip(), table="risk_alerts", column="ack_note", row_id=row.id)
        audit.record(db, action=AuditAction.ALERT_ACKNOWLEDGED, actor_id=viewer.id,
                     session_id=row.session_id,
                     detail={"alert_id": str(row.id), "level": row.level,
                             "escalated": row.escalated_at is not None,
                             "with_note": row.ack_note_enc is not None})
    return row


def save_feedback(
    db: Session, *, session_id: uuid.UUID, rating: int | None, comment: str | None = None,
    flagged_turn_ids: Sequence[uuid.UUID | str] = (), now: datetime | None = None,
) -> Feedback:
    """Store the client's rating (1-5), optional comment (encrypted) and 'felt wrong' flags."""
    _writable(db, session_id)
    if rating is not None and not 1 <= rating <= 5:
        raise InvalidInputError("rating must be 1-5", code="bad_rating")
    if comment is not None and len(comment) > MAX_TEXT_CHARS:
        raise InvalidInputError("comment is too long", code="text_too_long")
    row_id = uuid.uuid4()
    row = Feedback(
        id=row_id, session_id=session_id, rating=rating, created_at=now or utcnow(),
        flagged_turn_ids=[str(t) for t in flagged_turn_ids],
        comment_enc=None if comment is None else context_of(db).cipher.encrypt_text(
            comment, table="feedback", column="comment", row_id=row_id),
    )
    db.add(row)
    db.flush()
    return row


def _without_evidence(row: RiskAlert) -> RiskAlert:
    return RiskAlert(id=row.id, session_id=row.session_id, therapist_id=row.therapist_id,
                     level=row.level, categories=row.categories, urgent=row.urgent,
                     evidence_enc=None, raised_at=row.raised_at,
                     acknowledged_by=row.acknowledged_by, acknowledged_at=row.acknowledged_at,
                     escalated_at=row.escalated_at)
