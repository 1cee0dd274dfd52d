"""Sign-in throttling: growing delays per typed username and per address, never a hard lock.

Keys are the username as typed, whether or not the account exists, so the answer never tells
an attacker which names are real. A delay only slows new sign-in attempts: a dashboard that is
already signed in (on watch) is never affected, and the real user waits at most `max_delay_s`.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from server.config import SecuritySettings


@dataclass
class _Record:
    failures: int
    last_failure: float


@dataclass(frozen=True)
class ThrottleRule:
    """`free` failures without delay, then `first_delay_s`, twice that ... up to `max_delay_s`."""

    free: int
    max_delay_s: float
    forget_after_s: float = 900.0
    first_delay_s: float = 1.0


class LoginThrottle:
    """Failure counts per key, with the delay each imposes before the next attempt."""

    def __init__(
        self,
        account: ThrottleRule = ThrottleRule(free=4, max_delay_s=60.0),
        address: ThrottleRule = ThrottleRule(free=10, max_delay_s=300.0),
        *,
        max_keys: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rules = {"user": account, "ip": address}
        self.max_keys = max_keys
        self._clock = clock
        self._records: OrderedDict[str, _Record] = OrderedDict()

    @classmethod
    def from_settings(cls, security: SecuritySettings) -> LoginThrottle:
        """The throttle the settings describe."""
        first = security.login_first_delay_s
        return cls(
            ThrottleRule(security.login_free_failures, security.login_max_delay_s,
                         first_delay_s=first),
            ThrottleRule(security.login_address_free_failures,
                         security.login_address_max_delay_s, first_delay_s=first),
        )

    @staticmethod
    def keys(username: str, ip: str) -> tuple[str, str]:
        """The account key (as typed, existing or not) and the address key."""
        return f"user:{username.strip().casefold()}", f"ip:{ip}"

    def wait_s(self, *keys: str) -> float:
        """Seconds until another attempt is allowed for all `keys` (0 = now)."""
        now = self._clock()
        return max((self._wait(key, now) for key in keys), default=0.0)

    def failed(self, *keys: str) -> None:
        """Count a failed attempt for each key."""
        now = self._clock()
        for key in keys:
            record = self._current(key, now) or _Record(0, now)
            record.failures += 1
            record.last_failure = now
            self._records.pop(key, None)
            self._records[key] = record
        while len(self._records) > self.max_keys:
            self._records.popitem(last=False)

    def succeeded(self, account_key: str) -> None:
        """A right password: the account's count starts again (the address keeps its own)."""
        self._records.pop(account_key, None)

    def _rule(self, key: str) -> ThrottleRule:
        return self.rules[key.split(":", 1)[0]]

    def _current(self, key: str, now: float) -> _Record | None:
        record = self._records.get(key)
        if record is not None and now - record.last_failure > self._rule(key).forget_after_s:
            del self._records[key]
            return None
        return record

    def _wait(self, key: str, now: float) -> float:
        record = self._current(key, now)
        if record is None:
            return 0.0
        delay = delay_after(self._rule(key), record.failures)
        return max(0.0, record.last_failure + delay - now)


def delay_after(rule: ThrottleRule, failures: int) -> float:
    """How long after the last of `failures` failures the next attempt must wait."""
    over = failures - rule.free
    if over <= 0:
        return 0.0
    return min(rule.max_delay_s, rule.first_delay_s * math.pow(2.0, over - 1))
