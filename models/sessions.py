"""Reflection sessions: one-time codes, listing with therapist scoping, audited text reads."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import audit
from models.access import (
    Viewer,
    require_role,
    require_session_creator,
    require_session_visible,
    require_text_reader,
)
from models.alerts import crisis_sessions
from models.audit import AuditAction
from models.db import context_of
from models.errors import (
    AuthenticationError,
    CodeExpiredError,
    ConflictError,
    InvalidInputError,
    NotFoundError,
)
from models.tables import (
    BreakGlassAccess,
    Consent,
    Feedback,
    ReflectionSession,
    RiskAlert,
    Summary,
    Turn,
    User,
)
from models.types import Role, SessionStatus, utcnow
from models.views import (
    SessionText,
    SessionView,
    alert_view,
    consent_view,
    feedback_view,
    session_view,
    summary_view,
    turn_view,
)

CODE_DIGITS = 6
LABEL_MAX_CHARS = 80


def create_session(
    db: Session,
    *,
    therapist_id: uuid.UUID,
    created_by: Viewer,
    language: str = "en",
    ttl: timedelta = timedelta(minutes=30),
    now: datetime | None = None,
    label: str | None = None,
) -> tuple[ReflectionSession, str]:
    """New pending session for a therapist; returns it and its one-time code (shown once).

    `label` is the staff's note ("2pm appointment"), stored encrypted; blank means none."""
    require_session_creator(created_by, therapist_id)
    therapist = db.get(User, therapist_id)
    if therapist is None or therapist.role is not Role.THERAPIST or not therapist.active:
        raise NotFoundError("no such active therapist")
    if not 0 < len(language) <= 16:
        raise InvalidInputError("language must be a short code such as 'en' or 'es'")
    label = (label or "").strip() or None
    if label is not None and len(label) > LABEL_MAX_CHARS:
        raise InvalidInputError(f"the label must be at most {LABEL_MAX_CHARS} characters")
    now = now or utcnow()
    cipher = context_of(db).cipher
    for _ in range(50):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        mac = cipher.code_mac(code)
        clash = db.scalars(select(ReflectionSession.id).where(
            ReflectionSession.code_hash == mac, ReflectionSession.code_expires_at > now)).first()
        if clash is None:
            break
    else:
        raise ConflictError("could not find a free session code; try again")
    session_id = uuid.uuid4()
    label_enc = None if label is None else cipher.encrypt_text(
        label, table="reflection_sessions", column="label", row_id=session_id)
    row = ReflectionSession(
        id=session_id, therapist_id=therapist_id, created_by=created_by.id, code_hash=mac,
        code_expires_at=now + ttl, status=SessionStatus.PENDING, language=language,
        created_at=now, label_enc=label_enc,
        code_enc=cipher.encrypt_text(code, table="reflection_sessions", column="code",
                                     row_id=session_id),
    )
    db.add(row)
    db.flush()
    audit.record(db, action=AuditAction.SESSION_CREATED, actor_id=created_by.id, session_id=row.id,
                 detail={"therapist_id": str(therapist_id)}, now=now)
    return row, code


