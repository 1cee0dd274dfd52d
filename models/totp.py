"""TOTP verification where each code works once (RFC 6238 section 5.2)."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp

# The code of the previous and the next 30-second step are accepted too (clock drift).
DRIFT_STEPS = 1


def accepted_step(
    secret: str, code: str, *, now: datetime, last_step: int | None
) -> int | None:
    """The time step `code` belongs to, if it is valid now and later than `last_step`.

    A step at or before the last one that signed in is refused, so a code seen over a
    shoulder or replayed from a captured request cannot be used again.
    """
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    code = code.strip()
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
