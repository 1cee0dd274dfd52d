"""Parked kiosk sessions: taken back by the same kiosk within the window, ended after it."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from reflection.flow import EndReason
from server.kiosk_parking import Parking


class Store:
    def __init__(self) -> None:
        self.statuses: list[str] = []
        self.session: object | None = object()  # a joined session until it ends

    def kiosk_status(self, status: str) -> None:
        self.statuses.append(status)


class Flow:
    in_crisis = False


class Session:
    def __init__(self, token: str) -> None:
        self.resume_token = token
        self.store = Store()
        self.flow = Flow()
        self.detached = False
        self.ended: list[EndReason] = []

    def detach(self) -> None:
        self.detached = True

    async def end(self, reason: EndReason) -> None:
        self.ended.append(reason)


async def test_the_same_kiosk_takes_its_session_back_within_the_window() -> None:
    parking = Parking(window_s=5)
    kiosk, other = uuid.uuid4(), uuid.uuid4()
    session: Any = Session("t1")
    expired: list[Any] = []

    async def on_expired(s: Any) -> None:
        expired.append(s)

    parking.park(session, kiosk, on_expired)
    assert session.detached and session.store.statuses == ["offline"]
    assert parking.take("t1", other) is None  # another kiosk's token is as good as none
    assert parking.take("nope", kiosk) is None
    assert parking.take("t1", kiosk) is session and len(parking) == 0
    await asyncio.sleep(0)
    assert session.ended == [] and expired == []


async def test_after_the_window_the_session_ends_as_disconnected() -> None:
    parking = Parking(window_s=0.05)
    session: Any = Session("t2")
    expired: list[Any] = []

    async def on_expired(s: Any) -> None:
        expired.append(s)

    parking.park(session, uuid.uuid4(), on_expired)
    await asyncio.sleep(0.2)
    assert session.ended == [EndReason.DISCONNECTED] and expired == [session]
    assert session.store.statuses == ["offline", "disconnected"] and len(parking) == 0


async def test_a_crisis_session_outlasts_the_window_until_staff_clear_it() -> None:
    parking = Parking(window_s=0.05)
    kiosk = uuid.uuid4()
    session: Any = Session("t3")
    session.flow.in_crisis = True
    expired: list[Any] = []

    async def on_expired(s: Any) -> None:
        expired.append(s)

    parking.park(session, kiosk, on_expired)
    await asyncio.sleep(0.3)  # six windows: still parked, the crisis screen still held
    assert session.ended == [] and expired == [] and len(parking) == 1
    assert parking.take("t3", kiosk) is session  # the kiosk comes back to its crisis screen

    again: Any = Session("t4")
    again.flow.in_crisis = True
    parking.park(again, kiosk, on_expired)
    await asyncio.sleep(0.1)
    # Staff clear it from the dashboard: the session ends there (not as "disconnected").
    again.flow.in_crisis = False
    again.store.session = None
    await asyncio.sleep(0.15)
    assert again.ended == [] and expired == [again] and len(parking) == 0
    assert again.store.statuses == ["offline"]