def redeem_code(
    db: Session, *, code: str, kiosk_id: uuid.UUID, now: datetime | None = None
) -> ReflectionSession:
    """Start the pending session this code belongs to, once; AuthenticationError otherwise.

    The rejection is audited in the caller's transaction: commit before mapping the error.
    """
    now = now or utcnow()
    code = code.strip()
    mac = context_of(db).cipher.code_mac(code) if code.isdigit() else None
    row = None if mac is None else db.scalars(select(ReflectionSession).where(
        ReflectionSession.code_hash == mac,
        ReflectionSession.status == SessionStatus.PENDING,
        ReflectionSession.code_used_at.is_(None),
        ReflectionSession.code_expires_at > now,
    )).first()
    claimed = row is not None and db.execute(
        update(ReflectionSession)
        .where(ReflectionSession.id == row.id, ReflectionSession.code_used_at.is_(None))
        .values(code_used_at=now, code_hash=None, code_enc=None, kiosk_id=kiosk_id,
                status=SessionStatus.ACTIVE, started_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount == 1  # type: ignore[attr-defined]
    if row is None or not claimed:
        audit.record(db, action=AuditAction.SESSION_CODE_REJECTED, actor_id=kiosk_id,
                     actor_kind="kiosk", now=now)
        if mac is not None and _expired_code(db, mac, now):
            # Telling the client lets them ask for a new code instead of retyping this one.
            raise CodeExpiredError("that code has expired")
        raise AuthenticationError("that code is unknown, used or expired", code="bad_code")
    db.refresh(row)
    audit.record(db, action=AuditAction.SESSION_CODE_REDEEMED, actor_id=kiosk_id,
                 actor_kind="kiosk", session_id=row.id, now=now)
    return row


def _expired_code(db: Session, mac: str, now: datetime) -> bool:
    """Whether `mac` is an unused pending code whose time ran out."""
    return db.scalars(select(ReflectionSession.id).where(
        ReflectionSession.code_hash == mac,
        ReflectionSession.status == SessionStatus.PENDING,
        ReflectionSession.code_expires_at <= now,
    )).first() is not None


def get_session(db: Session, *, session_id: uuid.UUID) -> ReflectionSession:
    """The session row (no viewer check: for the kiosk side that already holds the session)."""
    row = db.get(ReflectionSession, session_id)
    if row is None:
        raise NotFoundError("no such session")
    return row


def end_session(db: Session, *, session_id: uuid.UUID, now: datetime | None = None) -> None:
    """Mark an active session ended (kiosk finished or therapist called the client in)."""
    row = get_session(db, session_id=session_id)
    if row.status in (SessionStatus.PENDING, SessionStatus.ACTIVE):
        row.status = SessionStatus.ENDED
        row.ended_at = now or utcnow()


def set_language(db: Session, *, session_id: uuid.UUID, language: str) -> None:
    """The language the session's conversation actually runs in (the kiosk may switch)."""
    if not 0 < len(language) <= 16:
        raise InvalidInputError("language must be a short code such as 'en' or 'es'")
    get_session(db, session_id=session_id).language = language


def view_session(db: Session, *, viewer: Viewer, session_id: uuid.UUID) -> SessionView:
    """Metadata of one session the viewer may see."""
    row = get_session(db, session_id=session_id)
    require_session_visible(viewer, row)
    return _views(db, [row])[0]


def list_sessions(
    db: Session,
    *,
    viewer: Viewer,
    therapist_id: uuid.UUID | None = None,
    since: datetime | None = None,
    limit: int = 200,
) -> list[SessionView]:
    """Newest first. A therapist gets only their own; admin/front desk may filter by therapist."""
    query = select(ReflectionSession)
    if viewer.role is Role.THERAPIST:
        if therapist_id not in (None, viewer.id):
            require_session_creator(viewer, therapist_id)  # raises for other therapists
        query = query.where(ReflectionSession.therapist_id == viewer.id)
    elif therapist_id is not None:
        query = query.where(ReflectionSession.therapist_id == therapist_id)
    if since is not None:
        query = query.where(ReflectionSession.created_at >= since)
    rows = list(db.scalars(query.order_by(ReflectionSession.created_at.desc()).limit(limit)))
    return _views(db, rows)


def get_session_text(
    db: Session, *, viewer: Viewer, session_id: uuid.UUID, purpose: str = "read"
) -> SessionText:
    """Decrypted content for the session's own therapist; audited (`purpose` read or export)."""
    row = get_session(db, session_id=session_id)
    require_text_reader(viewer, row)
    action = AuditAction.TEXT_EXPORTED if purpose == "export" else AuditAction.TEXT_READ
    audit.record(db, action=action, actor_id=viewer.id, session_id=row.id)
    return _load_text(db, row)


def break_glass_read(
    db: Session, *, viewer: Viewer, session_id: uuid.UUID, reason: str,
    now: datetime | None = None,
) -> SessionText:
    """Emergency access: an admin reads any session with a stated reason; loudly audited and
    recorded so the therapist sees it with the session."""
    require_role(viewer, Role.ADMIN)
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidInputError("emergency access needs a stated reason", code="reason_required")
    row = get_session(db, session_id=session_id)
    now = now or utcnow()
    access_id = uuid.uuid4()
    # The reason may name the client: encrypted like client text, and kept out of the audit log.
    reason_enc = context_of(db).cipher.encrypt_text(
        reason[:2000], table="break_glass_accesses", column="reason", row_id=access_id)
    db.add(BreakGlassAccess(id=access_id, session_id=row.id, admin_id=viewer.id,
                            reason="", reason_enc=reason_enc, at=now))
    audit.record(db, action=AuditAction.BREAK_GLASS, actor_id=viewer.id, session_id=row.id,
                 detail={"access_id": str(access_id), "therapist_id": str(row.therapist_id)},
                 now=now)
    db.flush()
    return _load_text(db, row)


def _load_text(db: Session, row: ReflectionSession) -> SessionText:
    cipher = context_of(db).cipher

    consents = db.scalars(select(Consent).where(Consent.session_id == row.id)
                          .order_by(Consent.at)).all()
    turns = db.scalars(select(Turn).where(Turn.session_id == row.id).order_by(Turn.position)).all()
    summaries = db.scalars(select(Summary).where(Summary.session_id == row.id)
                           .order_by(Summary.version)).all()
    alerts = db.scalars(select(RiskAlert).where(RiskAlert.session_id == row.id)
                        .order_by(RiskAlert.raised_at)).all()
    feedback = db.scalars(select(Feedback).where(Feedback.session_id == row.id)
                          .order_by(Feedback.created_at)).all()
    return SessionText(
        session=_views(db, [row])[0],
        consents=tuple(consent_view(c) for c in consents),
        turns=tuple(turn_view(t, cipher) for t in turns),
        summaries=tuple(summary_view(s, cipher) for s in summaries),
        alerts=tuple(alert_view(a, cipher) for a in alerts),
        feedback=tuple(feedback_view(f, cipher) for f in feedback),
    )


def _views(db: Session, rows: list[ReflectionSession]) -> list[SessionView]:
    """Metadata views with break-glass records and the crisis marker."""
    accesses = _accesses(db, [r.id for r in rows])
    crisis = crisis_sessions(db, [r.id for r in rows])
    cipher = context_of(db).cipher
    return [session_view(r, accesses.get(r.id, []), cipher, crisis=r.id in crisis) for r in rows]


def _accesses(db: Session, ids: list[uuid.UUID]) -> dict[uuid.UUID, list[BreakGlassAccess]]:
    if not ids:
        return {}
    found: dict[uuid.UUID, list[BreakGlassAccess]] = {}
    for access in db.scalars(select(BreakGlassAccess).where(BreakGlassAccess.session_id.in_(ids))
                             .order_by(BreakGlassAccess.at)):
        found.setdefault(access.session_id, []).append(access)
    return found

