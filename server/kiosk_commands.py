"""Commands staff send to a running kiosk session from the dashboard (call in, clear a crisis).

The session runs on whichever process holds the kiosk's socket: a command for a session not
held here goes through the fanout to the process that holds it (one process: nowhere else).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any, Protocol

from server.fanout import Fanout, InMemoryFanout

log = logging.getLogger(__name__)
CALL_IN = "call_in"
CLEAR_CRISIS = "clear_crisis"


class SessionRegistry(Protocol):
    """Finds the kiosk session (connected, or waiting for a resume) running a session."""

    def get(self, session_id: uuid.UUID) -> Any: ...


class KioskCommands:
    """Dashboard-to-kiosk commands, by reflection-session id, on any process."""

    def __init__(self, registry: SessionRegistry, fanout: Fanout | None = None) -> None:
        self.registry = registry
        self.fanout: Fanout = fanout or InMemoryFanout()

    async def clear_crisis(self, session_id: uuid.UUID) -> bool:
        """Staff cleared the crisis screen; False when that session is not in crisis anywhere."""
        return await self._send(session_id, CLEAR_CRISIS)

    async def call_in(self, session_id: uuid.UUID) -> bool:
        """The therapist calls the client in; False when no kiosk runs the session."""
        return await self._send(session_id, CALL_IN)

    async def run_local(self, session_id: uuid.UUID, name: str) -> bool:
        """Run a command on a session this process holds (also what the fanout calls)."""
        kiosk_session = self.registry.get(session_id)
        if kiosk_session is None:
            return False
        if name == CALL_IN:
            await kiosk_session.call_in()
            return True
        if name == CLEAR_CRISIS:
            cleared: bool = await kiosk_session.clear_crisis()
            return cleared
        log.warning("unknown kiosk command %r", name)
        return False

    async def _send(self, session_id: uuid.UUID, name: str) -> bool:
        if self.registry.get(session_id) is not None:
            return await self.run_local(session_id, name)
        return await self.fanout.command(session_id, name)
