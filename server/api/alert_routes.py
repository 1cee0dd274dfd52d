"""Risk alerts: list and acknowledge (a human must acknowledge every urgent alert)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter

from models import accounts, content
from models.db import context_of
from models.views import alert_view
from server.api.schemas import Acknowledged, AcknowledgeRequest, AlertList
from server.api.session_routes import ERRORS, alert_out
from server.deps import ActorDep, DbDep, ServicesDep
from server.events import TherapistEventKind

router = APIRouter(prefix="/api/alerts", tags=["alerts"])


@router.get("", responses=ERRORS)
def list_alerts(actor: ActorDep, db: DbDep, open: bool = True) -> AlertList:
    """A therapist's own alerts (audit-logged read); admins see all without evidence."""
    return AlertList(
        alerts=[alert_out(a) for a in content.list_alerts(db, viewer=actor, open_only=open)]
    )


@router.post("/{alert_id}/acknowledge", responses=ERRORS)
async def acknowledge(
    alert_id: uuid.UUID,
    actor: ActorDep,
    services: ServicesDep,
    body: AcknowledgeRequest | None = None,
) -> Acknowledged:
    """Acknowledge an alert (who, when, optional note); the therapist and staff screens are told.

    Front desk may acknowledge once the alert was escalated to them.
    """
    note = body.note if body else None

    def work() -> tuple[Any, ...]:
        with services.database.transaction() as db:
            row = content.acknowledge_alert(db, viewer=actor, alert_id=alert_id, note=note)
            by_name = accounts.get_user(db, user_id=actor.id).display_name
            stored_note = alert_view(row, context_of(db).cipher).ack_note
            return (row.therapist_id, row.session_id, row.acknowledged_at, row.acknowledged_by,
                    by_name, stored_note)

    therapist_id, session_id, at, by, by_name, stored_note = await asyncio.to_thread(work)
    data = {"alert_id": str(alert_id), "by": str(by), "by_name": by_name, "at": at.isoformat(),
            "has_note": stored_note is not None}
    await services.hub.publish(
        therapist_id, TherapistEventKind.ALERT_ACKNOWLEDGED, session_id=session_id, data=data
    )
    services.hub.broadcast_staff(
        TherapistEventKind.ALERT_ACKNOWLEDGED, session_id=session_id, data=data
    )
    return Acknowledged(alert_id=alert_id, acknowledged_at=at, by=by, note=stored_note)
