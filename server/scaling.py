"""What one process keeps and several share: the limits (docs/protocol.md, "Limits"), the fanout.

With `redis.url` the code-guess limits, failed-authentication counts and sign-in throttle are
counted in Redis, so two processes give an attacker no more attempts than one. Per-socket
message rates and per-kiosk connection caps stay per process (a socket lives on one process).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from server.config import Settings
from server.fanout import Fanout, InMemoryFanout
from server.login_throttle import LoginThrottle
from server.ratelimit import ConnectionCounter, Limiter, RateLimiter

JOINS = (5 / 60, 5)
# All kiosks together: 10^6 codes, so 30 wrong a minute leaves guessing hopeless.
JOINS_OVERALL = (30 / 60, 30)


def auth_failures_per_address(settings: Settings) -> tuple[float, float]:
    """Rate and burst of wrong kiosk tokens and enrolment codes allowed from one address."""
    per_minute = settings.security.address_auth_failures_per_minute
    return per_minute / 60, per_minute


@dataclass
class Limits:
    """Rate limits and connection caps."""

    messages_per_s: float = 100.0
    message_burst: float = 200.0
    kiosk_connections: int = 2
    joins: Limiter = field(default_factory=lambda: RateLimiter(*JOINS))
    joins_overall: Limiter = field(default_factory=lambda: RateLimiter(*JOINS_OVERALL))
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    auth_failures: Limiter = field(default_factory=lambda: RateLimiter(10 / 60, 10))
    open_kiosks: ConnectionCounter = field(default_factory=lambda: ConnectionCounter(2))

    def message_limiter(self) -> RateLimiter:
        """A fresh per-socket message limiter."""
        return RateLimiter(self.messages_per_s, self.message_burst, max_keys=1)


def limits_for(settings: Settings) -> Limits:
    """This process's limits, or (with `redis.url`) limits shared by every process."""
    throttle = LoginThrottle.from_settings(settings.security)
    failures = auth_failures_per_address(settings)
    if not settings.redis.url:
        return Limits(login_throttle=throttle, auth_failures=RateLimiter(*failures))
    from server.limits_redis import RedisLoginThrottle, RedisRateLimiter, sync_client

    client, prefix = sync_client(settings.redis.url), settings.redis.prefix
    return Limits(
        joins=RedisRateLimiter(client, f"{prefix}:limit:joins", *JOINS),
        joins_overall=RedisRateLimiter(client, f"{prefix}:limit:joins_overall", *JOINS_OVERALL),
        auth_failures=RedisRateLimiter(client, f"{prefix}:limit:auth_failures", *failures),
        login_throttle=RedisLoginThrottle(client, throttle, f"{prefix}:login"),
    )


def fanout_for(settings: Settings) -> Fanout:
    """Redis with `redis.url` (several processes), else this process only."""
    if not settings.redis.url:
        return InMemoryFanout()
    from server.fanout_redis import RedisFanout

    return RedisFanout(settings.redis.url, presence_ttl_s=settings.redis.presence_ttl_s,
                       prefix=settings.redis.prefix)
