"""Whether a kiosk is online: the one place the admin list asks (swap for shared presence)."""

from __future__ import annotations

import uuid

from server.services import Services


def kiosk_online(services: Services, kiosk_id: uuid.UUID) -> bool:
    """True while the kiosk has an open, authenticated socket to this server."""
    return services.kiosk_sockets.count(kiosk_id) > 0
