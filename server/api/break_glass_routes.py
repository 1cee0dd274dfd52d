"""Emergency access (HIPAA 164.312(a)(2)(ii)): an admin reads a session's text with a reason."""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter

from models import sessions
from server.api.account_schemas import BreakGlassRead, BreakGlassRequest
from server.api.export import text_json
from server.api.session_routes import alert_out, session_out
from server.deps import AdminDep, ServicesDep

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/admin/sessions", tags=["admin"])


@router.post(
    "/{session_id}/break-glass", responses={401: {}, 403: {}, 404: {}, 422: {}}
)
def break_glass(
    session_id: uuid.UUID, body: BreakGlassRequest, admin: AdminDep, services: ServicesDep
) -> BreakGlassRead:
    """Read any session's client text in an emergency; audited, and shown to its therapist."""
    # Its own transaction, committed before any text leaves: no read without its audit row.
    with services.database.transaction() as db:
        text = sessions.break_glass_read(
            db, viewer=admin, session_id=session_id, reason=body.reason
        )
    # Loud on purpose, but ids only: the reason may name the client.
    log.warning("break-glass: admin %s read session %s", admin.id, session_id)
    body_json = text_json(text)
    latest = text.summaries[-1] if text.summaries else None
    return BreakGlassRead(
        session=session_out(text.session),
        consent=body_json["consent"],
        turns=body_json["turns"],
        summary=latest.content if latest else None,
        summary_approved=bool(latest and latest.status.value == "approved"),
        alerts=[alert_out(a) for a in text.alerts],
        feedback=body_json["feedback"],
        reason=body.reason.strip(),
    )
