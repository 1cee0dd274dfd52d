"""The Redis side of several server processes, against a real Redis (scripts/redis.sh):
events between two fanouts, a command routed to the holder, presence that expires with its
process, and limits counted once for all processes."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest
import redis

from server.events import TherapistEvent, TherapistEventKind
from server.fanout import Holding
from server.fanout_redis import RedisFanout
from server.limits_redis import RedisLoginThrottle, RedisRateLimiter, sync_client
from server.login_throttle import LoginThrottle, ThrottleRule

pytestmark = [pytest.mark.integration, pytest.mark.redis]


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REFLECT_TEST_REDIS_URL")
    if not url:
        pytest.skip("needs REFLECT_TEST_REDIS_URL (scripts/redis.sh prints it)")
    return url


@pytest.fixture
def prefix() -> str:
    return f"reflect-it-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def client(redis_url: str, prefix: str) -> Iterator[redis.Redis]:
    made = sync_client(redis_url)
    yield made
    for key in made.scan_iter(f"{prefix}*"):
        made.delete(key)
    made.close()


class Process:
    """One fanout with what a server would attach to it."""

    def __init__(self, url: str, prefix: str, ttl_s: float = 6.0) -> None:
        self.fanout = RedisFanout(url, presence_ttl_s=ttl_s, prefix=prefix)
        self.delivered: asyncio.Queue[tuple[str, TherapistEvent]] = asyncio.Queue()
        self.commands: list[tuple[uuid.UUID, str]] = []
        self.lost: list[Holding] = []
        self.screens: dict[str, int] = {}
        self.fanout.attach(lambda c, e: self.delivered.put_nowait((c, e)), self._run,
                           self._lost, lambda: self.screens)

    async def _run(self, session_id: uuid.UUID, name: str) -> bool:
        self.commands.append((session_id, name))
        return True

    async def _lost(self, holding: Holding) -> None:
        self.lost.append(holding)


@pytest.fixture
async def pair(redis_url: str, prefix: str, client: redis.Redis
               ) -> AsyncIterator[tuple[Process, Process]]:
    a, b = Process(redis_url, prefix, 1.5), Process(redis_url, prefix, 1.5)
    await a.fanout.start()
    await b.fanout.start()
    yield a, b
    await a.fanout.close()
    await b.fanout.close()


def event(seq: int) -> TherapistEvent:
    return TherapistEvent(seq=seq, event=TherapistEventKind.TURN, session_id=str(uuid.uuid4()),
                          at="2026-12-02T01:00:00Z", data={"turn": seq})


async def test_events_reach_the_other_process_in_publish_order(
    pair: tuple[Process, Process],
) -> None:
    a, b = pair
    therapist = str(uuid.uuid4())
    for seq in range(1, 21):
        await a.fanout.publish(therapist, event(seq))
    got = [await asyncio.wait_for(b.delivered.get(), 5) for _ in range(20)]
    assert [(c, e.seq) for c, e in got] == [(therapist, s) for s in range(1, 21)]
    assert got[0][1].data == {"turn": 1}
    assert a.delivered.empty(), "a process does not hear its own events back"


async def test_a_command_reaches_the_process_holding_the_session(
    pair: tuple[Process, Process],
) -> None:
    a, b = pair
    session = uuid.uuid4()
    assert await b.fanout.command(session, "call_in") is False, "nobody holds it yet"
    a.fanout.route(session)
    await asyncio.sleep(0.3)  # the route is written at once, by the presence task
    assert await b.fanout.command(session, "call_in") is True
    assert a.commands == [(session, "call_in")] and b.commands == []
    a.fanout.unroute(session)
    await asyncio.sleep(0.3)
    assert await b.fanout.command(session, "clear_crisis") is False


async def test_a_dead_process_s_kiosks_go_offline_once(
    redis_url: str, prefix: str, client: redis.Redis,
) -> None:
    a, b, c = (Process(redis_url, prefix, 1.5) for _ in range(3))
    for process in (a, b, c):
        await process.fanout.start()
    a.screens = {"t1": 2}
    a.fanout.hold(Holding("kiosk-1", a.fanout.process_id, "s1", "t1"))
    await asyncio.sleep(1.0)
    assert set(await b.fanout.online()) == {"kiosk-1"}
    assert b.fanout.remote_screens("t1") == 2
    # Killed, not closed: its tasks stop and nothing is cleaned up.
    for task in a.fanout._tasks:
        task.cancel()
    # Cancellation must be honoured even mid-call to Redis (close() relies on it).
    _, running = await asyncio.wait(a.fanout._tasks, timeout=5.0)
    assert not running, "a cancelled fanout task kept running"
    # Its presence key expires after 1.5 s; a survivor's sweep then clears it (bounded wait).
    for _ in range(150):
        if await b.fanout.online() == {} and len(b.lost) + len(c.lost) >= 1:
            break
        await asyncio.sleep(0.1)
    await asyncio.sleep(1.0)  # a second survivor's sweep must not report it again
    assert await b.fanout.online() == {}
    assert len(b.lost) + len(c.lost) == 1, "exactly one survivor reports the kiosk offline"
    assert (b.lost + c.lost)[0].session_id == "s1"
    assert b.fanout.remote_screens("t1") == 0
    for process in (b, c):
        await process.fanout.close()
    await a.fanout.redis.aclose()


def test_a_bucket_is_shared_by_every_process(client: redis.Redis, prefix: str) -> None:
    one = RedisRateLimiter(client, f"{prefix}:limit:joins", 5 / 60, 5)
    two = RedisRateLimiter(client, f"{prefix}:limit:joins", 5 / 60, 5)
    taken = [(one if i % 2 else two).allow("kiosk:1") for i in range(7)]
    assert taken == [True] * 5 + [False] * 2
    assert one.exhausted("kiosk:1") and two.wait_s("kiosk:1") > 0
    two.refund("kiosk:1")
    assert one.allow("kiosk:1") and not one.exhausted("kiosk:other")


def test_the_sign_in_throttle_is_shared(client: redis.Redis, prefix: str) -> None:
    rules = LoginThrottle(ThrottleRule(free=2, max_delay_s=60.0, first_delay_s=30.0),
                          ThrottleRule(free=10, max_delay_s=300.0))
    one = RedisLoginThrottle(client, rules, f"{prefix}:login")
    two = RedisLoginThrottle(client, rules, f"{prefix}:login")
    keys = one.keys("Dr_Ana", "10.0.0.5")
    one.failed(*keys)
    two.failed(*keys)
    assert one.wait_s(*keys) == 0.0, "two free failures"
    one.failed(*keys)
    assert 25.0 < two.wait_s(*keys) <= 30.0
    two.succeeded(keys[0])
    assert one.wait_s(keys[0]) == 0.0
