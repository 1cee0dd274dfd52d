"""Kiosk sessions whose socket dropped, kept for the resume window (issue 13).

A kiosk that reconnects with the session's `resume_token` (from `joined`) within
`session.resume_window_s` takes its session back; after the window the session ends as
`disconnected`. The dashboard is told `offline`, then `online` or `disconnected`. A session in
crisis never expires here: the crisis screen holds until staff clear it (at the kiosk once it
is back, or from the dashboard, which ends the parked session).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from reflection.flow import EndReason
from server.kiosk_session import KioskSession

log = logging.getLogger(__name__)


@dataclass
class _Parked:
    session: KioskSession
    kiosk_id: uuid.UUID
    expiry: asyncio.Task[None]


class Parking:
    """Parked sessions by resume token; each expires on its own."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._parked: dict[str, _Parked] = {}

    def __len__(self) -> int:
        return len(self._parked)

    def park(
        self,
        session: KioskSession,
        kiosk_id: uuid.UUID,
        on_expired: Callable[[KioskSession], Awaitable[None]],
    ) -> None:
        """Keep a session whose kiosk went away."""
        session.detach()
        session.store.kiosk_status("offline")
        token = session.resume_token
        expiry = asyncio.get_running_loop().create_task(self._expire(token, on_expired))
        self._parked[token] = _Parked(session, kiosk_id, expiry)

    def take(self, token: str, kiosk_id: uuid.UUID) -> KioskSession | None:
        """The parked session for this token, if this kiosk parked it (else None)."""
        parked = self._parked.get(token)
        if parked is None or parked.kiosk_id != kiosk_id:
            return None  # another kiosk's token is as good as none
        del self._parked[token]
        parked.expiry.cancel()
        return parked.session

    async def close(self) -> None:
        """Server stop: end every parked session."""
        for token in list(self._parked):
            parked = self._parked.pop(token)
            parked.expiry.cancel()
            with contextlib.suppress(Exception):
                await parked.session.end(EndReason.SERVER)

    async def _expire(
        self, token: str, on_expired: Callable[[KioskSession], Awaitable[None]]
    ) -> None:
        while True:
            await asyncio.sleep(self.window_s)
            held = self._parked.get(token)
            if held is None or not held.session.flow.in_crisis:
                break  # (no timer ends a crisis: a person must, so it waits window by window)
        parked = self._parked.pop(token, None)
        if parked is None:
            return
        if parked.session.store.session is None:
            await on_expired(parked.session)  # staff cleared it from the dashboard: it ended
            return
        try:
            parked.session.store.kiosk_status("disconnected")
            await parked.session.end(EndReason.DISCONNECTED)
            await on_expired(parked.session)
        except Exception:
            log.exception("ending a parked session failed")
