"""Who the front desk can create a session for: the active therapists."""

from __future__ import annotations

from fastapi import APIRouter

from models import accounts
from models.types import Role
from server.api.schemas import TherapistList, TherapistOut
from server.deps import ActorDep, DbDep
from server.errors import ForbiddenError

router = APIRouter(prefix="/api/therapists", tags=["sessions"])
ERRORS: dict[int | str, dict[str, object]] = {401: {}, 403: {}}


@router.get("", responses=ERRORS)
def list_therapists(actor: ActorDep, db: DbDep) -> TherapistList:
    """Front desk and admins pick the therapist a new session is for (no client data here)."""
    if actor.role not in (Role.FRONT_DESK, Role.ADMIN):
        raise ForbiddenError("only the front desk and admins create sessions for others")
    therapists = [
        TherapistOut(id=user.id, display_name=user.display_name or user.username)
        for user in accounts.list_users(db)
        if user.role is Role.THERAPIST and user.active
    ]
    therapists.sort(key=lambda t: t.display_name.casefold())
    return TherapistList(therapists=therapists)
