"""The evaluation report and the review queue (admins only; issue 20)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import Field

from models import review_queue
from models.errors import InvalidInputError
from models.evaluation import ReportOptions, build_report, parse_window
from models.types import utcnow
from server.api.schemas import Body
from server.deps import AdminDep, ServicesDep
from server.report_svg import rates_chart

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/admin", tags=["admin"])
Since = Annotated[str, Query(max_length=8, pattern=r"^\d{1,4}[hdw]$")]


class ReviewRequest(Body):
    """Why the admin opens the flagged and blocked replies (stored encrypted, shown to the
    therapists of the sessions opened)."""

    reason: Annotated[str, Field(min_length=5, max_length=2000)]
    since: Annotated[str, Field(max_length=8, pattern=r"^\d{1,4}[hdw]$")] = "30d"


Margin = Annotated[float | None, Query(ge=0.0, le=1.0)]
MinCases = Annotated[int | None, Query(ge=1, le=100_000)]


def _options(services: Any, since: str, margin: float | None, min_cases: int | None
             ) -> ReportOptions:
    """The window from the query; margin and minimum from it too, else from settings."""
    now = utcnow()
    config = services.settings.evaluation
    return ReportOptions(
        since=now - _window(since), until=now, alpha=config.alpha,
        margin=config.margin if margin is None else margin,
        min_cases=config.min_cases if min_cases is None else min_cases)


def _report(services: Any, admin: Any, options: ReportOptions) -> dict[str, Any]:
    with services.database.transaction() as db:
        report = build_report(db, options)
        review_queue.audit_report_read(db, actor_id=admin.id)
    return report


@router.get("/report", responses={401: {}, 403: {}, 422: {}})
def report(admin: AdminDep, services: ServicesDep, since: Since = "30d",
           margin: Margin = None, min_cases: MinCases = None) -> dict[str, Any]:
    """Counts and rates by language and kiosk, small counts suppressed; no client text."""
    return _report(services, admin, _options(services, since, margin, min_cases))


@router.get("/report/chart.svg", responses={401: {}, 403: {}, 422: {}})
def report_chart(admin: AdminDep, services: ServicesDep, since: Since = "30d",
                 margin: Margin = None, min_cases: MinCases = None) -> Response:
    """The rates as a bar chart (the page shows the same figures as a table)."""
    figures = _report(services, admin, _options(services, since, margin, min_cases))
    return Response(rates_chart(figures), media_type="image/svg+xml",
                    headers={"Cache-Control": "no-store"})


@router.post("/review-queue", responses={401: {}, 403: {}, 422: {}})
def open_review_queue(body: ReviewRequest, admin: AdminDep, services: ServicesDep
                      ) -> dict[str, Any]:
    """Flagged and blocked replies with the words they answered; audited break-glass read."""
    return _queue(body, admin, services, export=False)


@router.post("/review-queue/export", responses={401: {}, 403: {}, 422: {}})
def export_review_queue(body: ReviewRequest, admin: AdminDep, services: ServicesDep
                        ) -> Response:
    """The same items as JSON lines, names and numbers scrubbed, for a first-contact set."""
    items = _queue(body, admin, services, export=True)["items"]
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    return Response(lines, media_type="application/x-ndjson", headers={
        "Content-Disposition": 'attachment; filename="review-items.jsonl"',
        "Cache-Control": "no-store"})


def _queue(body: ReviewRequest, admin: Any, services: Any, *, export: bool) -> dict[str, Any]:
    since = utcnow() - _window(body.since)
    # Committed before any text leaves: no read without its audit and break-glass rows.
    with services.database.transaction() as db:
        items = review_queue.open_queue(db, viewer=admin, reason=body.reason, since=since,
                                        export=export)
    log.warning("review queue %s by admin %s: %d items", "exported" if export else "opened",
                admin.id, len(items))
    return {"items": [review_queue.item_dict(i) for i in items]}


def _window(since: str) -> timedelta:
    try:
        return parse_window(since)
    except ValueError as exc:
        raise InvalidInputError(str(exc)) from exc
