"""Issue 19: a TOTP code signs in once; the previous step's code only if that step is unused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from models.totp import accepted_step

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # fixed, with a fixed clock: the test is deterministic
OTHER = "KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU"
NOW = datetime(2026, 12, 1, 22, 0, 10, tzinfo=UTC)


def test_a_code_is_accepted_once_then_refused() -> None:
    code = pyotp.TOTP(SECRET).at(NOW)
    step = accepted_step(SECRET, code, now=NOW, last_step=None)
    assert step == pyotp.TOTP(SECRET).timecode(NOW)
    assert accepted_step(SECRET, code, now=NOW, last_step=step) is None
    assert accepted_step(SECRET, code, now=NOW + timedelta(seconds=5), last_step=step) is None


def test_previous_step_only_while_unused() -> None:
    previous = pyotp.TOTP(SECRET).at(NOW - timedelta(seconds=30))
    current_step = pyotp.TOTP(SECRET).timecode(NOW)
    assert accepted_step(SECRET, previous, now=NOW, last_step=None) == current_step - 1
    # The current step already signed in: an older code can no longer be used.
    assert accepted_step(SECRET, previous, now=NOW, last_step=current_step) is None


def test_wrong_and_stale_codes_are_refused() -> None:
    stale = pyotp.TOTP(SECRET).at(NOW - timedelta(minutes=2))
    assert accepted_step(SECRET, stale, now=NOW, last_step=None) is None
    assert accepted_step(SECRET, pyotp.TOTP(OTHER).at(NOW), now=NOW, last_step=None) is None
