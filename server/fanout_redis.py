"""The fanout over Redis (`redis.asyncio`): several `reflect serve` processes on one database.

- Events: published on one pub/sub channel after they are stored; each process hands them to
  its own dashboards. Order is the outbox's: a dashboard that sees a gap reads the outbox.
- Commands: the process holding a session registers it (`session:<id>` -> process, with
  expiry); a command is published to that process's channel and answered on a reply list.
- Presence: each process refreshes `alive:<process>` (expiring) and lists its kiosks in one
  hash; a kiosk whose process stopped refreshing is swept by another process, which tells the
  dashboard it is offline. Screen counts per therapist are refreshed the same way.
Pub/sub is at-most-once: a lost message is only a delay, because the outbox has everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import asdict
from typing import Any, cast

import redis.asyncio as aioredis

from server.events import TherapistEvent
from server.fanout import Deliver, Holding, KioskLost, RunCommand, event_from_wire, event_to_wire

log = logging.getLogger(__name__)
COMMAND_TIMEOUT_S = 5
CLOSE_WAIT_S = 5.0
# Delete a hash field only if it still holds what we saw (a kiosk may have moved meanwhile).
DELETE_IF_SAME = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then
  return redis.call('HDEL', KEYS[1], ARGV[1])
end
return 0
"""


