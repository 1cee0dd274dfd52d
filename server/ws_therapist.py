"""`/ws/therapist`: the dashboard's live, resumable event stream (replay from `last_seq`)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from starlette.websockets import WebSocket

from models.types import Role
from server.auth import SESSION_COOKIE, WebSession
from server.events import Pong, ReplayDone, TherapistEvent, TherapistWelcome
from server.hub import TherapistHub
from server.messages import TherapistHello, TherapistPing
from server.protocol import ErrorCode, ProtocolError, parse_therapist_message
from server.services import Services
from server.ws_common import Channel, receive_hello_text, run_connection, same_origin

SESSION_CHECK_S = 15.0


async def therapist_socket(websocket: WebSocket, services: Services) -> None:
    """The whole life of one dashboard connection."""
    await run_connection(
        websocket,
        services.metrics,
        "therapist",
        lambda channel: _serve(websocket, channel, services),
    )


async def _serve(websocket: WebSocket, channel: Channel, services: Services) -> None:
    if not same_origin(websocket):
        raise ProtocolError(ErrorCode.FORBIDDEN, "cross-origin connection refused")
    cookie = websocket.cookies.get(SESSION_COOKIE)
    user = services.web_sessions.get(cookie)
    if user is None:
        raise ProtocolError(ErrorCode.AUTH_FAILED, "sign in first")
    text = await receive_hello_text(websocket)
    if text is None:
        return
    hello = parse_therapist_message(text)
    if not isinstance(hello, TherapistHello):
        raise ProtocolError(ErrorCode.HELLO_REQUIRED, "the first message must be hello")
    if hello.protocol != 1:
        raise ProtocolError(ErrorCode.UNSUPPORTED_PROTOCOL, "this server speaks protocol 1")
    if user.role is not Role.THERAPIST:
        # Admins and front desk own no sessions: an empty, but valid, stream.
        await channel.event(
            TherapistWelcome(user_id=str(user.user_id), latest_seq=0, replay_from=1)
        )
        await channel.event(ReplayDone(seq=0))
        await _receive_only(websocket, channel, services, cookie)
        return
    stream = _Stream(channel, services.hub, user.user_id)
    with services.hub.subscribe(user.user_id) as live:
        await stream.replay(hello.last_seq or 0)
        sender = asyncio.create_task(stream.forward(live))
        try:
            await _receive_only(websocket, channel, services, cookie, user)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender


class _Stream:
    """Sends a therapist's events exactly once each, in seq order."""

    def __init__(self, channel: Channel, hub: TherapistHub, therapist_id: uuid.UUID) -> None:
        self.channel = channel
        self.hub = hub
        self.therapist_id = therapist_id
        self.sent = 0

    async def replay(self, last_seq: int) -> None:
        latest = await self.hub.latest_seq(self.therapist_id)
        reset = last_seq > latest
        self.sent = 0 if reset else last_seq
        await self.channel.event(
            TherapistWelcome(
                user_id=str(self.therapist_id),
                latest_seq=latest,
                replay_from=self.sent + 1,
                reset=reset,
            )
        )
        await self.catch_up(audit_read=True)
        await self.channel.event(ReplayDone(seq=self.sent))

    async def catch_up(self, *, audit_read: bool) -> None:
        """Send everything stored after `sent`, batch by batch."""
        while batch := await self.hub.events_after(
            self.therapist_id, self.sent, audit_read=audit_read
        ):
            for event in batch:
                await self._send(event)
            audit_read = False

    async def forward(self, live: asyncio.Queue[TherapistEvent]) -> None:
        """Live events; a gap (e.g. events published while replaying) is filled from the store."""
        while True:
            event = await live.get()
            if event.seq == 0:
                await self.channel.event(event)  # an alert not stored yet: at once, no seq
                continue
            if event.seq <= self.sent:
                continue  # already replayed
            if event.seq == self.sent + 1:
                await self._send(event)
            else:
                await self.catch_up(audit_read=False)

    async def _send(self, event: TherapistEvent) -> None:
        await self.channel.event(event)
        self.sent = event.seq


async def _receive_only(
    websocket: WebSocket,
    channel: Channel,
    services: Services,
    cookie: str | None,
    user: WebSession | None = None,
) -> None:
    """Answer pings, report bad messages, and close when the sign-in ends (logout, idle)."""
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive(), SESSION_CHECK_S)
        except TimeoutError:
            message = None
        if services.web_sessions.get(cookie, touch=False) is None:
            raise ProtocolError(ErrorCode.AUTH_FAILED, "signed out")
        if message is None:
            continue
        if message["type"] == "websocket.disconnect":
            return
        text = message.get("text")
        try:
            if text is None:
                raise ProtocolError(ErrorCode.BAD_MESSAGE, "binary frames are not used here")
            parsed = parse_therapist_message(text)
            if isinstance(parsed, TherapistPing):
                await channel.event(Pong(nonce=parsed.nonce))
            else:
                raise ProtocolError(ErrorCode.NOT_ALLOWED_NOW, "hello was already received")
        except ProtocolError as error:
            await channel.error(error)
