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


def _recorder(stored: list[str], name: str):  # type: ignore[no-untyped-def]
    async def work() -> None:
        stored.append(name)

    return work


async def test_an_alert_is_stored_before_another_sessions_backlog_and_after_its_own_turns(
) -> None:
    queue = WriteQueue(delays_s=(0.0,))
    stored: list[str] = []
    for index in range(50):  # a busy kiosk's backlog, queued first
        queue.submit("client_turn", _recorder(stored, f"busy{index}"), lane="busy")
    queue.submit("client_turn", _recorder(stored, "crisis_turn"), lane="crisis")
    queue.submit("alert", _recorder(stored, "alert"), lane="crisis", urgent=True)
    queue.submit("alert_event", _recorder(stored, "alert_event"), lane="crisis", urgent=True)
    queue.submit("session_end", _recorder(stored, "crisis_end"), lane="crisis")
    assert await queue.drain(5)
    # Its own turn first (order within a session holds), then the alert and its copy, long
    # before the other session's backlog is through; the rest of that lane follows in turn.
    assert stored.index("crisis_turn") < stored.index("alert") < stored.index("alert_event")
    assert stored.index("alert_event") <= 4
    assert [s for s in stored if s.startswith("busy")] == [f"busy{i}" for i in range(50)]
    assert len(stored) == 54 and queue.pending == 0
    await queue.close()


async def test_sessions_take_turns_so_one_backlog_does_not_hold_the_others() -> None:
    queue = WriteQueue(delays_s=(0.0,))
    stored: list[str] = []
    for index in range(3):
        queue.submit("client_turn", _recorder(stored, f"a{index}"), lane="a")
    for index in range(3):
        queue.submit("client_turn", _recorder(stored, f"b{index}"), lane="b")
    assert await queue.drain(5)
    assert stored == ["a0", "b0", "a1", "b1", "a2", "b2"]
    await queue.close()


async def test_each_stored_write_is_timed_by_kind_and_failed_attempts_are_not() -> None:
    timed: list[tuple[str, float]] = []
    queue = WriteQueue(delays_s=(0.0,), timer=lambda kind, s: timed.append((kind, s)))
    failures = {"left": 2}

    async def flaky() -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))

    assert await queue.write("summary", flaky, 5, lane="s")
    assert [kind for kind, _ in timed] == ["summary"] and timed[0][1] >= 0
    await queue.close()
