"""Turn-path database writes, in order per session, retried until the database takes them.

A turn never waits for storage and never fails because of it: the kiosk and the therapist
hear about a crisis first, and the turn, the alert and the summary are written here, in the
order they were submitted for their session, as soon as the database accepts writes again
(e.g. a full disk that was freed). `/health` reports the database as failing while writes fail.

Each session has its own lane. One worker serves the lanes in turn (one busy kiosk cannot
hold the others' turns behind its backlog), and a lane holding an urgent write (a risk alert
and its stored copy) is served before every other: the copy a reconnecting dashboard replays
must not wait behind another session's writes. Within a lane the order of submission holds,
so an alert still follows its own session's earlier writes and an erase follows them all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
RETRY_DELAYS_S = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
# Errors other than a failing database (a bug, a broken row) are not retried for ever.
OTHER_ERROR_ATTEMPTS = 3
SERVER_LANE = "server"  # writes that belong to no session

WriteTimer = Callable[[str, float], None]


@dataclass
class _Job:
    label: str
    work: Callable[[], Awaitable[None]]
    urgent: bool
    done: asyncio.Future[None]
    attempts: int = 0


@dataclass
class _Lane:
    jobs: deque[_Job]
    urgent: int = 0  # urgent jobs in this lane


class WriteQueue:
    """Ordered lanes of writes for the whole server; one worker task drains them."""

    def __init__(self, delays_s: tuple[float, ...] = RETRY_DELAYS_S,
                 timer: WriteTimer | None = None) -> None:
        self.delays_s = delays_s
        self.timer = timer  # told each stored write's kind and duration (metrics)
        self._lanes: dict[Hashable, _Lane] = {}  # insertion order is the round-robin order
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._worker: asyncio.Task[None] | None = None
        self.failing = False
        self.last_error = ""
        self.dropped = 0

    @property
    def pending(self) -> int:
        """Writes not stored yet."""
        return sum(len(lane.jobs) for lane in self._lanes.values())

    def submit(self, label: str, work: Callable[[], Awaitable[None]], *,
               lane: Hashable = SERVER_LANE, urgent: bool = False) -> asyncio.Future[None]:
        """Queue a write in `lane` (`work` is called again on each retry, so it must be
        repeatable); the future completes once it is stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queued = self._lanes.setdefault(lane, _Lane(deque()))
        queued.jobs.append(_Job(label, work, urgent, done))
        queued.urgent += urgent
        self._idle.clear()
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run())
        return done

    async def write(self, label: str, work: Callable[[], Awaitable[None]], wait_s: float, *,
                    lane: Hashable = SERVER_LANE) -> bool:
        """Queue a write and wait up to `wait_s` for it (it stays queued after a timeout)."""
        done = self.submit(label, work, lane=lane)
        try:
            await asyncio.wait_for(asyncio.shield(done), wait_s)
        except TimeoutError:
            return False
        return True

    async def drain(self, timeout_s: float | None = None) -> bool:
        """Wait until everything queued is stored; False on timeout."""
        try:
            await asyncio.wait_for(self._idle.wait(), timeout_s)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        """Stop the worker (what is still queued is reported, not written)."""
        if self.pending:
            log.error("shutting down with %d unsaved writes", self.pending)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker

    def _next_lane(self) -> Hashable:
        """The lane to serve next: the first holding an urgent write, else the first."""
        return next((key for key, lane in self._lanes.items() if lane.urgent),
                    next(iter(self._lanes)))

    async def _run(self) -> None:
        while True:
            if not self._lanes:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            key = self._next_lane()
            job = self._lanes[key].jobs[0]
            started = time.perf_counter()
            try:
                await job.work()
            except Exception as exc:
                job.attempts += 1
                self.failing = True
                self.last_error = type(exc).__name__
                transient = isinstance(exc, OperationalError | OSError)
                log.warning(
                    "write %s failed (%s, attempt %d)", job.label, type(exc).__name__, job.attempts
                )
                if not transient and job.attempts >= OTHER_ERROR_ATTEMPTS:
                    log.error("dropping write %s after %d attempts", job.label, job.attempts)
                    self.dropped += 1
                    self._finish(key)
                    continue
                await asyncio.sleep(self.delays_s[min(job.attempts, len(self.delays_s)) - 1])
                continue
            if self.timer is not None:
                self.timer(job.label, time.perf_counter() - started)
            self._finish(key)
            if self.failing:
                log.info("database writes recovered (%d still queued)", self.pending)
            self.failing = False

    def _finish(self, key: Hashable) -> None:
        """Take the lane's first job off, and move the lane to the back of the round."""
        lane = self._lanes.pop(key)
        job = lane.jobs.popleft()
        lane.urgent -= job.urgent
        if lane.jobs:
            self._lanes[key] = lane
        if not job.done.done():
            job.done.set_result(None)
