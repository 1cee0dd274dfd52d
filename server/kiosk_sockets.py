"""Open kiosk sockets by kiosk id, so revoking a kiosk closes them at once (4401)."""

from __future__ import annotations

import asyncio
import uuid

from server.protocol import ErrorCode, ProtocolError
from server.ws_common import Channel


class KioskSockets:
    """Every authenticated kiosk channel, by the kiosk it belongs to."""

    def __init__(self) -> None:
        self._open: dict[uuid.UUID, set[Channel]] = {}
        # Revoked while this process runs: closes the gap between a token check that read
        # "active" just before the revocation committed and the socket being added here.
        self._revoked: set[uuid.UUID] = set()

    def add(self, kiosk_id: uuid.UUID, channel: Channel) -> None:
        """A kiosk authenticated on this channel; ProtocolError if it was revoked meanwhile."""
        if kiosk_id in self._revoked:
            raise ProtocolError(ErrorCode.AUTH_FAILED, "unknown or revoked kiosk token")
        self._open.setdefault(kiosk_id, set()).add(channel)

    def discard(self, kiosk_id: uuid.UUID, channel: Channel) -> None:
        """The channel closed."""
        channels = self._open.get(kiosk_id)
        if channels is not None:
            channels.discard(channel)
            if not channels:
                del self._open[kiosk_id]

    def count(self, kiosk_id: uuid.UUID) -> int:
        """Open sockets of one kiosk."""
        return len(self._open.get(kiosk_id, ()))

    async def revoke(self, kiosk_id: uuid.UUID) -> int:
        """Send `auth_failed` and close every socket of this kiosk with 4401; how many."""
        self._revoked.add(kiosk_id)
        return await self.close_all(kiosk_id, "this kiosk was revoked")

    async def close_all(self, kiosk_id: uuid.UUID, reason: str) -> int:
        """Send `auth_failed` and close every socket of this kiosk with 4401 (token replaced)."""
        channels = list(self._open.pop(kiosk_id, ()))
        error = ProtocolError(ErrorCode.AUTH_FAILED, reason)
        await asyncio.gather(*(channel.error(error) for channel in channels))
        return len(channels)
