"""Reflection sessions: create (short code), list, read, export, call in."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from models import pending, sessions
from models.alerts import trigger_words
from models.session_status import actions_for, view_status
from models.types import Role
from models.views import SessionText, SessionView, therapist_scope
from server.api.export import summary_markdown, text_json
from server.api.schemas import (
    AlertOut,
    CallInResult,
    CreatedSession,
    CreateSessionRequest,
    SessionDetail,
    SessionList,
    SessionOut,
    SummaryOut,
)
from server.deps import ActorDep, DbDep, ServicesDep
from server.errors import BadRequestError, ForbiddenError
from server.events import TherapistEventKind

router = APIRouter(prefix="/api/sessions", tags=["sessions"])
ERRORS: dict[int | str, dict[str, Any]] = {400: {}, 401: {}, 403: {}, 404: {}}


def session_out(view: SessionView) -> SessionOut:
    """Shape a session view; its status is the one every page shows (models/session_status)."""
    status = view_status(view)
    return SessionOut(
        id=view.id,
        therapist_id=view.therapist_id,
        kiosk_id=view.kiosk_id,
        status=status.value,
        actions=actions_for(status),
        code=view.code,
        language=view.language,
        created_at=view.created_at,
        code_expires_at=view.code_expires_at,
        started_at=view.started_at,
        ended_at=view.ended_at,
        erased_at=view.erased_at,
        label=view.label,
        crisis=view.crisis,
        break_glass=[
            {"admin_id": str(b.admin_id), "reason": b.reason, "at": b.at.isoformat()}
            for b in view.break_glass
        ],
    )


def session_detail(text: SessionText, *, live_view: bool = True) -> SessionDetail:
    """Shape decrypted content (already audit-logged by models, already scoped) for the API."""
    body = text_json(text)
    latest = text.summaries[-1] if text.summaries else None
    erased = text.session.erased_at is not None
    return SessionDetail(
        session=session_out(text.session),
        consent=body.get("consent", []),
        turns=body.get("turns", []),
        summary=latest.content if latest else None,
        summary_approved=bool(latest and latest.status.value == "approved"),
        summary_status=latest.status.value if latest else None,
        alerts=[alert_out(a) for a in text.alerts],
        feedback=body.get("feedback", []),
        live_view=live_view,
        erased=erased,
    )


def alert_out(alert: Any) -> AlertOut:
    """Shape an alert view."""
    return AlertOut(
        id=alert.id,
        session_id=alert.session_id,
        level=alert.level,
        categories=list(alert.categories),
        urgent=alert.urgent,
        # Only the matched words, never the turn around them.
        evidence=None if alert.evidence is None else [
            {"text": w} for w in trigger_words(alert.evidence)
        ],
        trigger_words=trigger_words(alert.evidence),
        raised_at=alert.raised_at,
        escalated_at=alert.escalated_at,
        acknowledged_by=alert.acknowledged_by,
        acknowledged_at=alert.acknowledged_at,
        ack_note=alert.ack_note,
    )


@router.post("", status_code=201, responses=ERRORS)
async def create_session(
    body: CreateSessionRequest, actor: ActorDep, services: ServicesDep
) -> CreatedSession:
    """A new session and its one-time code (front desk and admins create for a therapist)."""
    therapist_id = body.therapist_id or actor.id
    if body.therapist_id is None and actor.role is not Role.THERAPIST:
        raise BadRequestError("say which therapist the session is for", code="therapist_required")
    ttl = timedelta(minutes=services.settings.security.code_ttl_minutes)

    def work() -> tuple[uuid.UUID, str, Any]:
        with services.database.transaction() as db:
            row, code = sessions.create_session(
                db,
                therapist_id=therapist_id,
                created_by=actor,
                language=body.lang,
                ttl=ttl,
                label=body.label,
            )
            return row.id, code, row.code_expires_at

    session_id, code, expires = await asyncio.to_thread(work)
    await services.hub.publish(
        therapist_id,
        TherapistEventKind.SESSION_CREATED,
        session_id=session_id,
        data={
            "code_expires_at": expires.isoformat(),
            "label": body.label,
            "created_by": str(actor.id),
            "lang": body.lang,
        },
    )
    return CreatedSession(
        session_id=session_id, code=code, expires_at=expires, therapist_id=therapist_id
    )


@router.get("", responses=ERRORS)
def list_sessions(
    actor: ActorDep,
    db: DbDep,
    therapist_id: uuid.UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> SessionList:
    """Newest first; a therapist sees only their own."""
    views = sessions.list_sessions(db, viewer=actor, therapist_id=therapist_id, limit=limit)
    return SessionList(sessions=[session_out(v) for v in views])


def _text(
    db: DbDep, actor: ActorDep, services: ServicesDep, session_id: uuid.UUID, purpose: str
) -> SessionText:
    """The therapist's read, scoped to what the client's consent allows."""
    text = sessions.get_session_text(db, viewer=actor, session_id=session_id, purpose=purpose)
    return therapist_scope(text, live_view=_live_view(services))


def _live_view(services: ServicesDep) -> bool:
    return services.settings.reflection.live_transcript


@router.get("/{session_id}", responses=ERRORS)
def get_session(
    session_id: uuid.UUID, actor: ActorDep, db: DbDep, services: ServicesDep
) -> SessionDetail:
    """One session: its therapist gets the content (audit-logged), others only metadata."""
    if actor.role is not Role.THERAPIST:
        view = sessions.view_session(db, viewer=actor, session_id=session_id)
        return SessionDetail(
            session=session_out(view),
            consent=[],
            turns=[],
            summary=None,
            summary_approved=False,
            alerts=[],
            feedback=[],
            erased=view.erased_at is not None,
        )
    return session_detail(
        _text(db, actor, services, session_id, "read"), live_view=_live_view(services)
    )


@router.get("/{session_id}/summary", responses=ERRORS)
def get_summary(
    session_id: uuid.UUID, actor: ActorDep, db: DbDep, services: ServicesDep
) -> SummaryOut:
    """The latest summary version (audit-logged)."""
    text = _text(db, actor, services, session_id, "read")
    latest = text.summaries[-1] if text.summaries else None
    return SummaryOut(
        summary=latest.content if latest else None,
        approved=bool(latest and latest.status.value == "approved"),
        version=latest.version if latest else 0,
    )


@router.get(
    "/{session_id}/export",
    responses={**ERRORS, 200: {"content": {"text/markdown": {}, "application/json": {}}}},
)
def export_session(
    session_id: uuid.UUID,
    actor: ActorDep,
    db: DbDep,
    services: ServicesDep,
    format: Literal["md", "json"] = "md",
) -> Response:
    """The session summary as Markdown or JSON (audit-logged as an export)."""
    text = _text(db, actor, services, session_id, "export")
    name = f"reflection-{text.session.created_at:%Y%m%d-%H%M}-{str(session_id)[:8]}"
    if format == "json":
        import json

        payload = json.dumps(text_json(text), ensure_ascii=False, indent=2, default=str)
        media, filename = "application/json", f"{name}.json"
    else:
        payload, media, filename = summary_markdown(text), "text/markdown", f"{name}.md"
    return Response(
        payload,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.post("/{session_id}/call-in", status_code=202, responses=ERRORS)
async def call_in(session_id: uuid.UUID, actor: ActorDep, services: ServicesDep) -> CallInResult:
    """Tell the kiosk running this session to wrap up."""

    def check() -> SessionView:
        with services.database.transaction() as db:
            return sessions.view_session(db, viewer=actor, session_id=session_id)

    view = await asyncio.to_thread(check)
    if actor.role is Role.FRONT_DESK:
        raise ForbiddenError("only the session's therapist or an admin may call the client in")
    # Reaches the kiosk on whichever server process holds its connection.
    delivered = await services.kiosk_commands.call_in(session_id)
    event = await services.hub.publish(
        view.therapist_id,
        TherapistEventKind.CALL_IN_SENT,
        session_id=session_id,
        data={"by": str(actor.id), "delivered": delivered},
    )
    return CallInResult(delivered=delivered, at=event.at)


@router.post("/{session_id}/cancel", responses={**ERRORS, 409: {}})
async def cancel(session_id: uuid.UUID, actor: ActorDep, services: ServicesDep) -> SessionOut:
    """Cancel a session whose code was not used yet: the code stops working at once."""

    def work() -> SessionView:
        with services.database.transaction() as db:
            pending.cancel_session(db, viewer=actor, session_id=session_id)
            return sessions.view_session(db, viewer=actor, session_id=session_id)

    view = await asyncio.to_thread(work)
    await services.hub.publish(
        view.therapist_id, TherapistEventKind.SESSION_CANCELLED, session_id=session_id,
        data={"by": str(actor.id)},
    )
    return session_out(view)
