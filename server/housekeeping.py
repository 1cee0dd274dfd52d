"""Background upkeep while serving: the scheduled retention purge."""

from __future__ import annotations

import asyncio
import logging

from models.retention import purge_expired
from server.services import Services

log = logging.getLogger(__name__)


async def purge_forever(services: Services) -> None:
    """Purge expired sessions now and then every `purge_interval_minutes` (0 disables)."""
    database = services.settings.database
    if database.purge_interval_minutes <= 0 or database.retention_days <= 0:
        return
    while True:
        try:
            report = await asyncio.to_thread(_purge, services)
            if report:
                log.info("retention purge removed %d sessions", report)
        except Exception as exc:  # keep serving; the next run retries
            log.error("retention purge failed: %s", type(exc).__name__)
        await asyncio.sleep(database.purge_interval_minutes * 60.0)


def _purge(services: Services) -> int:
    with services.database.transaction() as db:
        report = purge_expired(db, retention_days=services.settings.database.retention_days)
    return report.sessions
