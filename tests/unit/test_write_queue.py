"""The turn-path write queue: in order, retried while the database fails, reported meanwhile."""

from __future__ import annotations

import asyncio

from sqlalchemy.exc import OperationalError

from server.write_queue import WriteQueue


async def test_writes_wait_for_a_failing_database_and_keep_their_order() -> None:
    queue = WriteQueue(delays_s=(0.01,))
    stored: list[str] = []
    failures = {"left": 5}

    def job(name: str):  # type: ignore[no-untyped-def]
        async def work() -> None:
            if failures["left"]:
                failures["left"] -= 1
                raise OperationalError("INSERT", {}, Exception("database or disk is full"))
            stored.append(name)

        return work

    for name in ("client_turn", "alert", "alert_event"):
        queue.submit(name, job(name))
    await asyncio.sleep(0.02)
    assert queue.failing and queue.pending == 3 and stored == []
    assert await queue.drain(5)
    assert stored == ["client_turn", "alert", "alert_event"]
    assert not queue.failing and queue.pending == 0 and queue.dropped == 0
    await queue.close()


async def test_a_broken_write_is_dropped_after_a_few_attempts_and_others_go_on() -> None:
    queue = WriteQueue(delays_s=(0.0,))
    stored: list[str] = []

    async def broken() -> None:
        raise ValueError("a bug, not the database")

    async def fine() -> None:
        stored.append("fine")

    queue.submit("broken", broken)
    assert await queue.write("fine", fine, 5)
    assert stored == ["fine"] and queue.dropped == 1
    await queue.close()


async def test_write_returns_false_when_the_database_stays_down() -> None:
    queue = WriteQueue(delays_s=(0.01,))

    async def down() -> None:
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    assert not await queue.write("end", down, 0.1)
    assert queue.failing and queue.pending == 1
    await queue.close()
