"""The append-only, hash-chained audit log. Rows never hold client text.

Each row's hash is sha256 over the canonical JSON of its fields, including its id and the
previous row's hash. Appends lock the single `audit_head` row (SELECT ... FOR UPDATE on
PostgreSQL; SQLite transactions already hold the write lock via BEGIN IMMEDIATE), so ids are
gap-free and the chain stays linear under concurrency. A gap, a changed field, or a moved row
breaks the chain at a row `verify_chain` names.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import AuditEntry, AuditHead
from models.types import utcnow

GENESIS_HASH = "0" * 64
HEAD_NAME = "audit"


class AuditAction(StrEnum):
    """Things the audit log records."""

    LOGIN_SUCCESS = "login.success"
    LOGIN_FAILURE = "login.failure"
    LOGIN_LOCKED = "login.locked"
    PASSWORD_CHANGED = "account.password_changed"
    ACCOUNT_CREATED = "account.created"
    ACCOUNT_UPDATED = "account.updated"
    TOTP_ENABLED = "account.totp_enabled"
    RECOVERY_CODES_ISSUED = "account.recovery_codes_issued"
    RECOVERY_CODE_USED = "account.recovery_code_used"
    KIOSK_ENROLLED = "kiosk.enrolled"
    KIOSK_AUTH_FAILURE = "kiosk.auth_failure"
    SESSION_CREATED = "session.created"
    SESSION_CODE_REDEEMED = "session.code_redeemed"
    SESSION_CODE_REJECTED = "session.code_rejected"
    SESSION_CANCELLED = "session.cancelled"
    TEXT_READ = "text.read"
    TEXT_EXPORTED = "text.exported"
    BREAK_GLASS = "text.break_glass"
    SESSION_ERASED = "text.erased"
    FEEDBACK_READ = "text.feedback_read"
    SESSIONS_PURGED = "text.purged"
    ALERT_ACKNOWLEDGED = "alert.acknowledged"
    CRISIS_CLEARED = "crisis.cleared"
    KEY_ROTATION_STARTED = "keys.rotation_started"
    KEY_ROTATION_FINISHED = "keys.rotation_finished"
    KEY_ADDED = "keys.added"
    REPORT_READ = "report.read"
    REVIEW_OPENED = "review.opened"
    REVIEW_EXPORTED = "review.exported"


@dataclass(frozen=True)
class ChainProblem:
    """One break in the audit chain, at a given row id."""

    row_id: int
    problem: str


def _canonical(entry: AuditEntry) -> bytes:
    fields = {
        "id": entry.id,
        "at": entry.at.isoformat(),
        "actor_id": str(entry.actor_id) if entry.actor_id else None,
        "actor_kind": entry.actor_kind,
        "action": entry.action,
        "session_id": str(entry.session_id) if entry.session_id else None,
        "detail": entry.detail,
        "prev_hash": entry.prev_hash,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def entry_hash(entry: AuditEntry) -> str:
    """The sha256 (hex) a row must carry."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def record(
    db: Session,
    *,
    action: AuditAction | str,
    actor_id: uuid.UUID | None = None,
    actor_kind: str = "user",
    session_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one row in the caller's transaction. `detail` must never contain client text."""
    head = db.execute(
        select(AuditHead)
        .where(AuditHead.name == HEAD_NAME)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    entry = AuditEntry(
        id=head.last_id + 1,
        at=(now or utcnow()).astimezone(UTC),
        actor_id=actor_id,
        actor_kind=actor_kind,
        action=str(action),
        session_id=session_id,
        detail=dict(detail or {}),
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = entry_hash(entry)
    head.last_id = entry.id
    head.last_hash = entry.hash
    db.add(entry)
    db.flush()
    return entry


def verify_chain(db: Session, *, batch: int = 1000) -> list[ChainProblem]:
    """Walk the whole log; an empty list means intact."""
    problems: list[ChainProblem] = []
    expected_id, expected_prev = 1, GENESIS_HASH
    last_id = 0
    while True:
        rows = db.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            break
        for row in rows:
            if row.id != expected_id:
                problems.append(ChainProblem(
                    row.id, f"rows {expected_id}..{row.id - 1} are missing (deleted)"))
            if row.prev_hash != expected_prev:
                problems.append(ChainProblem(
                    row.id, "previous-hash link broken: a row before it was deleted, "
                    "altered or reordered"))
            if entry_hash(row) != row.hash:
                problems.append(ChainProblem(row.id, "contents altered (hash mismatch)"))
            expected_id, expected_prev = row.id + 1, row.hash
            last_id = row.id
    head = db.get(AuditHead, HEAD_NAME)
    if head is not None and (head.last_id != last_id or head.last_hash != expected_prev):
        problems.append(ChainProblem(
            last_id + 1, f"log ends at row {last_id} but the chain head says {head.last_id}: "
            "rows at the end were deleted or altered"))
    return problems


def entries(
    db: Session,
    *,
    session_id: uuid.UUID | None = None,
    action: AuditAction | str | None = None,
    after_id: int = 0,
    limit: int = 200,
) -> list[AuditEntry]:
    """Audit rows in id order (callers check the viewer is an admin; see models.access)."""
    query = select(AuditEntry).where(AuditEntry.id > after_id)
    if session_id is not None:
        query = query.where(AuditEntry.session_id == session_id)
    if action is not None:
        query = query.where(AuditEntry.action == str(action))
    return list(db.scalars(query.order_by(AuditEntry.id).limit(limit)))
