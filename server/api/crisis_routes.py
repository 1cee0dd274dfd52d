"""Clearing a kiosk's crisis screen from the dashboard (staff walked over; audited)."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import APIRouter

from models import audit, sessions
from models.audit import AuditAction
from models.views import SessionView
from server.api.schemas import CrisisCleared
from server.api.session_routes import ERRORS
from server.deps import ActorDep, ServicesDep

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


@router.post("/{session_id}/clear-crisis", responses=ERRORS)
async def clear_crisis(
    session_id: uuid.UUID, actor: ActorDep, services: ServicesDep
) -> CrisisCleared:
    """End the crisis hold at the kiosk: the session's therapist, front desk or an admin."""

    def check() -> SessionView:
        with services.database.transaction() as db:
            # Therapists see only their own sessions; front desk and admins see all.
            return sessions.view_session(db, viewer=actor, session_id=session_id)

    await asyncio.to_thread(check)
    delivered = await services.kiosk_commands.clear_crisis(session_id)

    def record() -> None:
        with services.database.transaction() as db:
            audit.record(db, action=AuditAction.CRISIS_CLEARED, actor_id=actor.id,
                         session_id=session_id,
                         detail={"role": actor.role.value, "delivered": delivered})

    await asyncio.to_thread(record)
    return CrisisCleared(delivered=delivered)
