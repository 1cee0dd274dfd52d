"""Code guessing is rate-limited; clients who type the right code are never slowed down."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest

from server.messages import Join, KioskMessageType
from server.protocol import ErrorCode, ProtocolError
from server.ratelimit import RateLimiter
from server.ws_kiosk import _join


class FakeSession:
    """Accepts the one right code; refuses the rest as the real session does."""

    def __init__(self, right_code: str) -> None:
        self.right_code = right_code
        self.store = SimpleNamespace(kiosk=SimpleNamespace(id=uuid.uuid4()))
        self.joined = 0

    async def handle(self, message: Join) -> None:
        if message.code != self.right_code:
            raise ProtocolError(ErrorCode.CODE_INVALID, "unknown, used or expired", ref="join")
        self.joined += 1


def _services(clock: list[float]) -> Any:
    joins = RateLimiter(5 / 60, 5, clock=lambda: clock[0])
    overall = RateLimiter(30 / 60, 30, clock=lambda: clock[0])
    return SimpleNamespace(limits=SimpleNamespace(joins=joins, joins_overall=overall))


def _join_message(code: str) -> Join:
    return Join(type=KioskMessageType.JOIN, code=code)


async def test_right_codes_are_never_counted() -> None:
    clock = [0.0]
    services, session = _services(clock), FakeSession("123456")
    for _ in range(20):
        await _join(services, session, _join_message("123456"), "10.0.0.1")  # type: ignore[arg-type]
    assert session.joined == 20


async def test_five_wrong_codes_block_the_next_join_for_a_while() -> None:
    clock = [0.0]
    services, session = _services(clock), FakeSession("123456")
    for guess in range(5):
        with pytest.raises(ProtocolError) as refused:
            await _join(services, session, _join_message(f"00000{guess}"), "10.0.0.1")  # type: ignore[arg-type]
        assert refused.value.code is ErrorCode.CODE_INVALID
    with pytest.raises(ProtocolError) as limited:
        await _join(services, session, _join_message("123456"), "10.0.0.1")  # type: ignore[arg-type]
    assert limited.value.code is ErrorCode.RATE_LIMITED
    assert session.joined == 0
    clock[0] += 13.0  # one attempt comes back every 12 s
    await _join(services, session, _join_message("123456"), "10.0.0.1")  # type: ignore[arg-type]
    assert session.joined == 1
