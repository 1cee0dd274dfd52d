"""Issue 19: join guesses are counted before the check, so parallel attempts cannot exceed it."""

from __future__ import annotations

import asyncio

import pytest

from server.join_guard import guarded_join
from server.protocol import ErrorCode, ProtocolError
from server.ratelimit import RateLimiter


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def limiters(per_key: int = 5, overall: int = 30) -> tuple[RateLimiter, RateLimiter]:
    clock = Clock()
    return (RateLimiter(per_key / 60, per_key, clock=clock),
            RateLimiter(overall / 60, overall, clock=clock))


async def wrong_code_slowly() -> None:
    await asyncio.sleep(0.01)  # the database lookup: all parallel attempts are in flight
    raise ProtocolError(ErrorCode.CODE_INVALID, "wrong code")


async def outcomes(
    limits: tuple[RateLimiter, RateLimiter], keys: list[tuple[str, ...]]
) -> list[str]:
    async def one(key: tuple[str, ...]) -> str:
        try:
            await guarded_join(limits, key, wrong_code_slowly)
        except ProtocolError as error:
            return error.code.value
        return "joined"

    return list(await asyncio.gather(*(one(k) for k in keys)))


def test_parallel_guesses_from_one_kiosk_stop_at_the_limit() -> None:
    results = asyncio.run(outcomes(limiters(), [("kiosk:1", "ip:a")] * 21))
    assert results.count("code_invalid") == 5 and results.count("rate_limited") == 16


def test_the_overall_limit_spans_kiosks_and_addresses() -> None:
    keys = [(f"kiosk:{n}", f"ip:{n}") for n in range(40)]
    results = asyncio.run(outcomes(limiters(overall=30), keys))
    assert results.count("code_invalid") == 30 and results.count("rate_limited") == 10


def test_right_codes_and_other_errors_are_not_counted() -> None:
    limits = limiters(per_key=1)

    async def joined() -> None:
        return None

    async def busy() -> None:
        raise ProtocolError(ErrorCode.SERVER_BUSY, "busy")

    async def run() -> None:
        for _ in range(3):
            await guarded_join(limits, ("kiosk:1",), joined)
        with pytest.raises(ProtocolError):
            await guarded_join(limits, ("kiosk:1",), busy)
        await guarded_join(limits, ("kiosk:1",), joined)

    asyncio.run(run())


def test_too_many_tries_says_how_long_to_wait() -> None:
    """Issue 14: the refusal after the limit carries the wait, so the kiosk can say it."""
    limits = limiters(per_key=5)
    results = asyncio.run(outcomes(limits, [("kiosk:1",)] * 5))
    assert results.count("code_invalid") == 5

    async def refused() -> ProtocolError:
        with pytest.raises(ProtocolError) as caught:
            await guarded_join(limits, ("kiosk:1",), wrong_code_slowly)
        return caught.value

    error = asyncio.run(refused())
    # 5 a minute: one guess comes back every 12 s.
    assert error.code is ErrorCode.RATE_LIMITED and error.retry_after_s == 12
    assert error.to_event().retry_after_s == 12
