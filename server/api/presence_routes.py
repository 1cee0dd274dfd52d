"""`GET /api/kiosks/presence`: which enrolled kiosks are online right now (no client data)."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from server.api.session_routes import ERRORS
from server.deps import AdminDep, ServicesDep
from server.kiosk_presence import online_kiosks

router = APIRouter(prefix="/api", tags=["admin"])


class KioskPresence(BaseModel):
    """One online kiosk; kiosks not listed are offline."""

    kiosk_id: str
    in_session: bool


class PresenceList(BaseModel):
    """The kiosks connected to any server process now."""

    online: list[KioskPresence]


@router.get("/kiosks/presence", responses=ERRORS)
async def kiosk_presence(admin: AdminDep, services: ServicesDep) -> PresenceList:
    """Kiosks with an open connection (on any process); the rest are offline."""
    found = await online_kiosks(services.fanout)
    return PresenceList(online=[KioskPresence(kiosk_id=k.kiosk_id, in_session=k.in_session)
                                for k in sorted(found.values(), key=lambda k: k.kiosk_id)])
