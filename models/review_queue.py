"""The review queue: replies clients flagged or the filter blocked, opened by an admin with a
stated reason (break-glass style: encrypted reason, audited, shown to each session's
therapist), and exported name-scrubbed for the clinic's own first-contact sets."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from models import audit
from models.access import Viewer, require_role
from models.audit import AuditAction
from models.db import context_of
from models.errors import InvalidInputError
from models.scrub import scrub
from models.tables import BreakGlassAccess, Kiosk, ReflectionSession, Turn
from models.types import Role, SessionStatus, Speaker, utcnow

MAX_ITEMS = 500


@dataclass(frozen=True)
class ReviewItem:
    """One reply to review, with the client words it answered."""

    session_id: str
    language: str
    kiosk: str
    position: int
    client_text: str
    reply_text: str
    flagged: bool
    filter_reasons: tuple[str, ...]
    at: str


def audit_report_read(db: Session, *, actor_id: uuid.UUID | None, actor_kind: str = "user"
                      ) -> None:
    """The evaluation report was read (it holds no text, but who looks is still recorded)."""
    audit.record(db, action=AuditAction.REPORT_READ, actor_id=actor_id, actor_kind=actor_kind)


def open_queue(db: Session, *, viewer: Viewer, reason: str, since: datetime,
               export: bool = False, now: datetime | None = None) -> list[ReviewItem]:
    """Flagged or blocked replies since `since`, decrypted; `export` scrubs names and numbers.

    Every session whose text is shown gets a break-glass record its therapist sees."""
    require_role(viewer, Role.ADMIN)
    reason = reason.strip()
    if len(reason) < 5:
        raise InvalidInputError("opening the review queue needs a stated reason",
                                code="reason_required")
    now = now or utcnow()
    cipher = context_of(db).cipher
    kiosks = {k.id: k.name for k in db.scalars(select(Kiosk))}
    replies = list(db.scalars(
        select(Turn).join(ReflectionSession, ReflectionSession.id == Turn.session_id)
        .where(Turn.speaker == Speaker.REFLECTOR, Turn.created_at >= since,
               ReflectionSession.status != SessionStatus.ERASED,
               or_(Turn.flagged_at.is_not(None), Turn.filter_reasons.is_not(None)))
        .order_by(Turn.created_at.desc()).limit(MAX_ITEMS)))
    items: list[ReviewItem] = []
    sessions: dict[uuid.UUID, ReflectionSession] = {}
    for reply in replies:
        if not (reply.flagged_at or reply.filter_reasons):  # JSON null stored as 'null'
            continue
        session = sessions.get(reply.session_id) or db.get(ReflectionSession, reply.session_id)
        assert session is not None
        sessions[session.id] = session
        client = db.scalars(select(Turn).where(
            Turn.session_id == reply.session_id, Turn.position < reply.position,
            Turn.speaker == Speaker.CLIENT).order_by(Turn.position.desc())).first()
        client_text = "" if client is None else cipher.decrypt_text(
            client.text_enc, table="turns", column="text", row_id=client.id)
        reply_text = cipher.decrypt_text(reply.text_enc, table="turns", column="text",
                                         row_id=reply.id)
        if export:
            client_text, reply_text = scrub(client_text), scrub(reply_text)
        items.append(ReviewItem(
            session_id="" if export else str(session.id), language=session.language,
            kiosk=kiosks.get(session.kiosk_id, "") if session.kiosk_id else "",
            position=reply.position, client_text=client_text, reply_text=reply_text,
            flagged=reply.flagged_at is not None,
            filter_reasons=tuple(reply.filter_reasons or ()), at=reply.created_at.isoformat()))
    action = AuditAction.REVIEW_EXPORTED if export else AuditAction.REVIEW_OPENED
    for session in sessions.values():
        access_id = uuid.uuid4()
        db.add(BreakGlassAccess(
            id=access_id, session_id=session.id, admin_id=viewer.id, reason="", at=now,
            reason_enc=cipher.encrypt_text(f"review queue: {reason[:1900]}",
                                           table="break_glass_accesses", column="reason",
                                           row_id=access_id)))
        audit.record(db, action=action, actor_id=viewer.id, session_id=session.id, now=now,
                     detail={"access_id": str(access_id),
                             "therapist_id": str(session.therapist_id)})
    if not sessions:
        audit.record(db, action=action, actor_id=viewer.id, now=now, detail={"items": 0})
    db.flush()
    return items


def item_dict(item: ReviewItem) -> dict[str, Any]:
    """JSON-ready form of an item."""
    return asdict(item)
