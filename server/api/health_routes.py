"""Operational endpoints: /health and /metrics (no client data in either)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import text

from models.keys import verify_keyring
from server.deps import ServicesDep
from server.ops_access import OpsViewerDep, may_see_details, signed_in_role

router = APIRouter(tags=["ops"])


@router.get("/health")
async def health(request: Request, services: ServicesDep) -> dict[str, Any]:
    """Models, responder, database and keys: what a clinic's operator needs to know.

    Others (not this machine, not a signed-in admin) get liveness only, no model paths or
    counts; other signed-in staff also get the responder (the dashboard's status line).
    """

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
    status = "ok" if database["ok"] else "degraded"
    responder = services.conversations.status()
    if not may_see_details(request):
        # Signed-in staff see where replies come from (the dashboard's status line).
        staff = signed_in_role(request) is not None
        return {"status": status, "responder": responder} if staff else {"status": status}
    return {
        "status": status,
        "ready_s": round(services.ready_s, 2),
        "models": services.voice.status(),
        "responder": responder,
        "database": database,
        "keys": {"ok": database["ok"]},
        "workers": {"size": services.pool.workers, "pending": services.pool.pending},
    }


@router.get("/metrics", response_class=Response, responses={404: {}})
def metrics(services: ServicesDep, _viewer: OpsViewerDep) -> Response:
    """Prometheus text format."""
    services.metrics.pool_pending.set(services.pool.pending)
    return Response(services.metrics.render(), media_type=CONTENT_TYPE_LATEST)
