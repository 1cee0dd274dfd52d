"""Sign in and out of the dashboard."""

from __future__ import annotations

import math

from fastapi import APIRouter, Request, Response

from models import accounts
from models.password_policy import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, RULE_LINES
from server.api.account_schemas import PasswordRules
from server.api.schemas import LoginRequest, SignedIn, UnlockRequest, UserOut
from server.auth import CSRF_COOKIE, SESSION_COOKIE, WebSession
from server.deps import LockedOrSignedInDep, ServicesDep, SignedInDep
from server.errors import AuthError, ServerError

router = APIRouter(prefix="/api/auth", tags=["auth"])


class TooManyError(ServerError):
    """Too many attempts from this address."""

    default_code = "rate_limited"
    status = 429


def signed_in_answer(session: WebSession, services: ServicesDep) -> SignedIn:
    """The answer to login, /me and a password change."""
    return SignedIn(
        user=UserOut(
            id=session.user_id,
            username=session.username,
            role=session.role.value,
            display_name=session.display_name,
        ),
        csrf_token=session.csrf_token,
        idle_logoff_s=services.web_sessions.idle_seconds,
        password_change_required=session.password_change_required,
        locked=session.locked,
    )


@router.get("/password-rules")
def password_rules() -> PasswordRules:
    """The password policy in words (public: the rules are no secret, and sign-in needs them)."""
    return PasswordRules(rules=list(RULE_LINES), min_length=MIN_PASSWORD_LENGTH,
                         max_length=MAX_PASSWORD_LENGTH,
                         advice="Three or four unrelated words work well.")


@router.post("/login", responses={401: {}, 429: {}})
def login(
    body: LoginRequest, request: Request, response: Response, services: ServicesDep
) -> SignedIn:
    """Check credentials; set the session and CSRF cookies."""
    ip = request.client.host if request.client else "?"
    # Growing delays per typed name and per address (never a lock, same for unknown names).
    throttle = services.limits.login_throttle
    account_key, ip_key = throttle.keys(body.username, ip)
    wait = throttle.wait_s(account_key, ip_key)
    if wait > 0:
        raise TooManyError(f"too many failed sign-in attempts; try again in {math.ceil(wait)} s")
    # Failures are counted and audited in the database, so commit whatever the outcome.
    with services.database.transaction() as db:
        result = accounts.login(
            db, username=body.username, password=body.password, totp_code=body.totp
        )
        user = result.user
        identity = (
            (user.id, user.role, user.username, user.display_name, user.must_change_password)
            if user
            else None
        )
    if result.code == "totp_required":
        pass  # the password was right; the second step follows
    elif not result.ok:
        throttle.failed(account_key, ip_key)
    else:
        throttle.succeeded(account_key)
    if not result.ok or identity is None:
        raise AuthError(
            "sign-in failed",
            code="totp_required" if result.code == "totp_required" else "login_failed",
        )
    user_id, role, username, display_name, must_change = identity
    token, session = services.web_sessions.create(
        user_id=user_id,
        role=role,
        username=username,
        display_name=display_name,
        password_change_required=must_change,
    )
    secure = bool(services.settings.server.certfile)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=secure, path="/"
    )
    response.set_cookie(
        CSRF_COOKIE, session.csrf_token, httponly=False, samesite="strict", secure=secure, path="/"
    )
    return signed_in_answer(session, services)


@router.post("/logout", status_code=204, responses={401: {}, 403: {}})
def logout(
    request: Request, response: Response, session: SignedInDep, services: ServicesDep
) -> None:
    """End this browser's session."""
    services.web_sessions.revoke(request.cookies.get(SESSION_COOKIE))
    response.delete_cookie(SESSION_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")


@router.get("/me", responses={401: {}})
def me(session: LockedOrSignedInDep, services: ServicesDep) -> SignedIn:
    """Who is signed in (and the CSRF token, e.g. after a page reload); says if locked."""
    return signed_in_answer(session, services)


@router.post("/lock", status_code=204, responses={401: {}, 403: {}})
def lock(request: Request, session: LockedOrSignedInDep, services: ServicesDep) -> None:
    """The browser's idle timer fired: lock now (alerts keep arriving, client text stops)."""
    services.web_sessions.lock(request.cookies.get(SESSION_COOKIE) or "")


@router.post("/unlock", responses={401: {}, 403: {}, 429: {}})
def unlock(
    body: UnlockRequest, request: Request, session: LockedOrSignedInDep, services: ServicesDep
) -> SignedIn:
    """Re-enter on a locked screen with the password (or the authenticator code)."""
    ip = request.client.host if request.client else "?"
    # The same growing delays as sign-in, keyed by this account's name.
    throttle = services.limits.login_throttle
    account_key, ip_key = throttle.keys(session.username, ip)
    wait = throttle.wait_s(account_key, ip_key)
    if wait > 0:
        raise TooManyError(f"too many failed attempts; try again in {math.ceil(wait)} s")
    with services.database.transaction() as db:
        result = accounts.reauthenticate(
            db, user_id=session.user_id, password=body.password, totp_code=body.totp
        )
    if not result.ok:
        throttle.failed(account_key, ip_key)
        raise AuthError("that did not match", code="unlock_failed")
    throttle.succeeded(account_key)
    services.web_sessions.unlock(request.cookies.get(SESSION_COOKIE) or "")
    session.locked = False
    return signed_in_answer(session, services)
