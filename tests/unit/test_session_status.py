"""The one shown status of a session and the actions that apply (models/session_status.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from models.session_status import StatusFacts, actions_for, shown_status
from models.types import SessionStatus

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)
LATER = NOW + timedelta(minutes=30)


@pytest.mark.parametrize(("facts", "status", "actions"), [
    (StatusFacts(SessionStatus.PENDING, None, LATER, False), "pending", ["show_code", "cancel"]),
    (StatusFacts(SessionStatus.PENDING, None, NOW - timedelta(seconds=1), False), "expired", []),
    (StatusFacts(SessionStatus.ENDED, None, LATER, False), "cancelled", []),
    (StatusFacts(SessionStatus.ACTIVE, NOW, LATER, False), "active", ["call_in"]),
    (StatusFacts(SessionStatus.ACTIVE, NOW, LATER, True), "crisis", ["call_in", "clear_crisis"]),
    (StatusFacts(SessionStatus.ENDED, NOW, LATER, True), "ended", []),
    (StatusFacts(SessionStatus.ERASED, NOW, LATER, True), "erased", []),
])
def test_each_stored_state_shows_one_status_and_only_the_actions_that_apply(
    facts: StatusFacts, status: str, actions: list[str]
) -> None:
    shown = shown_status(facts, now=NOW)
    assert shown.value == status and actions_for(shown) == actions


def test_naive_sqlite_times_compare_as_utc() -> None:
    naive = StatusFacts(SessionStatus.PENDING, None, LATER.replace(tzinfo=None), False)
    assert shown_status(naive, now=NOW).value == "pending"
