"""Alert escalation and the crisis marker: what happens when nobody acknowledges in time."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models.tables import Kiosk, ReflectionSession, RiskAlert
from models.types import utcnow

MAX_TRIGGER_CHARS = 60


def trigger_words(evidence: Any) -> list[str]:
    """Only the matched words of an alert's evidence, never the surrounding turn."""
    words: list[str] = []
    for item in evidence if isinstance(evidence, Sequence) else ():
        text = item.get("text") if isinstance(item, dict) else None
        if isinstance(text, str) and text.strip():
            word = " ".join(text.split())[:MAX_TRIGGER_CHARS]
            if word not in words:
                words.append(word)
    return words


@dataclass(frozen=True)
class Escalation:
    """An urgent alert that front desk and admins are now told about (no client text)."""

    alert_id: uuid.UUID
    session_id: uuid.UUID
    therapist_id: uuid.UUID
    level: int
    kiosk_name: str | None
    raised_at: datetime
    escalated_at: datetime
    # "unacknowledged": nobody acknowledged in time; "unseen": no therapist screen got it.
    reason: str = "unacknowledged"

    def payload(self) -> dict[str, Any]:
        """The event data staff screens get."""
        return {
            "alert_id": str(self.alert_id), "urgent": True, "level": self.level,
            "kiosk_name": self.kiosk_name, "raised_at": self.raised_at.isoformat(),
            "escalated_at": self.escalated_at.isoformat(), "reason": self.reason,
        }


def kiosk_name_of(db: Session, session_id: uuid.UUID) -> str | None:
    """The name (room) of the kiosk a session ran on, if any."""
    return db.scalar(
        select(Kiosk.name).join(ReflectionSession, ReflectionSession.kiosk_id == Kiosk.id)
        .where(ReflectionSession.id == session_id)
    )


def _escalation(db: Session, row: RiskAlert, reason: str = "unacknowledged") -> Escalation:
    return Escalation(row.id, row.session_id, row.therapist_id, row.level,
                      kiosk_name_of(db, row.session_id), row.raised_at,
                      row.escalated_at or row.raised_at, reason)


def escalate_due(
    db: Session, *, after: timedelta, now: datetime | None = None
) -> list[Escalation]:
    """Mark urgent alerts unacknowledged for `after` as escalated; returns the newly marked."""
    now = now or utcnow()
    rows = list(db.scalars(
        select(RiskAlert).where(
            RiskAlert.urgent.is_(True), RiskAlert.acknowledged_at.is_(None),
            RiskAlert.escalated_at.is_(None), RiskAlert.raised_at <= now - after,
        ).order_by(RiskAlert.raised_at)
        # Several server processes check at once: each due alert is marked (and announced) by
        # one of them (PostgreSQL row locks; SQLite transactions are serial anyway).
        .with_for_update(skip_locked=True)
    ))
    for row in rows:
        row.escalated_at = now
    return [_escalation(db, row) for row in rows]


def escalate_now(
    db: Session, *, alert_id: uuid.UUID, now: datetime | None = None
) -> Escalation | None:
    """Escalate one urgent alert at once (it reached no therapist screen); None if not due."""
    # Locked and re-read: another process may be escalating it this moment.
    row = db.get(RiskAlert, alert_id, with_for_update=True, populate_existing=True)
    if row is None or not row.urgent or row.acknowledged_at or row.escalated_at:
        return None
    row.escalated_at = now or utcnow()
    return _escalation(db, row, "unseen")


def open_escalations(db: Session) -> list[Escalation]:
    """Escalated alerts still waiting for a human (shown to staff screens as they connect)."""
    rows = db.scalars(
        select(RiskAlert).where(
            RiskAlert.escalated_at.is_not(None), RiskAlert.acknowledged_at.is_(None)
        ).order_by(RiskAlert.raised_at)
    )
    return [_escalation(db, row) for row in rows]


def crisis_sessions(db: Session, session_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these sessions had an urgent alert (the crisis marker in lists and history)."""
    ids = list(session_ids)
    if not ids:
        return set()
    return set(db.scalars(
        select(RiskAlert.session_id).where(
            RiskAlert.session_id.in_(ids), RiskAlert.urgent.is_(True)
        ).distinct()
    ))
