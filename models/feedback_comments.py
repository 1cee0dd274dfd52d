"""The admin's read of the clients' feedback comments about the kiosk: audited like any read
of client text (the count and ids are logged, never the words)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import audit
from models.access import Viewer, require_role
from models.audit import AuditAction
from models.db import context_of
from models.tables import Feedback
from models.types import Role
from models.views import feedback_view


@dataclass(frozen=True)
class FeedbackComment:
    """One client's comment on the kiosk, with its rating."""

    session_id: uuid.UUID
    rating: int | None
    comment: str
    at: datetime


def read_comments(db: Session, *, viewer: Viewer, limit: int = 200) -> list[FeedbackComment]:
    """Newest first; admins only; the read is in the audit log (which sessions, not the words).

    Erased sessions have no feedback left (the erase deletes it), and feedback exists only
    after the client consented.
    """
    require_role(viewer, Role.ADMIN)
    rows = list(db.scalars(
        select(Feedback).where(Feedback.comment_enc.is_not(None))
        .order_by(Feedback.created_at.desc()).limit(limit)
    ))
    cipher = context_of(db).cipher
    comments = []
    for row in rows:
        view = feedback_view(row, cipher)
        if view.comment:
            comments.append(FeedbackComment(row.session_id, view.rating, view.comment,
                                            view.created_at))
    audit.record(db, action=AuditAction.FEEDBACK_READ, actor_id=viewer.id,
                 detail={"comments": len(comments),
                         "sessions": sorted({str(c.session_id) for c in comments})})
    return comments
