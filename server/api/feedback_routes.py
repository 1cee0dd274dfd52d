"""The admin's view of the clients' feedback comments (an audited read of client text)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from models.feedback_comments import read_comments
from server.deps import AdminDep, DbDep

router = APIRouter(prefix="/api/admin", tags=["admin"])
ERRORS: dict[int | str, dict[str, Any]] = {401: {}, 403: {}}


class CommentOut(BaseModel):
    """One feedback comment."""

    session_id: uuid.UUID
    rating: int | None
    comment: str
    at: datetime


class CommentList(BaseModel):
    """Newest first."""

    comments: list[CommentOut]


@router.get("/feedback/comments", responses=ERRORS)
def feedback_comments(
    admin: AdminDep, db: DbDep, limit: Annotated[int, Query(ge=1, le=500)] = 200
) -> CommentList:
    """What clients wrote about the kiosk (the read is audit-logged)."""
    return CommentList(comments=[
        CommentOut(session_id=c.session_id, rating=c.rating, comment=c.comment, at=c.at)
        for c in read_comments(db, viewer=admin, limit=limit)
    ])
