"""Administration: kiosks, accounts, feedback reports."""

from __future__ import annotations

import asyncio
import uuid

import anyio
from fastapi import APIRouter, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from models import accounts, kiosks
from models.kiosk_enrolment import issue_enrolment_code
from models.tables import Feedback
from models.types import Role, utcnow
from server.api.enrol_routes import enrolment_link
from server.api.schemas import (
    CreateUserRequest,
    Enrolled,
    EnrollRequest,
    FeedbackReport,
    KioskList,
    KioskOut,
    UserList,
    UserOut,
)
from server.api.session_routes import ERRORS
from server.deps import AdminDep, DbDep, ServicesDep
from server.kiosk_presence import online_kiosks

router = APIRouter(prefix="/api", tags=["admin"])


@router.get("/kiosks", responses=ERRORS)
def list_kiosks(admin: AdminDep, db: DbDep, services: ServicesDep) -> KioskList:
    """Every enrolled kiosk, online or not (the admin page polls this)."""
    now = utcnow()
    # A sync route runs in a worker thread; presence is read on the event loop (Redis client).
    online = anyio.from_thread.run(online_kiosks, services.fanout)
    return KioskList(
        kiosks=[
            KioskOut(
                id=k.id,
                name=k.name,
                enrolled_at=k.created_at,
                last_seen_at=k.last_seen_at,
                revoked=not k.active,
                staff_pin_set=k.staff_pin_hash is not None,
                online=k.active and str(k.id) in online,
                enrol_pending_until=k.enrol_expires_at
                if k.enrol_expires_at is not None and k.enrol_expires_at > now
                else None,
            )
            for k in kiosks.list_kiosks(db)
        ]
    )


@router.post("/kiosks", status_code=201, responses={**ERRORS, 409: {}})
def enroll_kiosk(
    body: EnrollRequest, request: Request, admin: AdminDep, db: DbDep, services: ServicesDep
) -> Enrolled:
    """Enrol a device; its token is shown once, with a one-time link (and QR) for the kiosk."""
    kiosk, token = kiosks.enroll_kiosk(
        db, name=body.name, actor_id=admin.id, staff_pin=body.staff_pin
    )
    return _enrolled(request, services, db, kiosk.id, token)


@router.post("/kiosks/{kiosk_id}/enrolment", status_code=201, responses={**ERRORS, 409: {}})
async def reissue_enrolment(
    kiosk_id: uuid.UUID, request: Request, admin: AdminDep, services: ServicesDep
) -> Enrolled:
    """A new one-time link for this kiosk; the device's old token stops working at once."""

    def reissue() -> Enrolled:
        with services.database.transaction() as db:
            kiosk, token = kiosks.reissue_token(db, kiosk_id=kiosk_id, actor_id=admin.id)
            return _enrolled(request, services, db, kiosk.id, token)

    enrolled = await asyncio.to_thread(reissue)
    await services.kiosk_sockets.close_all(kiosk_id, "this kiosk's token was replaced")
    return enrolled


def _enrolled(
    request: Request, services: ServicesDep, db: Session, kiosk_id: uuid.UUID, token: str
) -> Enrolled:
    code, expires = issue_enrolment_code(db, kiosk_id=kiosk_id, token=token)
    link = enrolment_link(request, services.settings.server.public_url, code)
    return Enrolled(kiosk_id=kiosk_id, token=token, enrol_code=code, enrol_expires_at=expires,
                    **link.model_dump())


@router.delete("/kiosks/{kiosk_id}", status_code=204, responses=ERRORS)
async def revoke_kiosk(kiosk_id: uuid.UUID, admin: AdminDep, services: ServicesDep) -> None:
    """Revoke a kiosk's token, then close its open sockets with 4401."""

    def revoke() -> None:
        with services.database.transaction() as db:
            kiosks.set_kiosk_active(db, kiosk_id=kiosk_id, active=False, actor_id=admin.id)

    # Committed first, so a kiosk that reconnects at once is refused.
    await asyncio.to_thread(revoke)
    await services.kiosk_sockets.revoke(kiosk_id)


@router.get("/users", responses=ERRORS)
def list_users(admin: AdminDep, db: DbDep) -> UserList:
    """Every account."""
    return UserList(
        users=[
            UserOut(id=u.id, username=u.username, role=u.role.value, display_name=u.display_name)
            for u in accounts.list_users(db)
        ]
    )


@router.post("/users", status_code=201, responses={**ERRORS, 409: {}})
def create_user(body: CreateUserRequest, admin: AdminDep, db: DbDep) -> UserOut:
    """A new account (the password policy applies)."""
    user = accounts.create_user(
        db,
        username=body.username,
        password=body.password,
        role=Role(body.role),
        display_name=body.display_name,
        actor_id=admin.id,
    )
    return UserOut(
        id=user.id, username=user.username, role=user.role.value, display_name=user.display_name
    )


@router.get("/feedback", responses=ERRORS)
def feedback_report(admin: AdminDep, db: DbDep, services: ServicesDep) -> FeedbackReport:
    """Ratings and "felt wrong" counts; comments stay with each session's therapist."""
    rows = db.execute(
        select(Feedback.rating, Feedback.flagged_turn_ids, Feedback.created_at)
        .order_by(Feedback.created_at.desc())
        .limit(1000)
    ).all()
    ratings = [r.rating for r in rows if r.rating is not None]
    return FeedbackReport(
        count=len(rows),
        average_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        flagged_replies=sum(len(r.flagged_turn_ids or []) for r in rows),
        items=[
            {
                "rating": r.rating,
                "flagged": len(r.flagged_turn_ids or []),
                "at": r.created_at.isoformat(),
            }
            for r in rows
        ],
    )
