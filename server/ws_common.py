"""Helpers shared by both websocket endpoints: sending events, errors, the hello handshake."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.events import Event
from server.metrics import ServerMetrics
from server.protocol import FATAL_CLOSE, ErrorCode, ProtocolError, encode_event

log = logging.getLogger(__name__)
HELLO_TIMEOUT_S = 10.0
# What sending to a client that already went away raises (uvicorn's is an OSError).
_GONE = (WebSocketDisconnect, RuntimeError, OSError)


class Channel:
    """One accepted websocket: serialised sends, error reporting, and closing with a code."""

    def __init__(self, websocket: WebSocket, metrics: ServerMetrics) -> None:
        self.websocket = websocket
        self.metrics = metrics
        self._send_lock = asyncio.Lock()

    @property
    def open(self) -> bool:
        """Whether both sides still consider the socket open."""
        return (
            self.websocket.client_state is WebSocketState.CONNECTED
            and self.websocket.application_state is WebSocketState.CONNECTED
        )

    async def event(self, event: Event) -> None:
        """Send one JSON event; a vanished client is not an error here."""
        text = encode_event(event)
        async with self._send_lock:
            if self.open:
                with contextlib.suppress(*_GONE):  # the receive loop notices the disconnect
                    await self.websocket.send_text(text)

    async def audio(self, frame: bytes) -> None:
        """Send one binary frame."""
        async with self._send_lock:
            if self.open:
                with contextlib.suppress(*_GONE):
                    await self.websocket.send_bytes(frame)

    async def error(self, error: ProtocolError) -> None:
        """Report a problem; close the socket after a fatal one."""
        self.metrics.errors.labels(code=error.code.value).inc()
        await self.event(error.to_event())
        if error.fatal:
            await self.close(FATAL_CLOSE[error.code])

    async def close(self, code: int) -> None:
        """Close if still open."""
        if self.open:
            with contextlib.suppress(*_GONE):  # the client left first
                await self.websocket.close(code)


async def run_connection(
    websocket: WebSocket,
    metrics: ServerMetrics,
    kind: str,
    serve: Callable[[Channel], Awaitable[None]],
) -> None:
    """Accept, count and serve one socket; a protocol error is reported; it always closes."""
    await websocket.accept()
    channel = Channel(websocket, metrics)
    metrics.connections.labels(kind=kind).inc()
    try:
        await serve(channel)
    except ProtocolError as error:
        await channel.error(error)
    finally:
        metrics.connections.labels(kind=kind).dec()
        await channel.close(1000)


async def receive_hello_text(websocket: WebSocket) -> str | None:
    """The first text frame, within the hello timeout; raises ProtocolError if not text."""
    try:
        message = await asyncio.wait_for(websocket.receive(), HELLO_TIMEOUT_S)
    except TimeoutError as exc:
        raise ProtocolError(ErrorCode.HELLO_TIMEOUT, "no hello within 10 s") from exc
    if message["type"] == "websocket.disconnect":
        return None
    text = message.get("text")
    if text is None:
        raise ProtocolError(ErrorCode.HELLO_REQUIRED, "the first message must be a JSON hello")
    return str(text)


def same_origin(websocket: WebSocket) -> bool:
    """Browsers always send Origin; it must name this host (cross-site websocket hijacking)."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True  # not a browser: it cannot be carrying a victim's cookie
    host = websocket.headers.get("host", "")
    return urlsplit(origin).netloc.lower() == host.lower()
