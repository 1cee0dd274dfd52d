"""Per-therapist event outbox: a gap-free `seq` the live stream resumes from; payloads encrypted.

`seq` comes from the therapist's `event_counters` row, bumped with an atomic UPDATE ... RETURNING
(which row-locks it on PostgreSQL; SQLite transactions already hold the write lock), so
concurrent appends never share or skip a number.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import audit
from models.audit import AuditAction
from models.db import context_of
from models.tables import EventCounter, OutboxEvent
from models.types import utcnow


@dataclass(frozen=True)
class StoredEvent:
    """A decrypted outbox event; `payload` is None once the session's text was erased."""

    seq: int
    therapist_id: uuid.UUID
    session_id: uuid.UUID | None
    type: str
    payload: dict[str, Any] | None
    created_at: datetime


def _next_seq(db: Session, therapist_id: uuid.UUID) -> int:
    bump = (update(EventCounter).where(EventCounter.therapist_id == therapist_id)
            .values(last_seq=EventCounter.last_seq + 1).returning(EventCounter.last_seq))
    for _ in range(3):
        seq = db.execute(bump).scalar_one_or_none()
        if seq is not None:
            return int(seq)
        try:
            with db.begin_nested():  # a concurrent first append may insert the row too
                db.execute(insert(EventCounter).values(therapist_id=therapist_id, last_seq=1))
            return 1
        except IntegrityError:
            continue
    raise RuntimeError("could not allocate an outbox sequence number")


def append_event(
    db: Session,
    *,
    therapist_id: uuid.UUID,
    session_id: uuid.UUID | None,
    type: str,
    payload: dict[str, Any],
    now: datetime | None = None,
) -> int:
    """Append an event for a therapist's stream in the caller's transaction; returns its seq."""
    seq = _next_seq(db, therapist_id)
    row_id = uuid.uuid4()
    db.add(OutboxEvent(
        id=row_id, therapist_id=therapist_id, seq=seq, session_id=session_id, type=type,
        created_at=now or utcnow(),
        payload_enc=context_of(db).cipher.encrypt_json(
            payload, table="event_outbox", column="payload", row_id=row_id),
    ))
    db.flush()
    return seq


def last_seq(db: Session, *, therapist_id: uuid.UUID) -> int:
    """The newest seq handed out for this therapist (0 if none)."""
    counter = db.get(EventCounter, therapist_id, populate_existing=True)
    return 0 if counter is None else counter.last_seq


def events_after(
    db: Session, *, therapist_id: uuid.UUID, last_seq: int, limit: int = 500,
    audit_read: bool = True,
) -> list[StoredEvent]:
    """Events with seq > last_seq, oldest first, decrypted.

    A non-empty result is audited as a read of client text by the therapist; a live stream
    that audits once when it opens may pass `audit_read=False` for each later fetch.
    """
    rows = list(db.scalars(
        select(OutboxEvent)
        .where(OutboxEvent.therapist_id == therapist_id, OutboxEvent.seq > last_seq)
        .order_by(OutboxEvent.seq).limit(limit)
    ))
    cipher = context_of(db).cipher
    events = [
        StoredEvent(
            seq=r.seq, therapist_id=r.therapist_id, session_id=r.session_id, type=r.type,
            created_at=r.created_at,
            payload=None if r.payload_enc is None else cipher.decrypt_json(
                r.payload_enc, table="event_outbox", column="payload", row_id=r.id),
        )
        for r in rows
    ]
    if events and audit_read:
        audit.record(db, action=AuditAction.TEXT_READ, actor_id=therapist_id,
                     detail={"outbox_from": events[0].seq, "outbox_to": events[-1].seq})
    return events


def supersede(db: Session, *, session_id: uuid.UUID, type: str) -> int:
    """Replace the payloads of a session's earlier events of `type` (e.g. drafts once the client
    approved, so items the client removed are gone from the stream too); returns how many."""
    cipher = context_of(db).cipher
    rows = list(db.scalars(select(OutboxEvent).where(
        OutboxEvent.session_id == session_id, OutboxEvent.type == type,
        OutboxEvent.payload_enc.is_not(None))))
    for row in rows:
        row.payload_enc = cipher.encrypt_json(
            {"superseded": True}, table="event_outbox", column="payload", row_id=row.id)
    return len(rows)
