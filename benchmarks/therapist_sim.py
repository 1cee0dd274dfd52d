"""A simulated dashboard on `/ws/therapist` that timestamps urgent risk alerts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time

from websockets.asyncio.client import ClientConnection, connect


class SimDashboard:
    """Signed-in therapist socket; `alerts` holds the receive time of each urgent alert."""

    def __init__(self, ws_url: str, http_url: str, session_cookie: str) -> None:
        self.ws_url = ws_url
        self.http_url = http_url
        self.cookie = session_cookie
        self.alerts: list[float] = []
        self.alert_seen = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        """Connect, say hello, wait for the replay to finish."""
        self._ws = await connect(
            f"{self.ws_url}/ws/therapist", open_timeout=30,
            additional_headers={"Cookie": f"reflect_session={self.cookie}",
                                "Origin": self.http_url},
        )
        await self._ws.send(json.dumps({"type": "hello", "protocol": 1, "last_seq": None}))
        async for message in self._ws:
            if json.loads(message).get("type") == "replay_done":
                break
        self._task = asyncio.create_task(self._receive())

    async def _receive(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            at = time.monotonic()
            event = json.loads(message)
            data = event.get("data") or {}
            if event.get("event") == "risk_alert" and data.get("urgent"):
                self.alerts.append(at)
                self.alert_seen.set()

    async def close(self) -> None:
        """Disconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()
