"""Token-bucket rate limits keyed by kiosk, IP address or account."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Limiter(Protocol):
    """A token bucket per key: this process's (`RateLimiter`) or shared (`RedisRateLimiter`).

    `blocking` says the calls do network I/O: async code runs them off the event loop.
    """

    blocking: bool

    def allow(self, key: str, cost: float = 1.0) -> bool: ...

    def refund(self, key: str, cost: float = 1.0) -> None: ...

    def exhausted(self, key: str) -> bool: ...

    def wait_s(self, key: str, cost: float = 1.0) -> float: ...

    def reset(self, key: str) -> None: ...


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """`rate` events per second on average, bursts up to `burst`, per key.

    Memory is bounded: at most `max_keys` buckets are tracked, least recently used first out.
    """

    blocking = False

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take `cost` tokens from `key`'s bucket if it has them."""
        now = self._clock()
        bucket = self._buckets.pop(key, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        allowed = bucket.tokens >= cost
        if allowed:
            bucket.tokens -= cost
        self._buckets[key] = bucket
        while len(self._buckets) > self.max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def refund(self, key: str, cost: float = 1.0) -> None:
        """Give back tokens taken by `allow` (the attempt turned out not to count)."""
        bucket = self._buckets.get(key)
        if bucket is not None:
            bucket.tokens = min(self.burst, bucket.tokens + cost)

    def exhausted(self, key: str) -> bool:
        """Whether `key` has less than one token now (does not consume)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return False
        tokens = min(self.burst, bucket.tokens + (self._clock() - bucket.updated) * self.rate)
        return tokens < 1.0

    def wait_s(self, key: str, cost: float = 1.0) -> float:
        """Seconds until `key` has `cost` tokens again (0 when it has them now)."""
        bucket = self._buckets.get(key)
        if bucket is None:
            return 0.0
        tokens = min(self.burst, bucket.tokens + (self._clock() - bucket.updated) * self.rate)
        return max(0.0, (cost - tokens) / self.rate)

    def reset(self, key: str) -> None:
        """Forget a key (e.g. after a successful login)."""
        self._buckets.pop(key, None)


class ConnectionCounter:
    """Open connections per key, with a maximum."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[str, int] = {}

    def acquire(self, key: str) -> bool:
        """Count a new connection if the key is below its limit."""
        current = self._open.get(key, 0)
        if current >= self.limit:
            return False
        self._open[key] = current + 1
        return True

    def release(self, key: str) -> None:
        """A connection closed."""
        current = self._open.get(key, 0) - 1
        if current > 0:
            self._open[key] = current
        else:
            self._open.pop(key, None)

    def count(self, key: str) -> int:
        """Open connections for a key."""
        return self._open.get(key, 0)
