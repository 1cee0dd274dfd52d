"""Rate limits and the sign-in throttle counted in Redis, shared by every server process.

Each check is one Lua script (atomic in Redis, on Redis's clock), so parallel attempts on
different processes cannot both take the last token. The sync client is used because the
callers are sync routes (run in the thread pool) or run these off the event loop.
"""

from __future__ import annotations

from typing import Any

import redis

from server.login_throttle import LoginThrottle, delay_after

# KEYS[1] bucket; ARGV: rate, burst, cost, mode (take | refund | peek). Returns {ok, tokens}.
BUCKET = """
local rate, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local v = redis.call('HMGET', KEYS[1], 'tokens', 'updated')
local tokens, updated = tonumber(v[1]), tonumber(v[2])
if tokens == nil then
  if ARGV[4] ~= 'take' then return {1, tostring(burst)} end
  tokens, updated = burst, now
end
tokens = math.min(burst, tokens + (now - updated) * rate)
local ok = 1
if ARGV[4] == 'take' then
  if tokens >= cost then tokens = tokens - cost else ok = 0 end
elseif ARGV[4] == 'refund' then
  tokens = math.min(burst, tokens + cost)
else
  return {1, tostring(tokens)}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'updated', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return {ok, tostring(tokens)}
"""
# KEYS: failure hashes. ARGV[1]: forget after (s); ARGV[2]: 'fail' or 'read'.
# Returns now, then failures and last failure time per key.
FAILURES = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local out = {tostring(now)}
for i, key in ipairs(KEYS) do
  if ARGV[2] == 'fail' then
    redis.call('HINCRBY', key, 'failures', 1)
    redis.call('HSET', key, 'last', tostring(now))
    redis.call('EXPIRE', key, math.ceil(tonumber(ARGV[1])))
  end
  local v = redis.call('HMGET', key, 'failures', 'last')
  table.insert(out, v[1] or '0')
  table.insert(out, v[2] or tostring(now))
end
return out
"""


def sync_client(url: str) -> redis.Redis:
    """A thread-safe pooled client (short timeouts: a limit check must not hang a sign-in)."""
    client: redis.Redis = redis.Redis.from_url(
        url, decode_responses=True, socket_timeout=5, socket_connect_timeout=5
    )
    return client


class RedisRateLimiter:
    """`RateLimiter`'s token bucket, kept in Redis under `<name>:<key>`."""

    blocking = True

    def __init__(self, client: redis.Redis, name: str, rate: float, burst: float) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.client, self.name, self.rate, self.burst = client, name, rate, burst
        self._script: Any = client.register_script(BUCKET)

    def _run(self, key: str, cost: float, mode: str) -> tuple[bool, float]:
        ok, tokens = self._script(keys=[f"{self.name}:{key}"],
                                  args=[self.rate, self.burst, cost, mode])
        return bool(int(ok)), float(tokens)

    def allow(self, key: str, cost: float = 1.0) -> bool:
        """Take `cost` tokens from `key`'s bucket if it has them."""
        return self._run(key, cost, "take")[0]

    def refund(self, key: str, cost: float = 1.0) -> None:
        """Give back tokens taken by `allow`."""
        self._run(key, cost, "refund")

    def exhausted(self, key: str) -> bool:
        """Whether `key` has less than one token now."""
        return self._run(key, 1.0, "peek")[1] < 1.0

    def wait_s(self, key: str, cost: float = 1.0) -> float:
        """Seconds until `key` has `cost` tokens again."""
        return max(0.0, (cost - self._run(key, cost, "peek")[1]) / self.rate)

    def reset(self, key: str) -> None:
        """Forget a key."""
        self.client.delete(f"{self.name}:{key}")


class RedisLoginThrottle(LoginThrottle):
    """`LoginThrottle`'s growing delays, with the failure counts kept in Redis."""

    def __init__(self, client: redis.Redis, rules_from: LoginThrottle, name: str) -> None:
        super().__init__(rules_from.rules["user"], rules_from.rules["ip"])
        self.client, self.name = client, name
        self._script: Any = client.register_script(FAILURES)

    def _counts(self, keys: tuple[str, ...], mode: str) -> tuple[float, list[tuple[int, float]]]:
        forget = max(rule.forget_after_s for rule in self.rules.values())
        out = self._script(keys=[f"{self.name}:{k}" for k in keys], args=[forget, mode])
        now = float(out[0])
        pairs = [(int(out[i]), float(out[i + 1])) for i in range(1, len(out), 2)]
        return now, pairs

    def wait_s(self, *keys: str) -> float:
        """Seconds until another attempt is allowed for all `keys` (0 = now)."""
        if not keys:
            return 0.0
        now, counts = self._counts(keys, "read")
        waits = [max(0.0, last + delay_after(self._rule(key), failures) - now)
                 for key, (failures, last) in zip(keys, counts, strict=True)]
        return max(waits)

    def failed(self, *keys: str) -> None:
        """Count a failed attempt for each key (on every process)."""
        if keys:
            self._counts(keys, "fail")

    def succeeded(self, account_key: str) -> None:
        """A right password: the account's count starts again."""
        self.client.delete(f"{self.name}:{account_key}")
