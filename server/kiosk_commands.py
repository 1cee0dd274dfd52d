"""Commands staff send to a running kiosk session from the dashboard (clear a crisis).

A minimal version written for the oversight work; the session-flow owner may take it over.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol

from server.events import EndReason


class SessionRegistry(Protocol):
    """Finds the live kiosk session running a reflection session."""

    def get(self, session_id: uuid.UUID) -> Any: ...


class KioskCommands:
    """Dashboard-to-kiosk commands, by reflection-session id."""

    def __init__(self, registry: SessionRegistry) -> None:
        self.registry = registry

    async def clear_crisis(self, session_id: uuid.UUID) -> bool:
        """Staff cleared the crisis screen: end the live kiosk session; False if none is there."""
        kiosk_session = self.registry.get(session_id)
        if kiosk_session is None:
            return False
        await kiosk_session.end(EndReason.STAFF_CLEARED)
        return True
