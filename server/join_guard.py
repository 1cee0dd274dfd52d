"""Code-guessing limits on `join`: counted before the code is checked, per kiosk, per address
and for the whole server, so parallel sockets cannot get more guesses than one socket."""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable

from server.protocol import ErrorCode, ProtocolError
from server.ratelimit import RateLimiter


async def guarded_join(
    limiters: tuple[RateLimiter, RateLimiter],
    keys: tuple[str, ...],
    attempt: Callable[[], Awaitable[None]],
) -> None:
    """Run `attempt` if every limit has room; only a wrong code keeps its charge."""
    per_key, overall = limiters
    taken: list[tuple[RateLimiter, str]] = []
    for limiter, key in [*((per_key, k) for k in keys), (overall, "all")]:
        if not limiter.allow(key):
            for spent, spent_key in taken:
                spent.refund(spent_key)
            # Say when a code can be tried again: a right code is refused until then too.
            wait = max(1, math.ceil(limiter.wait_s(key)))
            raise ProtocolError(ErrorCode.RATE_LIMITED, "too many code attempts", ref="join",
                                retry_after_s=wait)
        taken.append((limiter, key))
    try:
        await attempt()
    except ProtocolError as error:
        if error.code not in (ErrorCode.CODE_INVALID, ErrorCode.CODE_EXPIRED):
            _refund(taken)
        raise
    except BaseException:
        _refund(taken)
        raise
    _refund(taken)  # a right code is not a guess


def _refund(taken: list[tuple[RateLimiter, str]]) -> None:
    for limiter, key in taken:
        limiter.refund(key)