def _being_cancelled() -> bool:
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class RedisFanout:
    """Events, commands and presence shared through one Redis."""

    def __init__(self, url: str, *, presence_ttl_s: float = 6.0, prefix: str = "reflect") -> None:
        self.process_id = uuid.uuid4().hex[:12]
        self.redis: aioredis.Redis = aioredis.Redis.from_url(url, decode_responses=True)
        self.ttl_ms = max(1000, int(presence_ttl_s * 1000))
        self.prefix = prefix
        self._deliver: Deliver = lambda channel, event: None
        self._run_command: RunCommand | None = None
        self._kiosk_lost: KioskLost | None = None
        self._screens: Callable[[], dict[str, int]] = dict
        self._held: dict[str, Holding] = {}
        self._published: dict[str, str] = {}  # kiosk id -> the JSON we put in the hash
        self._routes: set[str] = set()
        self._unrouted: set[str] = set()
        self._remote: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._posted: set[asyncio.Task[Any]] = set()
        self._pubsub: Any = None

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def attach(self, deliver: Deliver, run_command: RunCommand, kiosk_lost: KioskLost,
               screens: Callable[[], dict[str, int]]) -> None:
        """Who handles what arrives from other processes."""
        self._deliver, self._run_command = deliver, run_command
        self._kiosk_lost, self._screens = kiosk_lost, screens

    async def start(self) -> None:
        """Connect (fails clearly if Redis is unreachable), subscribe, refresh presence."""
        await self.redis.ping()
        self._pubsub = self.redis.pubsub()
        await self._pubsub.subscribe(self._key("events"), self._key("cmd", self.process_id))
        await self._refresh()
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._beat())]
        log.info("fanout: Redis, process %s", self.process_id)

    async def close(self) -> None:
        """Stop, and take this process's presence out at once (not after the expiry)."""
        tasks = [*self._tasks, *self._posted]
        for task in tasks:
            task.cancel()
        if tasks:
            # Bounded: a Redis call that ignores its cancellation must not hold up shutdown.
            await asyncio.wait(tasks, timeout=CLOSE_WAIT_S)
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT_S):
                for kiosk_id, value in self._published.items():
                    await self.redis.eval(DELETE_IF_SAME, 1, self._key("kiosks"), kiosk_id,
                                          value)
                await self.redis.delete(self._key("alive", self.process_id),
                                        self._key("screens", self.process_id))
                await self.redis.srem(self._key("procs"), self.process_id)
                if self._pubsub is not None:
                    await self._pubsub.aclose()
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self.redis.aclose()

    async def publish(self, channel: str, event: TherapistEvent) -> None:
        """To every other process's screens of `channel`; never raises once the event is
        stored (a screen that missed it reads it from the outbox at the next gap or reconnect)."""
        message = {"from": self.process_id, "channel": channel, "event": event_to_wire(event)}
        try:
            await self.redis.publish(self._key("events"), json.dumps(message))
        except (aioredis.RedisError, OSError) as exc:
            log.warning("fanout: event not published (%s)", type(exc).__name__)

    def post(self, channel: str, event: TherapistEvent) -> None:
        """`publish` in the background."""
        self._spawn(self.publish(channel, event))

    def remote_screens(self, channel: str) -> int:
        """Other processes' screens for `channel`, as of the last refresh."""
        return self._remote.get(channel, 0)

    async def command(self, session_id: uuid.UUID, name: str) -> bool:
        """Run on the holding process and wait for its answer (False: nobody holds it, or
        Redis is unreachable)."""
        try:
            return await self._command(session_id, name)
        except (aioredis.RedisError, OSError) as exc:
            log.warning("fanout: command not delivered (%s)", type(exc).__name__)
            return False

    async def _command(self, session_id: uuid.UUID, name: str) -> bool:
        found = await self.redis.get(self._key("session", str(session_id)))
        if found is None:
            return False
        holder = str(found)
        if holder == self.process_id and self._run_command is not None:
            return await self._run_command(session_id, name)
        reply = self._key("reply", uuid.uuid4().hex)
        message = {"session_id": str(session_id), "name": name, "reply": reply}
        if not await self.redis.publish(self._key("cmd", holder), json.dumps(message)):
            return False  # that process is gone
        answer = await self.redis.blpop([reply], timeout=COMMAND_TIMEOUT_S)
        return answer is not None and answer[1] == "1"

    def route(self, session_id: uuid.UUID) -> None:
        """Commands for this session come here."""
        self._routes.add(str(session_id))
        self._unrouted.discard(str(session_id))
        self._wake.set()

    def unroute(self, session_id: uuid.UUID) -> None:
        """This process no longer runs the session."""
        self._routes.discard(str(session_id))
        self._unrouted.add(str(session_id))
        self._wake.set()

    def hold(self, holding: Holding) -> None:
        """This process holds the kiosk (written at the next refresh, which starts now)."""
        self._held[holding.kiosk_id] = holding
        self._wake.set()

    def release(self, kiosk_id: str) -> None:
        """The kiosk left this process."""
        self._held.pop(kiosk_id, None)
        self._wake.set()

    async def online(self) -> dict[str, Holding]:
        """Kiosks held by live processes."""
        entries = await self.redis.hgetall(self._key("kiosks"))
        holdings = [Holding(**json.loads(value)) for value in entries.values()]
        alive = await self._alive({h.process for h in holdings})
        return {h.kiosk_id: h for h in holdings if h.process in alive}

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._posted.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._posted.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("fanout: %s", type(task.exception()).__name__)

    async def _listen(self) -> None:
        events, commands = self._key("events"), self._key("cmd", self.process_id)
        while True:
            try:
                message = await self._pubsub.get_message(ignore_subscribe_messages=True,
                                                         timeout=1.0)
            except (aioredis.RedisError, OSError) as exc:
                if _being_cancelled():
                    # redis-py can turn a cancellation inside its read timeout into a
                    # TimeoutError (an OSError); that is a stop, not an outage.
                    raise asyncio.CancelledError from exc
                log.warning("fanout: Redis unreachable (%s); retrying", type(exc).__name__)
                await asyncio.sleep(1.0)
                continue
            if message is None:
                continue
            body = json.loads(message["data"])
            if message["channel"] == events and body["from"] != self.process_id:
                self._deliver(body["channel"], event_from_wire(body["event"]))
            elif message["channel"] == commands:
                self._spawn(self._answer(body))

    async def _answer(self, body: dict[str, Any]) -> None:
        done = False
        if self._run_command is not None:
            done = await self._run_command(uuid.UUID(body["session_id"]), body["name"])
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.rpush(body["reply"], "1" if done else "0")
            pipe.expire(body["reply"], 30)
            await pipe.execute()

    async def _beat(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can lose a cancellation, and a
            # beat that outlives close() keeps a closed process looking alive.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.ttl_ms / 3000):
                    await self._wake.wait()
            if _being_cancelled():
                raise asyncio.CancelledError
            self._wake.clear()
            try:
                await self._refresh()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis away for a moment: the next beat tries again
                if _being_cancelled():  # redis-py may report our cancellation as an error
                    raise asyncio.CancelledError from exc
                log.warning("fanout: presence refresh failed (%s)", type(exc).__name__)

    async def _refresh(self) -> None:
        """Write this process's presence; read the others'; sweep kiosks of dead processes."""
        me = self.process_id
        screens = {k: v for k, v in self._screens().items() if v > 0}
        kiosks = {k: json.dumps(asdict(h), sort_keys=True) for k, h in self._held.items()}
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._key("alive", me), "1", px=self.ttl_ms)
            pipe.sadd(self._key("procs"), me)
            pipe.delete(self._key("screens", me))
            if screens:
                pipe.hset(self._key("screens", me), mapping=cast("dict[Any, Any]", screens))
                pipe.pexpire(self._key("screens", me), self.ttl_ms)
            if kiosks:
                pipe.hset(self._key("kiosks"), mapping=cast("dict[Any, Any]", kiosks))
            for session_id in self._routes:
                pipe.set(self._key("session", session_id), me, px=self.ttl_ms)
            for session_id in self._unrouted:
                pipe.delete(self._key("session", session_id))
            await pipe.execute()
        self._unrouted.clear()
        for kiosk_id, value in self._published.items():
            if kiosk_id not in kiosks:
                await self.redis.eval(DELETE_IF_SAME, 1, self._key("kiosks"), kiosk_id, value)
        self._published = kiosks
        await self._read_others()
        await self._sweep()

    async def _alive(self, processes: set[str]) -> set[str]:
        ordered = sorted(processes)
        if not ordered:
            return set()
        found = await self.redis.mget([self._key("alive", p) for p in ordered])
        return {p for p, value in zip(ordered, found, strict=True) if value is not None}

    async def _read_others(self) -> None:
        others = {str(p) for p in await self.redis.smembers(self._key("procs"))}
        others.discard(self.process_id)
        alive = await self._alive(others)
        for gone in others - alive:
            await self.redis.srem(self._key("procs"), gone)
        totals: dict[str, int] = {}
        for process in alive:
            counts = await self.redis.hgetall(self._key("screens", process))
            for channel, count in counts.items():
                totals[str(channel)] = totals.get(str(channel), 0) + int(count)
        self._remote = totals

    async def _sweep(self) -> None:
        found = await self.redis.hgetall(self._key("kiosks"))
        entries = {str(k): str(v) for k, v in found.items()}
        holdings = {k: Holding(**json.loads(v)) for k, v in entries.items()}
        alive = await self._alive({h.process for h in holdings.values()})
        for kiosk_id, holding in holdings.items():
            if holding.process in alive:
                continue
            # Exactly one process wins the delete, and only it reports the kiosk offline.
            won = await self.redis.eval(DELETE_IF_SAME, 1, self._key("kiosks"), kiosk_id,
                                        entries[kiosk_id])
            if won and self._kiosk_lost is not None:
                log.warning("fanout: process %s is gone; kiosk %s offline",
                            holding.process, kiosk_id)
                await self._kiosk_lost(holding)
