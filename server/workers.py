"""The bounded model worker pool shared by every kiosk: model calls never run on the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from server.errors import ServerBusyError

T = TypeVar("T")
P = ParamSpec("P")
_DONE = object()


class ModelPool:
    """A fixed number of model threads plus one light thread for voice-activity detection."""

    def __init__(self, workers: int, *, max_pending: int | None = None) -> None:
        self.workers = max(1, workers)
        # Beyond this many queued model jobs new work is refused instead of piling up latency.
        self.max_pending = max_pending if max_pending is not None else 16 * self.workers
        self._models = ThreadPoolExecutor(self.workers, thread_name_prefix="reflect-model")
        # VAD frames are tiny and time-critical (barge-in); they must not queue behind STT.
        self._vad = ThreadPoolExecutor(1, thread_name_prefix="reflect-vad")
        self._pending = 0

    @property
    def pending(self) -> int:
        """Model jobs submitted and not yet finished."""
        return self._pending

    def _submit(self, fn: Callable[[], T]) -> Future[T]:
        if self._pending >= self.max_pending:
            raise ServerBusyError("the model worker pool is saturated")
        self._pending += 1
        future = self._models.submit(fn)
        loop = asyncio.get_running_loop()
        future.add_done_callback(lambda _: self._finished_threadsafe(loop))
        return future

    def _finished_threadsafe(self, loop: asyncio.AbstractEventLoop) -> None:
        # RuntimeError: the loop already closed (shutdown); nobody is counting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(self._finished)

    def _finished(self) -> None:
        self._pending -= 1

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run one blocking model call in the pool and await its result."""
        return await asyncio.wrap_future(self._submit(functools.partial(fn, *args, **kwargs)))

    def try_idle(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T] | None:
        """Start optional work only if a model thread is free now; None when the pool is busy.

        For speculation: it never queues ahead of, or behind, a real turn's work. The returned
        future can be cancelled while it has not started.
        """
        if self._pending >= self.workers:
            return None
        return self._submit(functools.partial(fn, *args, **kwargs))

    async def run_vad(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a short voice-activity call on the dedicated VAD thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._vad, functools.partial(fn, *args, **kwargs))

    async def iterate(self, factory: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
        """Drive a blocking iterator one item per pool job, so kiosks take turns fairly.

        Cancelling the consumer stops the iteration after the item in progress; the iterator
        is then closed in the pool, once that item has finished (a generator cannot be closed
        while it runs).
        """
        iterator = await self.run(factory)
        inflight: Future[Any] | None = None
        try:
            while True:
                inflight = self._submit(functools.partial(next, iterator, _DONE))
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
                self._models.submit(close)

        if inflight is None or inflight.done():
            submit_close()
        else:
            inflight.add_done_callback(submit_close)

    def shutdown(self) -> None:
        """Stop accepting work; running calls finish in the background."""
        self._models.shutdown(wait=False, cancel_futures=True)
        self._vad.shutdown(wait=False, cancel_futures=True)
