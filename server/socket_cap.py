"""A cap on open websockets (uvicorn's `limit_concurrency` does not count upgraded sockets)."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send


class SocketCap:
    """Pure ASGI middleware: beyond `limit` open websockets, refuse new ones with HTTP 503."""

    def __init__(self, app: ASGIApp, *, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.open = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or self.limit <= 0:
            await self.app(scope, receive, send)
            return
        if self.open >= self.limit:
            await _refuse(scope, receive, send)
            return
        self.open += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open -= 1


async def _refuse(scope: Scope, receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    if "websocket.http.response" in scope.get("extensions", {}):
        body = b'{"detail":{"code":"server_busy","message":"too many connections"}}'
        await send({"type": "websocket.http.response.start", "status": 503,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "websocket.http.response.body", "body": body})
    else:
        await send({"type": "websocket.close", "code": 1013})  # try again later
