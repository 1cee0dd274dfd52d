"""The model pool's job order: priority first, first come first served within a priority."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from server.errors import ServerBusyError
from server.workers import ModelPool, Priority


class Log:
    """Jobs append their name when they run (on a pool thread)."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.lock = threading.Lock()

    def job(self, name: str) -> Callable[[], str]:
        def run() -> str:
            with self.lock:
                self.names.append(name)
            return name

        return run


@pytest.fixture
async def blocked() -> AsyncIterator[tuple[ModelPool, threading.Event]]:
    """A one-thread pool whose thread is held by a job until the event is set."""
    pool = ModelPool(1)
    gate = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        gate.wait(timeout=10)

    holder = asyncio.ensure_future(pool.run(hold))
    assert await asyncio.to_thread(started.wait, 10)
    yield pool, gate
    gate.set()
    await holder
    pool.shutdown()


async def test_first_sentences_and_transcripts_run_before_later_sentences_and_guesses(
    blocked: tuple[ModelPool, threading.Event],
) -> None:
    pool, gate = blocked
    log = Log()
    guess = pool.speculate(10.0, log.job("guess A"))
    later = asyncio.ensure_future(pool.run_at(Priority.LATER, log.job("sentence 2 of A")))
    await asyncio.sleep(0)
    now = [asyncio.ensure_future(pool.run_at(Priority.NOW, log.job(n))) for n in ("stt B", "s1 C")]
    await asyncio.sleep(0)
    gate.set()
    await asyncio.gather(later, *now)
    assert guess is not None
    assert await asyncio.wrap_future(guess) == "guess A"
    assert log.names == ["stt B", "s1 C", "sentence 2 of A", "guess A"]


async def test_kiosks_are_served_in_arrival_order_within_a_priority(
    blocked: tuple[ModelPool, threading.Event],
) -> None:
    pool, gate = blocked
    log = Log()
    names = [f"kiosk {k} first sentence" for k in (3, 1, 4, 2)]
    jobs = []
    for name in names:
        jobs.append(asyncio.ensure_future(pool.run_at(Priority.NOW, log.job(name))))
        await asyncio.sleep(0)  # each task submits before the next is created
    gate.set()
    assert await asyncio.gather(*jobs) == names
    assert log.names == names


async def test_a_guess_no_thread_took_in_time_is_dropped_unrun(
    blocked: tuple[ModelPool, threading.Event],
) -> None:
    pool, gate = blocked
    log = Log()
    stale = pool.speculate(0.0, log.job("stale guess"))
    fresh = pool.speculate(10.0, log.job("fresh guess"))
    assert stale is not None and fresh is not None
    gate.set()
    assert await asyncio.wrap_future(fresh) == "fresh guess"
    assert stale.cancelled()
    assert log.names == ["fresh guess"]


async def test_a_cancelled_queued_job_never_runs_and_is_not_counted(
    blocked: tuple[ModelPool, threading.Event],
) -> None:
    pool, gate = blocked
    log = Log()
    guess = pool.speculate(10.0, log.job("guess"))
    assert guess is not None and pool.pending == 2
    assert guess.cancel()
    gate.set()
    await pool.run(log.job("real"))
    await asyncio.sleep(0.01)  # the pending count settles on the loop
    assert log.names == ["real"]
    assert pool.pending == 0


async def test_speculation_is_refused_before_real_work_when_saturated() -> None:
    pool = ModelPool(1, max_pending=3)
    gate = threading.Event()
    try:
        held = [asyncio.ensure_future(pool.run(gate.wait, 10)) for _ in range(2)]
        await asyncio.sleep(0)
        assert pool.speculate(10.0, gate.wait, 10) is None  # the last slots stay for turns
        held.append(asyncio.ensure_future(pool.run(gate.wait, 10)))
        await asyncio.sleep(0)
        with pytest.raises(ServerBusyError):
            await pool.run(gate.wait, 10)
        gate.set()
        assert await asyncio.gather(*held) == [True, True, True]
    finally:
        gate.set()
        pool.shutdown()


async def test_iterate_yields_every_item_and_errors_reach_the_caller() -> None:
    pool = ModelPool(2)

    def items() -> Iterator[int]:
        yield from range(3)
        raise ValueError("boom")

    seen: list[int] = []
    try:
        with pytest.raises(ValueError, match="boom"):
            async for item in pool.iterate(items, Priority.LATER):
                seen.append(item)
    finally:
        pool.shutdown()
    assert seen == [0, 1, 2]


async def test_shutdown_cancels_queued_jobs(blocked: tuple[ModelPool, threading.Event]) -> None:
    pool, _ = blocked
    log = Log()
    queued = pool.speculate(10.0, log.job("never"))
    assert queued is not None
    pool.shutdown()
    assert queued.cancelled()
    with pytest.raises(RuntimeError):
        await pool.run(log.job("after shutdown"))
    assert log.names == []
