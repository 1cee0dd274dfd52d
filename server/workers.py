"""The bounded model worker pool shared by every kiosk: model calls never run on the event loop.

Jobs run by priority, first come first served within a priority, so a client waiting for the
start of a reply never queues behind another kiosk's later sentences or a speculative guess.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import itertools
import queue
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, ParamSpec, TypeVar

from server.errors import ServerBusyError

T = TypeVar("T")
P = ParamSpec("P")
_DONE = object()


class Priority(IntEnum):
    """Which model job runs first when several wait (lower first)."""

    # A client is waiting on it: real-turn transcription, the engine, a reply's first sentence.
    NOW = 0
    # Sentences after the first: the first sentence's playback (seconds) is their slack.
    LATER = 1
    # A transcription guess during a pause: useful only if nothing else needs the thread.
    SPECULATIVE = 2


@dataclass(frozen=True, eq=False)
class _Job:
    """One queued call and the future its caller holds."""

    fn: Callable[[], Any]
    future: Future[Any]
    deadline: float | None  # monotonic; a job not started by then is dropped as stale


# (priority, sequence, job); the unique sequence keeps FIFO order and never compares jobs.
_Entry = tuple[int, int, _Job | None]


class ModelPool:
    """A fixed number of model threads plus one light thread for voice-activity detection."""

    def __init__(self, workers: int, *, max_pending: int | None = None) -> None:
        self.workers = max(1, workers)
        # Beyond this many queued model jobs new work is refused instead of piling up latency.
        self.max_pending = max_pending if max_pending is not None else 16 * self.workers
        self._queue: queue.PriorityQueue[_Entry] = queue.PriorityQueue()
        self._sequence = itertools.count()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False
        # VAD frames are tiny and time-critical (barge-in); they must not queue behind STT.
        self._vad = ThreadPoolExecutor(1, thread_name_prefix="reflect-vad")
        # Smart Turn (tens of ms per pause) gets its own thread so VAD frames never wait on it.
        self._turn = ThreadPoolExecutor(1, thread_name_prefix="reflect-turn")
        self._pending = 0

    @property
    def pending(self) -> int:
        """Model jobs submitted and not yet finished."""
        return self._pending

    def _put(self, priority: int, job: _Job | None) -> None:
        with self._lock:
            if self._closed:
                raise RuntimeError("the model pool is shut down")
            if not self._threads:  # started on first use: an unused pool costs nothing
                for index in range(self.workers):
                    thread = threading.Thread(
                        target=self._work, name=f"reflect-model_{index}", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            self._queue.put((priority, next(self._sequence), job))

    def _work(self) -> None:
        while True:
            _, _, job = self._queue.get()
            if job is None:
                return
            if job.deadline is not None and time.monotonic() > job.deadline:
                job.future.cancel()  # its moment has passed: running it would only delay others
            if job.future.set_running_or_notify_cancel():
                try:
                    result = job.fn()
                except BaseException as exc:  # handed to the awaiting caller, like an executor
                    job.future.set_exception(exc)
                else:
                    job.future.set_result(result)
            del job  # drop the reference (and its audio) before blocking on the queue again

    def _submit(
        self, fn: Callable[[], T], priority: Priority = Priority.NOW, deadline: float | None = None
    ) -> Future[T]:
        if self._pending >= self.max_pending:
            raise ServerBusyError("the model worker pool is saturated")
        future: Future[T] = Future()
        loop = asyncio.get_running_loop()
        self._put(priority, _Job(fn, future, deadline))
        self._pending += 1
        future.add_done_callback(lambda _: self._finished_threadsafe(loop))
        return future

    def _finished_threadsafe(self, loop: asyncio.AbstractEventLoop) -> None:
        # RuntimeError: the loop already closed (shutdown); nobody is counting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._finished)

    def _finished(self) -> None:
        self._pending -= 1

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one blocking model call in the pool (at `Priority.NOW`) and await its result."""
        return await self.run_at(Priority.NOW, fn, *args, **kwargs)

    async def run_at(
        self, priority: Priority, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run one blocking model call at `priority` and await its result."""
        future = self._submit(functools.partial(fn, *args, **kwargs), priority)
        return await asyncio.wrap_future(future)

    def speculate(
        self, stale_after_s: float, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> Future[T] | None:
        """Queue optional work behind everything else; None when the pool is saturated.

        It is dropped (cancelled) if no thread took it within `stale_after_s`, and the caller
        may cancel it while it has not started.
        """
        if self._pending >= self.max_pending - self.workers:
            return None  # keep the last slots for real turns
        deadline = time.monotonic() + stale_after_s
        return self._submit(functools.partial(fn, *args, **kwargs), Priority.SPECULATIVE, deadline)

    async def run_vad(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a short voice-activity call on the dedicated VAD thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._vad, functools.partial(fn, *args, **kwargs))

    async def run_turn(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run an end-of-turn model call (Smart Turn) on its dedicated thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._turn, functools.partial(fn, *args, **kwargs))

    async def iterate(
        self, factory: Callable[[], Iterator[T]], priority: Priority = Priority.NOW
    ) -> AsyncIterator[T]:
        """Drive a blocking iterator one item per pool job, so kiosks take turns fairly.

        Cancelling the consumer stops the iteration after the item in progress; the iterator
        is then closed in the pool, once that item has finished (a generator cannot be closed
        while it runs).
        """
        iterator = await self.run_at(priority, factory)
        inflight: Future[Any] | None = None
        try:
            while True:
                inflight = self._submit(functools.partial(next, iterator, _DONE), priority)
                item = await asyncio.wrap_future(inflight)
                if item is _DONE:
                    return
                yield item
        finally:
            self._close_later(iterator, inflight)

    def _close_later(self, iterator: Iterator[Any], inflight: Future[Any] | None) -> None:
        close = getattr(iterator, "close", None)
        if close is None:
            return

        def submit_close(_: object = None) -> None:
            # RuntimeError: the pool is shutting down; the iterator dies with the process.
            with contextlib.suppress(RuntimeError):
                self._put(Priority.LATER, _Job(close, Future(), None))

        if inflight is None or inflight.done():
            submit_close()
        else:
            inflight.add_done_callback(submit_close)

    def shutdown(self) -> None:
        """Stop accepting work; queued jobs are cancelled, running ones finish in the background."""
        with self._lock:
            self._closed = True
            threads = len(self._threads)
        with contextlib.suppress(queue.Empty):
            while True:
                _, _, job = self._queue.get_nowait()
                if job is not None:
                    job.future.cancel()
        for _ in range(threads):
            self._queue.put((-1, next(self._sequence), None))  # ahead of anything: threads exit
        self._vad.shutdown(wait=False, cancel_futures=True)
        self._turn.shutdown(wait=False, cancel_futures=True)
