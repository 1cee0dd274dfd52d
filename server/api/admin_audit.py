"""The audit log for admins: browse it newest first, verify its hash chain."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import accounts, audit, kiosks
from models.tables import AuditEntry
from server.api.account_schemas import (
    AuditEntryOut,
    AuditPage,
    AuditVerification,
    ChainProblemOut,
)
from server.deps import AdminDep, DbDep

router = APIRouter(prefix="/api/admin/audit", tags=["admin"])
ERRORS: dict[int | str, dict[str, object]] = {401: {}, 403: {}, 422: {}}
# SQLite and PostgreSQL integers stop at 2**63 - 1; larger ids cannot exist.
MAX_ID = 2**62


def audit_page(
    db: Session,
    *,
    before_id: int | None,
    limit: int,
    action: str | None = None,
    session_id: uuid.UUID | None = None,
) -> list[AuditEntry]:
    """Rows newest first, strictly older than `before_id` (`models.audit.entries` reads forward)."""
    query = select(AuditEntry)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if session_id is not None:
        query = query.where(AuditEntry.session_id == session_id)
    return list(db.scalars(query.order_by(AuditEntry.id.desc()).limit(limit)))


@router.get("", responses=ERRORS)
def list_audit(
    admin: AdminDep,
    db: DbDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    before_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    session_id: uuid.UUID | None = None,
) -> AuditPage:
    """Audit rows, newest first, optionally one action (e.g. text.break_glass) or one session."""
    rows = audit_page(db, before_id=before_id, limit=limit, action=action, session_id=session_id)
    names = {u.id: u.username for u in accounts.list_users(db)}
    names.update({k.id: k.name for k in kiosks.list_kiosks(db)})
    return AuditPage(
        entries=[
            AuditEntryOut(
                id=r.id,
                at=r.at,
                actor_id=r.actor_id,
                actor_kind=r.actor_kind,
                actor_name=names.get(r.actor_id) if r.actor_id else None,
                action=r.action,
                session_id=r.session_id,
                detail=dict(r.detail or {}),
            )
            for r in rows
        ],
        next_before_id=rows[-1].id if len(rows) == limit else None,
    )


@router.get("/verify", responses=ERRORS)
def verify_audit(admin: AdminDep, db: DbDep) -> AuditVerification:
    """Walk the whole chain: a tampered, deleted or reordered row is named by its id."""
    problems = audit.verify_chain(db)
    count = db.scalar(select(func.count()).select_from(AuditEntry)) or 0
    return AuditVerification(
        ok=not problems,
        entries=count,
        problems=[ChainProblemOut(row_id=p.row_id, problem=p.problem) for p in problems],
    )
