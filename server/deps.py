"""FastAPI dependencies as `Annotated` aliases: services, the signed-in user, CSRF, a DB session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Cookie, Depends, Header, Request
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from models.access import Actor
from models.types import Role
from server.auth import CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, WebSession, csrf_ok
from server.errors import AuthError, ForbiddenError
from server.services import Services

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_services(conn: HTTPConnection) -> Services:
    """The app's services (set by the lifespan)."""
    services: Services = conn.app.state.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_db(services: ServicesDep) -> Iterator[Session]:
    """A transaction for one request: committed when the route returns normally."""
    with services.database.transaction() as db:
        yield db


DbDep = Annotated[Session, Depends(get_db)]


def _check_csrf(
    request: Request, session: WebSession, cookie: str | None, header: str | None
) -> None:
    if request.method not in SAFE_METHODS and not csrf_ok(session, cookie, header):
        raise ForbiddenError("missing or wrong CSRF token", code="csrf_failed")


def get_locked_or_signed_in(
    request: Request,
    services: ServicesDep,
    session_cookie: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    csrf_cookie: Annotated[str | None, Cookie(alias=CSRF_COOKIE)] = None,
    csrf_header: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> WebSession:
    """The sign-in even while its screen is locked (for /me, lock and unlock only); CSRF checked."""
    # Touching: /me is how an open dashboard reports that its user is active.
    session = services.web_sessions.lookup(session_cookie)
    if session is None:
        code = "session_expired" if session_cookie else "not_authenticated"
        raise AuthError("sign in first", code=code)
    _check_csrf(request, session, csrf_cookie, csrf_header)
    return session


LockedOrSignedInDep = Annotated[WebSession, Depends(get_locked_or_signed_in)]


def get_signed_in(
    request: Request,
    services: ServicesDep,
    session_cookie: Annotated[str | None, Cookie(alias=SESSION_COOKIE)] = None,
    csrf_cookie: Annotated[str | None, Cookie(alias=CSRF_COOKIE)] = None,
    csrf_header: Annotated[str | None, Header(alias=CSRF_HEADER)] = None,
) -> WebSession:
    """The signed-in user, even one who must still change a one-time password; CSRF checked.

    Only sign-out, `/api/auth/me`, `/api/me` and the password change itself use this directly.
    """
    session = services.web_sessions.lookup(session_cookie)
    if session is None:
        code = "session_expired" if session_cookie else "not_authenticated"
        raise AuthError("sign in first", code=code)
    if session.locked:
        # The idle logoff locked this screen: re-enter at /api/auth/unlock (alerts still flow).
        raise AuthError("the screen is locked; enter your password to continue", code="locked")
    _check_csrf(request, session, csrf_cookie, csrf_header)
    return session


SignedInDep = Annotated[WebSession, Depends(get_signed_in)]


def get_web_session(session: SignedInDep) -> WebSession:
    """The signed-in user, who has no pending password change; state changes need CSRF too."""
    if session.password_change_required:
        raise ForbiddenError(
            "change your one-time password first (POST /api/me/password)",
            code="password_change_required",
        )
    return session


WebSessionDep = Annotated[WebSession, Depends(get_web_session)]


def get_actor(session: WebSessionDep) -> Actor:
    """The signed-in user as a `models` viewer."""
    return Actor(id=session.user_id, role=session.role)


ActorDep = Annotated[Actor, Depends(get_actor)]


def get_admin(actor: ActorDep) -> Actor:
    """The signed-in user, who must be an admin."""
    if actor.role is not Role.ADMIN:
        raise ForbiddenError("admins only")
    return actor


AdminDep = Annotated[Actor, Depends(get_admin)]
