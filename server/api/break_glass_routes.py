"""Emergency access (HIPAA 164.312(a)(2)(ii)): an admin reads a session's text with a reason."""

from __future__ import annotations

import logging
import uuid

from fastapi import APIRouter

from models import sessions
from server.api.account_schemas import BreakGlassRead, BreakGlassRequest
from server.api.session_routes import session_detail
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
    detail = session_detail(text)
    return BreakGlassRead(**detail.model_dump(), reason=body.reason.strip())
