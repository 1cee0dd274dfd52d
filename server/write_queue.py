"""Turn-path database writes, in order, retried until the database takes them.

A turn never waits for storage and never fails because of it: the kiosk and the therapist
hear about a crisis first, and the turn, the alert and the summary are written here, in the
order they were submitted, as soon as the database accepts writes again (e.g. a full disk
that was freed). `/health` reports the database as failing while writes fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)
RETRY_DELAYS_S = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0)
# Errors other than a failing database (a bug, a broken row) are not retried for ever.
OTHER_ERROR_ATTEMPTS = 3


@dataclass
class _Job:
    label: str
    work: Callable[[], Awaitable[None]]
    done: asyncio.Future[None] | None = None
    attempts: int = 0


class WriteQueue:
    """One ordered queue of writes for the whole server; one worker task drains it."""

    def __init__(self, delays_s: tuple[float, ...] = RETRY_DELAYS_S) -> None:
        self.delays_s = delays_s
        self._jobs: deque[_Job] = deque()
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
        return len(self._jobs)

    def submit(self, label: str, work: Callable[[], Awaitable[None]]) -> asyncio.Future[None]:
        """Queue a write (`work` is called again on each retry, so it must be repeatable);
        the future completes once it is stored."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._jobs.append(_Job(label, work, done))
        self._idle.clear()
        self._wake.set()
        if self._worker is None or self._worker.done():
            self._worker = asyncio.get_running_loop().create_task(self._run())
        return done

    async def write(self, label: str, work: Callable[[], Awaitable[None]], wait_s: float) -> bool:
        """Queue a write and wait up to `wait_s` for it (it stays queued after a timeout)."""
        done = self.submit(label, work)
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

    async def _run(self) -> None:
        while True:
            if not self._jobs:
                self._idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            job = self._jobs[0]
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
                    self._finish(self._jobs.popleft())
                    continue
                await asyncio.sleep(self.delays_s[min(job.attempts, len(self.delays_s)) - 1])
                continue
            self._finish(self._jobs.popleft())
            if self.failing:
                log.info("database writes recovered (%d still queued)", self.pending)
            self.failing = False

    @staticmethod
    def _finish(job: _Job) -> None:
        if job.done is not None and not job.done.done():
            job.done.set_result(None)
