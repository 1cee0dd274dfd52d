"""Application factory: lifespan (models load once), routes, websockets, static pages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, WebSocket
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

import kiosk
from models import errors as data_errors
from server import __version__
from server.api import (
    admin_audit,
    admin_routes,
    admin_users,
    alert_routes,
    auth_routes,
    break_glass_routes,
    crisis_routes,
    enrol_routes,
    feedback_routes,
    health_routes,
    me_routes,
    ops_docs,
    presence_routes,
    report_routes,
    session_routes,
    therapist_routes,
)
from server.config import Settings
from server.deps import ServicesDep
from server.errors import ServerError
from server.housekeeping import escalate_forever, purge_forever
from server.security_headers import SecurityHeadersMiddleware
from server.services import Services, load_services
from server.socket_cap import SocketCap
from server.text_guard import RejectInvalidText
from server.ws_kiosk import kiosk_socket
from server.ws_therapist import therapist_socket

log = logging.getLogger(__name__)
KIOSK_WEB_DIR = Path(kiosk.__file__).parent / "web"
DASHBOARD_DIR = Path(__file__).parent / "static" / "dashboard"

# models' error classes -> HTTP status (checked in order: subclasses first).
DATA_STATUS: tuple[tuple[type[data_errors.DataError], int], ...] = (
    (data_errors.AccountLockedError, 423),
    (data_errors.AuthenticationError, 401),
    (data_errors.AuthorizationError, 403),
    (data_errors.NotFoundError, 404),
    (data_errors.PasswordPolicyError, 422),
    (data_errors.InvalidInputError, 422),
    (data_errors.ConflictError, 409),
)


def create_app(
    settings: Settings,
    *,
    keyring_env_value: str | None = None,
    services: Services | None = None,
) -> FastAPI:
    """Build the app; the lifespan loads everything unless `services` are given (tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if services is not None:
            loaded = services
        else:
            loaded = await asyncio.to_thread(
                load_services, settings, keyring_env_value=keyring_env_value
            )
        app.state.services = loaded
        await loaded.fanout.start()  # Redis unreachable: the start fails, clearly
        tasks = [
            asyncio.create_task(purge_forever(loaded)),
            asyncio.create_task(escalate_forever(loaded)),
        ]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await loaded.parking.close()
            await loaded.fanout.close()
            # Give queued turn writes a moment (a clean stop should lose nothing).
            await loaded.writes.drain(5.0)
            await loaded.writes.close()
            if services is None:
                loaded.close()

    # The docs and schema are served by server/api/ops_docs.py, to local requests and admins.
    app = FastAPI(title="Reflect Kiosk", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.add_middleware(RejectInvalidText)  # lone surrogates: a clean 400, never a 500
    app.add_middleware(SocketCap, limit=settings.server.max_connections)
    app.add_middleware(SecurityHeadersMiddleware, tls=bool(settings.server.certfile))
    for router in (
        auth_routes.router,
        session_routes.router,
        crisis_routes.router,
        therapist_routes.router,
        alert_routes.router,
        admin_routes.router,
        admin_users.router,
        admin_audit.router,
        break_glass_routes.router,
        enrol_routes.router,
        me_routes.router,
        health_routes.router,
        ops_docs.router,
        presence_routes.router,
        report_routes.router,
        feedback_routes.router,
    ):
        app.include_router(router)
    _add_error_handlers(app)
    _add_sockets(app)
    _mount_static(app)
    return app


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": {"code": code, "message": message}}, status_code=status)


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ServerError)
    async def server_error(request: Request, exc: ServerError) -> JSONResponse:
        return _error(exc.status, exc.code, str(exc))

    @app.exception_handler(data_errors.DataError)
    async def data_error(request: Request, exc: data_errors.DataError) -> JSONResponse:
        for kind, status in DATA_STATUS:
            if isinstance(exc, kind):
                return _error(status, getattr(exc, "code", kind.code), str(exc))
        log.error("data error %s on %s", type(exc).__name__, request.url.path)
        return _error(500, "internal", "internal error")


def _add_sockets(app: FastAPI) -> None:
    @app.websocket("/ws/kiosk")
    async def ws_kiosk(websocket: WebSocket, services: ServicesDep) -> None:
        await kiosk_socket(websocket, services)

    @app.websocket("/ws/therapist")
    async def ws_therapist(websocket: WebSocket, services: ServicesDep) -> None:
        await therapist_socket(websocket, services)


def _mount_static(app: FastAPI) -> None:
    """Mount the pages if their folders exist; a placeholder otherwise (never a crash)."""

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/dashboard/")

    for prefix, directory in (("/kiosk", KIOSK_WEB_DIR), ("/dashboard", DASHBOARD_DIR)):
        if (directory / "index.html").is_file():
            app.mount(prefix, StaticFiles(directory=directory, html=True), name=prefix[1:])
        else:
            app.add_api_route(
                prefix + "/{rest:path}", _placeholder(prefix), include_in_schema=False
            )


def _placeholder(prefix: str) -> Callable[[str], HTMLResponse]:
    def page(rest: str = "") -> HTMLResponse:
        return HTMLResponse(
            f"<!doctype html><title>Reflect Kiosk</title><p>The {prefix[1:]} page is not "
            "installed yet.</p>",
            status_code=503,
        )

    return page
