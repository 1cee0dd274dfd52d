"""The kiosk session performs the flow's decisions: the crisis screen outlasts inactivity."""

from __future__ import annotations

import time
from typing import Any

from reflection.flow import EndReason, FlowState
from server.kiosk_events import Ended
from server.kiosk_session import KioskPolicy, KioskPrefs, KioskSession
from server.metrics import ServerMetrics
from server.workers import ModelPool
from voice.endpointer import EndpointerConfig


class Channel:
    def __init__(self) -> None:
        self.items: list[Any] = []
        self.open = True

    async def event(self, event: Any) -> None:
        self.items.append(event)

    async def audio(self, frame: bytes) -> None:
        self.items.append(frame)

    async def error(self, error: Any) -> None:
        self.items.append(error)


class Store:
    def __init__(self) -> None:
        self.session: object | None = object()
        self.ended: list[EndReason] = []

    async def end(self, reason: EndReason) -> None:
        self.session = None
        self.ended.append(reason)


def _session(pool: ModelPool) -> tuple[KioskSession, Store, Channel]:
    channel, store = Channel(), Store()
    policy = KioskPolicy(max_turns=8, session_minutes=10, live_transcript=False,
                         endpointer=EndpointerConfig(), inactivity_s=0.0)
    session = KioskSession(
        channel=channel,  # type: ignore[arg-type]
        store=store,  # type: ignore[arg-type]
        pool=pool, transcriber=None, speaker=None,  # type: ignore[arg-type]
        new_vad_stream=lambda: None,  # type: ignore[arg-type, return-value]
        conversations=None,  # type: ignore[arg-type]
        metrics=ServerMetrics(), policy=policy, prefs=KioskPrefs(),
    )
    session.flow.joined()
    session.flow.consent(True, now=time.monotonic())
    return session, store, channel


async def test_the_crisis_screen_has_no_inactivity_timeout() -> None:
    pool = ModelPool(1)
    try:
        session, store, _ = _session(pool)
        session.flow.crisis()
        session.last_activity = time.monotonic() - 3600  # an idle hour
        await session.check_inactivity()
        assert store.ended == [] and session.state is FlowState.CRISIS

        other, other_store, other_channel = _session(pool)
        other.last_activity = time.monotonic() - 3600
        await other.check_inactivity()
        assert other_store.ended == [EndReason.TIMEOUT]
        assert any(isinstance(i, Ended) and i.reason is EndReason.TIMEOUT
                   for i in other_channel.items)
    finally:
        pool.shutdown()


async def test_clear_crisis_ends_only_a_session_in_crisis() -> None:
    pool = ModelPool(1)
    try:
        session, store, _ = _session(pool)
        assert await session.clear_crisis() is False and store.ended == []
        session.flow.crisis()
        assert await session.clear_crisis() is True
        assert store.ended == [EndReason.STAFF_CLEARED] and session.state is FlowState.IDLE
    finally:
        pool.shutdown()
