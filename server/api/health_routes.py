"""Operational endpoints: /health and /metrics (no client data in either)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from models.keys import verify_keyring
from server.deps import ServicesDep

router = APIRouter(tags=["ops"])


@router.get("/health")
async def health(services: ServicesDep) -> dict[str, Any]:
    """Models, responder, database and keys: what a clinic's operator needs to know."""

    def check_database() -> dict[str, Any]:
        try:
            with services.database.transaction() as db:
                db.execute(text("SELECT 1"))
                verify_keyring(db)
        except Exception as exc:  # reported, not raised: health must always answer
            return {"ok": False, "error": type(exc).__name__}
        return {"ok": True, "backend": services.database.engine.dialect.name}

    database = await asyncio.to_thread(check_database)
    writes = services.writes
    if writes.failing:
        # Reads may still work on a full disk; what matters is that writes do not.
        database = {**database, "ok": False, "error": database.get("error") or writes.last_error}
    database["writes"] = {"failing": writes.failing, "pending": writes.pending,
                          "dropped": writes.dropped}
    responder = services.conversations.status()
    return {
        "status": "ok" if database["ok"] else "degraded",
        "ready_s": round(services.ready_s, 2),
        "models": services.voice.status(),
        "responder": responder,
        "database": database,
        "keys": {"ok": database["ok"]},
        "workers": {"size": services.pool.workers, "pending": services.pool.pending},
    }


@router.get("/metrics", response_class=Response)
def metrics(services: ServicesDep) -> Response:
    """Prometheus text format."""
    services.metrics.pool_pending.set(services.pool.pending)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
