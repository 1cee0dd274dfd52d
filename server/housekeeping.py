"""Background upkeep while serving: the scheduled retention purge and alert escalation."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from models import alerts
from models.retention import purge_expired
from server.services import Services

log = logging.getLogger(__name__)
ESCALATION_CHECK_MAX_S = 5.0


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


async def escalate_forever(services: Services) -> None:
    """Tell front desk and admins about urgent alerts nobody acknowledged in time."""
    after = services.settings.reflection.escalate_after_s
    if after <= 0:
        return
    # Checked a few times per window, so an alert escalates at most a few seconds late.
    interval = min(ESCALATION_CHECK_MAX_S, max(0.5, after / 4))
    while True:
        await asyncio.sleep(interval)
        try:
            await escalate_due(services, after)
        except Exception as exc:  # keep serving; the next check retries
            log.error("alert escalation failed: %s", type(exc).__name__)


async def escalate_due(services: Services, after_s: float) -> int:
    """Escalate every due alert once: to the therapist's stream and every staff screen."""

    def mark() -> list[alerts.Escalation]:
        with services.database.transaction() as db:
            return alerts.escalate_due(db, after=timedelta(seconds=after_s))

    due = await asyncio.to_thread(mark)
    for escalation in due:
        await services.hub.announce_escalation(escalation)
        log.warning("urgent alert unacknowledged for %.0f s: escalated to %d staff screens",
                    after_s, services.hub.staff_screens())
    return len(due)
