"""`POST /api/kiosk/enrol`: a kiosk page exchanges its one-time enrolment code for its token."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from fastapi import APIRouter, Request

from models.kiosk_enrolment import redeem_enrolment_code
from server.api.schemas import EnrolCodeRequest, EnrolLink, EnrolToken
from server.deps import ServicesDep
from server.errors import AuthError, ServerError
from server.qr import qr_data_uri

router = APIRouter(prefix="/api/kiosk", tags=["kiosk"])


class TooManyCodesError(ServerError):
    """Too many wrong enrolment codes from this address."""

    default_code = "rate_limited"
    status = 429


def enrol_path(code: str) -> str:
    """The link to open on the kiosk: the code rides in the fragment, which no log sees."""
    return f"/kiosk/#enrol={code}"


def public_base(request: Request, public_url: str) -> str:
    """Where other devices reach this server: `server.public_url`, else the admin's own address.

    The admin's address is the Host header their browser sent; its scheme honours
    X-Forwarded-Proto only from `server.trusted_proxies` (uvicorn applies that list).
    """
    if public_url:
        return public_url.rstrip("/")
    return str(request.base_url).rstrip("/")


def this_machine_only(base: str) -> bool:
    """Whether an address names loopback, so a kiosk on another device cannot open it."""
    host = (urlsplit(base).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def enrolment_link(request: Request, public_url: str, code: str) -> EnrolLink:
    """The full one-time address, its QR code, and whether it only works on this machine."""
    base = public_base(request, public_url)
    url = base + enrol_path(code)
    return EnrolLink(enrol_path=enrol_path(code), enrol_url=url, enrol_qr=qr_data_uri(url),
                     this_machine_only=this_machine_only(base))


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
