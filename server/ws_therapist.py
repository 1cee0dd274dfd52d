"""`/ws/therapist`: the dashboard's live, resumable event stream (replay from `last_seq`).

A locked dashboard (idle logoff) stays connected: alerts and session status still arrive (an
alert without its trigger words), client text does not; after re-entry the page reconnects from
the seq it had when it locked and gets what it missed. Front-desk and admin screens get the
staff channel: escalated alerts and their acknowledgements.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from starlette.websockets import WebSocket

from models.types import Role
from server.auth import SESSION_COOKIE
from server.events import (
    Pong,
    ReplayDone,
    ScreenLocked,
    TherapistEvent,
    TherapistEventKind,
    TherapistWelcome,
)
from server.hub import TherapistHub
from server.messages import TherapistHello, TherapistPing
from server.protocol import ErrorCode, ProtocolError, parse_therapist_message
from server.services import Services
from server.ws_common import Channel, receive_hello_text, run_connection, same_origin

SESSION_CHECK_S = 15.0
LOCK_RECHECK_S = 1.0
# What a locked screen still receives: no client text in any of these (alerts lose their words).
WHILE_LOCKED = frozenset({
    TherapistEventKind.SESSION_CREATED.value, TherapistEventKind.SESSION_JOINED.value,
    TherapistEventKind.CONSENT.value, TherapistEventKind.RISK_ALERT.value,
    TherapistEventKind.ALERT_ACKNOWLEDGED.value, TherapistEventKind.ALERT_ESCALATED.value,
    TherapistEventKind.CALL_IN_SENT.value, TherapistEventKind.SESSION_ENDED.value,
    "kiosk_status", TherapistEventKind.SESSION_STATUS.value,
    TherapistEventKind.SESSION_CANCELLED.value,
})
CLIENT_WORDS = ("trigger_words", "evidence")


async def therapist_socket(websocket: WebSocket, services: Services) -> None:
    """The whole life of one dashboard connection."""
    await run_connection(
        websocket,
        services.metrics,
        "therapist",
        lambda channel: _serve(websocket, channel, services),
    )


class _Gate:
    """Whether this sign-in is locked, re-read at most once a second (and on every check)."""

    def __init__(self, services: Services, channel: Channel, cookie: str | None) -> None:
        self.services = services
        self.channel = channel
        self.cookie = cookie
        self.locked = False
        self.checked = 0.0

    async def refresh(self) -> bool:
        """Re-read the sign-in; False once it ended (sign-out, deactivation, age)."""
        session = await asyncio.to_thread(
            self.services.web_sessions.lookup, self.cookie, touch=False
        )
        self.checked = time.monotonic()
        if session is None or session.password_change_required:
            return False
        if session.locked and not self.locked:
            await self.channel.event(ScreenLocked())
        self.locked = session.locked
        return True

    async def admit(self, event: TherapistEvent) -> TherapistEvent | None:
        """The event as this screen may see it now, or None to hold it back."""
        if time.monotonic() - self.checked > LOCK_RECHECK_S and not await self.refresh():
            raise ProtocolError(ErrorCode.AUTH_FAILED, "signed out")
        if not self.locked:
            return event
        if event.event.value not in WHILE_LOCKED:
            return None
        data = {k: v for k, v in event.data.items() if k not in CLIENT_WORDS}
        return dataclasses.replace(event, data=data)


async def _serve(websocket: WebSocket, channel: Channel, services: Services) -> None:
    if not same_origin(websocket):
        raise ProtocolError(ErrorCode.FORBIDDEN, "cross-origin connection refused")
    cookie = websocket.cookies.get(SESSION_COOKIE)
    gate = _Gate(services, channel, cookie)
    user = await asyncio.to_thread(services.web_sessions.lookup, cookie, touch=False)
    if user is None or not await gate.refresh():
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
        # Admins and front desk own no sessions: no sequenced stream, but the staff channel.
        await channel.event(
            TherapistWelcome(user_id=str(user.user_id), latest_seq=0, replay_from=1)
        )
        await channel.event(ReplayDone(seq=0))
        with services.hub.subscribe_staff() as staff:
            for event in await services.hub.open_escalations():
                await _send_admitted(channel, gate, event)
            await _run(websocket, channel, gate, _forward_staff(channel, gate, staff))
        return
    stream = _Stream(channel, services.hub, user.user_id, gate)
    with services.hub.subscribe(user.user_id) as live:
        await stream.replay(hello.last_seq or 0)
        await _run(websocket, channel, gate, stream.forward(live))


async def _run(
    websocket: WebSocket, channel: Channel, gate: _Gate, sending: Coroutine[Any, Any, None]
) -> None:
    sender = asyncio.create_task(sending)
    try:
        await _receive_only(websocket, channel, gate)
    finally:
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


async def _send_admitted(channel: Channel, gate: _Gate, event: TherapistEvent) -> None:
    admitted = await gate.admit(event)
    if admitted is not None:
        await channel.event(admitted)


async def _forward_staff(
    channel: Channel, gate: _Gate, staff: asyncio.Queue[TherapistEvent]
) -> None:
    while True:
        await _send_admitted(channel, gate, await staff.get())


class _Stream:
    """Sends a therapist's events exactly once each, in seq order (held back while locked)."""

    def __init__(
        self, channel: Channel, hub: TherapistHub, therapist_id: uuid.UUID, gate: _Gate
    ) -> None:
        self.channel = channel
        self.hub = hub
        self.therapist_id = therapist_id
        self.gate = gate
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
                # An alert not stored yet: at once, no seq, but through the lock like any other.
                await _send_admitted(self.channel, self.gate, event)
                continue
            if event.seq <= self.sent:
                continue  # already replayed
            if event.seq == self.sent + 1:
                await self._send(event)
            else:
                await self.catch_up(audit_read=False)

    async def _send(self, event: TherapistEvent) -> None:
        # A held-back event still counts as passed: the page re-asks from its lock-time seq.
        admitted = await self.gate.admit(event)
        if admitted is not None:
            await self.channel.event(admitted)
        self.sent = event.seq


async def _receive_only(websocket: WebSocket, channel: Channel, gate: _Gate) -> None:
    """Answer pings, report bad messages, and close when the sign-in ends (not when locked)."""
    while True:
        try:
            message = await asyncio.wait_for(websocket.receive(), SESSION_CHECK_S)
        except TimeoutError:
            message = None
        if not await gate.refresh():
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
