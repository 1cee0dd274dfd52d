"""`/ws/kiosk`: authenticate the kiosk, then route JSON messages and audio into its session."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from starlette.websockets import WebSocket

from models.errors import DataError
from reflection.flow import EndReason
from server import __version__
from server.conversations import EngineConversations
from server.errors import ServerBusyError
from server.fanout import Holding
from server.join_guard import guarded_join, off_loop
from server.kiosk_events import Welcome
from server.kiosk_session import KioskPolicy, KioskPrefs, KioskSession
from server.kiosk_store import KioskStore
from server.messages import MAX_TEXT_CHARS, Join, KioskHello
from server.protocol import (
    MAX_AUDIO_IN_BYTES,
    MAX_TEXT_FRAME_BYTES,
    ErrorCode,
    ProtocolError,
    parse_kiosk_message,
)
from server.services import Services
from server.voice_loading import endpointer_config, turn_taking
from server.ws_common import Channel, receive_hello_text, run_connection

log = logging.getLogger(__name__)


async def kiosk_socket(websocket: WebSocket, services: Services) -> None:
    """The whole life of one kiosk connection."""
    await run_connection(
        websocket, services.metrics, "kiosk", lambda channel: _serve(websocket, channel, services)
    )


async def _serve(websocket: WebSocket, channel: Channel, services: Services) -> None:
    client_ip = websocket.client.host if websocket.client else "?"
    failures = services.limits.auth_failures
    if await off_loop(failures, lambda: failures.exhausted(f"ip:{client_ip}")):
        raise ProtocolError(ErrorCode.AUTH_FAILED, "too many failed attempts; wait a minute")
    text = await receive_hello_text(websocket)
    if text is None:
        return
    hello = parse_kiosk_message(text)
    if not isinstance(hello, KioskHello):
        raise ProtocolError(ErrorCode.HELLO_REQUIRED, "the first message must be hello")
    if hello.protocol != 1:
        raise ProtocolError(ErrorCode.UNSUPPORTED_PROTOCOL, "this server speaks protocol 1")
    settings = services.settings
    store = KioskStore(
        services.database, services.hub, services.metrics, settings.reflection.live_transcript,
        services.writes,
    )
    kiosk = await store.authenticate(hello.token)
    if kiosk is None:
        await off_loop(failures, lambda: failures.allow(f"ip:{client_ip}"))
        raise ProtocolError(ErrorCode.AUTH_FAILED, "unknown or revoked kiosk token")
    key = str(kiosk.id)
    services.kiosk_sockets.add(kiosk.id, channel)  # revocation closes it (4401)
    services.fanout.hold(Holding(key, services.fanout.process_id))  # online on the dashboard
    if not services.limits.open_kiosks.acquire(key):
        services.kiosk_sockets.discard(kiosk.id, channel)
        raise ProtocolError(ErrorCode.TOO_MANY_CONNECTIONS, "this kiosk has too many connections")
    try:
        await channel.event(
            Welcome(
                kiosk_id=key,
                server=__version__,
                limits={
                    "max_frame_bytes": MAX_AUDIO_IN_BYTES,
                    "max_text_bytes": MAX_TEXT_FRAME_BYTES,
                    "max_text_chars": MAX_TEXT_CHARS,
                    "max_utterance_s": settings.vad.max_utterance_s,
                    "max_messages_per_s": services.limits.messages_per_s,
                },
                audio={"input_rate": 16000, "input_format": "pcm16le", "output_format": "pcm16le"},
            )
        )
        session = await _resume(channel, services, hello, kiosk.id)
        if session is None:
            session = _new_session(channel, store, services, hello)
        await _loop(websocket, channel, session, services, client_ip)
    finally:
        services.kiosk_sockets.discard(kiosk.id, channel)
        services.limits.open_kiosks.release(key)
        if not services.kiosk_sockets.count(kiosk.id):
            services.fanout.release(key)


async def _resume(
    channel: Channel, services: Services, hello: KioskHello, kiosk_id: uuid.UUID
) -> KioskSession | None:
    """The session a reconnecting kiosk left, in the state it left (None: start afresh)."""
    if hello.resume_token is None:
        return None
    session = services.parking.take(hello.resume_token, kiosk_id)
    if session is not None:
        session.prefs.audio_out = hello.capabilities.audio_out
        if await session.resume(channel):
            session.store.kiosk_status("online")
            return session
        await session.end(EndReason.DISCONNECTED)
    await channel.error(
        ProtocolError(ErrorCode.RESUME_EXPIRED, "that session can no longer be resumed")
    )
    return None


def _new_session(
    channel: Channel, store: KioskStore, services: Services, hello: KioskHello
) -> KioskSession:
    settings = services.settings
    vad = settings.vad
    policy = KioskPolicy(
        max_turns=settings.reflection.max_turns,
        session_minutes=settings.reflection.session_minutes,
        live_transcript=settings.reflection.live_transcript,
        endpointer=endpointer_config(vad, speculate=True),
        inactivity_s=settings.session.inactivity_s,
        resume_window_s=settings.session.resume_window_s,
    )
    prefs = KioskPrefs(
        lang=hello.lang,
        tts_rate=settings.tts.rate,
        end_silence_ms=vad.end_silence_ms,
        audio_out=hello.capabilities.audio_out,
    )
    return KioskSession(
        channel=channel,
        store=store,
        pool=services.pool,
        transcriber=services.voice.transcriber(),
        speaker=services.voice.speaker(),
        new_vad_stream=services.voice.vad.new_stream,
        conversations=services.conversations,
        metrics=services.metrics,
        policy=policy,
        prefs=prefs,
        turns=turn_taking(vad, services.voice.smart_turn, screen=_risk_level(services)),
    )


def _risk_level(services: Services) -> Callable[[str, str], int] | None:
    """The engine's screener for the turn decider (crisis words end a turn at once)."""
    conversations = services.conversations
    return conversations.risk_level if isinstance(conversations, EngineConversations) else None


