"""Code-guessing limits on `join`: counted before the code is checked, per kiosk, per address
and for the whole server, so parallel sockets cannot get more guesses than one socket."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from functools import partial
from typing import TypeVar

from server.protocol import ErrorCode, ProtocolError
from server.ratelimit import Limiter

T = TypeVar("T")


async def off_loop(limiter: Limiter, call: Callable[[], T]) -> T:
    """Run a limiter call; a shared (Redis) limiter's I/O runs off the event loop."""
    if limiter.blocking:
        return await asyncio.to_thread(call)
    return call()  # in memory: no await between check and take, so parallel joins queue


async def guarded_join(
    limiters: tuple[Limiter, Limiter],
    keys: tuple[str, ...],
    attempt: Callable[[], Awaitable[None]],
) -> None:
    """Run `attempt` if every limit has room; only a wrong code keeps its charge."""
    per_key, overall = limiters
    taken: list[tuple[Limiter, str]] = []
    for limiter, key in [*((per_key, k) for k in keys), (overall, "all")]:
        if not await off_loop(limiter, partial(limiter.allow, key)):
            await _refund(taken)
            # Say when a code can be tried again: a right code is refused until then too.
            wait = max(1, math.ceil(await off_loop(limiter, partial(limiter.wait_s, key))))
            raise ProtocolError(ErrorCode.RATE_LIMITED, "too many code attempts", ref="join",
                                retry_after_s=wait)
        taken.append((limiter, key))
    try:
        await attempt()
    except ProtocolError as error:
        if error.code not in (ErrorCode.CODE_INVALID, ErrorCode.CODE_EXPIRED):
            await _refund(taken)
        raise
    except BaseException:
        await asyncio.shield(_refund(taken))
        raise
    await _refund(taken)  # a right code is not a guess


async def _refund(taken: list[tuple[Limiter, str]]) -> None:
    for limiter, key in taken:
        await off_loop(limiter, partial(limiter.refund, key))
