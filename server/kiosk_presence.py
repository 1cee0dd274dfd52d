"""Which kiosks are online now, on any server process: the one place the admin page asks."""

from __future__ import annotations

from dataclasses import dataclass

from server.fanout import Fanout


@dataclass(frozen=True)
class KioskOnline:
    """A connected kiosk: the process holding its socket, and whether it runs a session."""

    kiosk_id: str
    process: str
    in_session: bool


async def online_kiosks(fanout: Fanout) -> dict[str, KioskOnline]:
    """Kiosks with an open socket on a live process, by kiosk id (absent = offline).

    One process: its open kiosk sockets. Several: what each live process last reported to
    Redis; a process that stopped reporting for `redis.presence_ttl_s` counts as gone.
    """
    return {
        kiosk_id: KioskOnline(kiosk_id, holding.process, bool(holding.session_id))
        for kiosk_id, holding in (await fanout.online()).items()
    }
