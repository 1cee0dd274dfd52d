"""The one status a session shows everywhere (list, session page, live events) and the actions
that apply to it, derived from the stored session and its alerts - never guessed by a page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.orm import Session

from models.alerts import crisis_sessions
from models.tables import ReflectionSession
from models.types import SessionStatus, utcnow
from models.views import SessionView


class ShownStatus(StrEnum):
    """What staff see a session as."""

    PENDING = "pending"  # code issued, not used yet
    EXPIRED = "expired"  # code never used and its time ran out
    CANCELLED = "cancelled"  # staff cancelled it before the code was used
    ACTIVE = "active"  # a kiosk runs it
    CRISIS = "crisis"  # a kiosk runs it and an urgent alert was raised
    ENDED = "ended"
    ERASED = "erased"  # the client erased it: nothing but the fact remains


class Action(StrEnum):
    """What staff may do to a session, offered only when it applies."""

    CALL_IN = "call_in"
    CLEAR_CRISIS = "clear_crisis"
    CANCEL = "cancel"
    SHOW_CODE = "show_code"


_ACTIONS: dict[ShownStatus, tuple[Action, ...]] = {
    ShownStatus.PENDING: (Action.SHOW_CODE, Action.CANCEL),
    ShownStatus.ACTIVE: (Action.CALL_IN,),
    ShownStatus.CRISIS: (Action.CALL_IN, Action.CLEAR_CRISIS),
}


@dataclass(frozen=True)
class StatusFacts:
    """The stored facts a session's shown status follows from."""

    status: SessionStatus
    started_at: datetime | None
    code_expires_at: datetime
    crisis: bool


def shown_status(facts: StatusFacts, *, now: datetime | None = None) -> ShownStatus:
    """Pure: the status to show for these facts."""
    if facts.status is SessionStatus.ERASED:
        return ShownStatus.ERASED
    if facts.status is SessionStatus.ENDED:
        return ShownStatus.ENDED if facts.started_at is not None else ShownStatus.CANCELLED
    if facts.status is SessionStatus.ACTIVE:
        return ShownStatus.CRISIS if facts.crisis else ShownStatus.ACTIVE
    expires = facts.code_expires_at
    current = now or utcnow()
    if expires.tzinfo is None:  # SQLite hands back naive UTC
        current = current.replace(tzinfo=None)
    return ShownStatus.EXPIRED if expires <= current else ShownStatus.PENDING


def view_status(view: SessionView) -> ShownStatus:
    """The shown status of a session view (REST and exports)."""
    return shown_status(StatusFacts(view.status, view.started_at, view.code_expires_at,
                                    view.crisis))


def actions_for(status: ShownStatus) -> list[str]:
    """The actions that apply to a session in this status."""
    return [a.value for a in _ACTIONS.get(status, ())]


def status_payload(db: Session, *, session_id: uuid.UUID) -> dict[str, object]:
    """The `session_status` event's data for one session (no client text)."""
    row = db.get(ReflectionSession, session_id)
    if row is None:
        return {}
    facts = StatusFacts(row.status, row.started_at, row.code_expires_at,
                        session_id in crisis_sessions(db, [session_id]))
    status = shown_status(facts)
    return {"status": status.value, "actions": actions_for(status), "language": row.language,
            "crisis": facts.crisis}
