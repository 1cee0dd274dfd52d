"""Issue 19: growing delays per account and per address; unknown names behave the same."""

from __future__ import annotations

from server.login_throttle import LoginThrottle, ThrottleRule


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_grow_then_cap_and_are_forgotten() -> None:
    clock = Clock()
    throttle = LoginThrottle(ThrottleRule(free=2, max_delay_s=8.0, forget_after_s=100.0),
                             ThrottleRule(free=50, max_delay_s=60.0), clock=clock)
    user, ip = throttle.keys("dr_ana", "10.0.0.9")
    waits = []
    for _ in range(7):
        throttle.failed(user, ip)
        waits.append(throttle.wait_s(user, ip))
    assert waits == [0.0, 0.0, 1.0, 2.0, 4.0, 8.0, 8.0]  # growing, capped: never a lock
    clock.now += 8.0
    assert throttle.wait_s(user, ip) == 0.0
    clock.now += 101.0
    throttle.failed(user, ip)
    assert throttle.wait_s(user, ip) == 0.0  # old failures forgotten


def test_unknown_and_real_names_are_throttled_identically() -> None:
    throttle = LoginThrottle(clock=Clock())
    for name in ("dr_ana", "no_such_user"):
        key, ip = throttle.keys(name, f"ip-{name}")
        for _ in range(6):
            throttle.failed(key, ip)
    real = throttle.wait_s(*throttle.keys("dr_ana", "ip-dr_ana"))
    unknown = throttle.wait_s(*throttle.keys("no_such_user", "ip-no_such_user"))
    assert real == unknown > 0


def test_address_limit_spans_accounts_and_success_resets_the_account() -> None:
    throttle = LoginThrottle(ThrottleRule(free=100, max_delay_s=60.0),
                             ThrottleRule(free=3, max_delay_s=60.0), clock=Clock())
    for n in range(5):  # spraying different names from one address
        throttle.failed(*throttle.keys(f"user{n}", "10.0.0.1"))
    assert throttle.wait_s(*throttle.keys("anyone", "10.0.0.1")) > 0
    assert throttle.wait_s(*throttle.keys("anyone", "10.0.0.2")) == 0
    account, _ = throttle.keys("user0", "10.0.0.1")
    throttle.succeeded(account)
    assert throttle.wait_s(account) == 0
