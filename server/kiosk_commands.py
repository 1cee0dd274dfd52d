"""Commands staff send to a running kiosk session from the dashboard (clear a crisis)."""

from __future__ import annotations

import uuid
from typing import Any, Protocol


class SessionRegistry(Protocol):
    """Finds the kiosk session (connected, or waiting for a resume) running a session."""

    def get(self, session_id: uuid.UUID) -> Any: ...


class KioskCommands:
    """Dashboard-to-kiosk commands, by reflection-session id."""

    def __init__(self, registry: SessionRegistry) -> None:
        self.registry = registry

    async def clear_crisis(self, session_id: uuid.UUID) -> bool:
        """Staff cleared the crisis screen; False when that session is not in crisis here."""
        kiosk_session = self.registry.get(session_id)
        if kiosk_session is None:
            return False
        cleared: bool = await kiosk_session.clear_crisis()
        return cleared
