"""Who may see operational detail (/metrics, full /health, API docs): this machine or an admin.

A request counts as local only if its peer is a loopback address and it did not come through a
proxy (a proxy on this machine would make every outside visitor look local).
"""

from __future__ import annotations

import ipaddress
from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from models.types import Role
from server.auth import SESSION_COOKIE
from server.errors import ServerError

PROXY_HEADERS = ("x-forwarded-for", "forwarded", "x-real-ip")


class NotHereError(ServerError):
    """Operational detail is not served to this requester (looks like a missing page)."""

    default_code = "not_found"
    status = 404


def is_local(conn: HTTPConnection) -> bool:
    """Loopback peer, and no proxy header."""
    host = conn.client.host if conn.client else ""
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return loopback and not any(name in conn.headers for name in PROXY_HEADERS)


def signed_in_role(conn: HTTPConnection) -> Role | None:
    """The role of a signed-in browser (read-only check: the idle timer is not touched)."""
    services = getattr(conn.app.state, "services", None)
    if services is None:
        return None
    session = services.web_sessions.get(conn.cookies.get(SESSION_COOKIE), touch=False)
    return None if session is None else Role(session.role)


def is_admin(conn: HTTPConnection) -> bool:
    """A signed-in admin's browser."""
    return signed_in_role(conn) is Role.ADMIN


def may_see_details(conn: HTTPConnection) -> bool:
    """Whether this requester may see operational detail."""
    return is_local(conn) or is_admin(conn)


def require_ops_viewer(conn: HTTPConnection) -> None:
    """404 unless local or a signed-in admin."""
    if not may_see_details(conn):
        raise NotHereError("not found")


OpsViewerDep = Annotated[None, Depends(require_ops_viewer)]
