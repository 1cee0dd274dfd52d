"""`POST /api/kiosk/enrol`: a kiosk page exchanges its one-time enrolment code for its token."""

from __future__ import annotations

from fastapi import APIRouter, Request

from models.kiosk_enrolment import redeem_enrolment_code
from server.api.schemas import EnrolCodeRequest, EnrolToken
from server.deps import ServicesDep
from server.errors import AuthError, ServerError

router = APIRouter(prefix="/api/kiosk", tags=["kiosk"])


class TooManyCodesError(ServerError):
    """Too many wrong enrolment codes from this address."""

    default_code = "rate_limited"
    status = 429


def enrol_path(code: str) -> str:
    """The link to open on the kiosk: the code rides in the fragment, which no log sees."""
    return f"/kiosk/#enrol={code}"


@router.post("/enrol", responses={401: {}, 429: {}})
def enrol(body: EnrolCodeRequest, request: Request, services: ServicesDep) -> EnrolToken:
    """The device token for a valid, unused, unexpired code; the code is then spent."""
    key = f"ip:{request.client.host if request.client else '?'}"
    if services.limits.auth_failures.exhausted(key):
        raise TooManyCodesError("too many wrong enrolment codes; wait a minute")
    # Committed either way: a failure's audit row must persist.
    with services.database.transaction() as db:
        redeemed = redeem_enrolment_code(db, code=body.code)
    if redeemed is None:
        services.limits.auth_failures.allow(key)
        raise AuthError("unknown, used or expired enrolment code", code="enrol_invalid")
    kiosk_id, token = redeemed
    return EnrolToken(kiosk_id=kiosk_id, token=token)
