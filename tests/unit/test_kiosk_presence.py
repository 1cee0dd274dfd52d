"""One process: a kiosk is online while this process holds its socket."""

from __future__ import annotations

from server.fanout import Holding, InMemoryFanout
from server.kiosk_presence import KioskOnline, online_kiosks


async def test_online_while_held_in_session_once_joined_offline_once_released() -> None:
    fanout = InMemoryFanout()
    assert await online_kiosks(fanout) == {}
    fanout.hold(Holding("k1", fanout.process_id))
    fanout.hold(Holding("k2", fanout.process_id))
    fanout.hold(Holding("k2", fanout.process_id, session_id="s", therapist_id="t"))
    assert await online_kiosks(fanout) == {
        "k1": KioskOnline("k1", fanout.process_id, in_session=False),
        "k2": KioskOnline("k2", fanout.process_id, in_session=True),
    }
    fanout.release("k1")
    assert set(await online_kiosks(fanout)) == {"k2"}