async def _loop(
    websocket: WebSocket, channel: Channel, session: KioskSession, services: Services, ip: str
) -> None:
    limiter = services.limits.message_limiter()
    registered: uuid.UUID | None = None
    watchdog = asyncio.create_task(
        _watch_inactivity(session, services.settings.session.inactivity_check_s)
    )
    last_limited = 0.0
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
            loop_time = asyncio.get_running_loop().time()
            if not limiter.allow("socket"):
                if loop_time - last_limited >= 1.0:  # one error per second, not per message
                    last_limited = loop_time
                    await channel.error(ProtocolError(ErrorCode.RATE_LIMITED, "too many messages"))
                continue
            try:
                if message.get("bytes") is not None:
                    await session.handle_audio(message["bytes"])
                elif message.get("text") is not None:
                    parsed = parse_kiosk_message(message["text"])
                    if isinstance(parsed, Join):
                        await _join(services, session, parsed, ip)
                    else:
                        await session.handle(parsed)
            except ProtocolError as error:
                await channel.error(error)
            except (ServerBusyError, DataError) as exc:
                # Expected failures of one request: report with a code, keep the socket.
                log.warning("kiosk request failed: %s (%s)", type(exc).__name__, exc.code)
                code = (
                    ErrorCode.SERVER_BUSY
                    if isinstance(exc, ServerBusyError)
                    else ErrorCode.INTERNAL
                )
                await channel.error(ProtocolError(code, "the request could not be completed"))
            registered = _track(services, session, registered)
    finally:
        watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watchdog
        if session.store.session is not None and session.resume_token:
            # The connection dropped, not the session: it waits for the kiosk to come back.
            kiosk = session.store.kiosk
            assert kiosk is not None

            async def expired(parked: KioskSession, joined: uuid.UUID | None = registered) -> None:
                if joined is not None:
                    services.kiosks.unregister(joined, parked)

            services.parking.park(session, kiosk.id, expired)
        else:
            if registered is not None:
                services.kiosks.unregister(registered, session)
            if session.store.session is not None:
                await asyncio.shield(session.end(EndReason.DISCONNECTED))


async def _join(services: Services, session: KioskSession, join: Join, ip: str) -> None:
    """Redeem a code; guesses are limited per kiosk, per address and overall (counted first)."""
    kiosk = session.store.kiosk
    keys = (f"kiosk:{kiosk.id if kiosk else '?'}", f"ip:{ip}")
    limits = services.limits
    await guarded_join((limits.joins, limits.joins_overall), keys, lambda: session.handle(join))


def _track(
    services: Services, session: KioskSession, registered: uuid.UUID | None
) -> uuid.UUID | None:
    joined = session.store.session
    current = joined.id if joined else None
    if current != registered:
        if registered is not None:
            services.kiosks.unregister(registered, session)
        if current is not None:
            services.kiosks.register(current, session)
        kiosk = session.store.kiosk
        if kiosk is not None and services.kiosk_sockets.count(kiosk.id):
            # Presence names the session, so a dead process's kiosk shows offline in it.
            services.fanout.hold(Holding(
                str(kiosk.id), services.fanout.process_id,
                session_id=str(current or ""),
                therapist_id=str(joined.therapist_id) if joined else ""))
    return current


async def _watch_inactivity(session: KioskSession, every_s: float) -> None:
    while True:
        await asyncio.sleep(every_s)
        try:
            await session.check_inactivity()
        except Exception:
            log.exception("inactivity check failed")
