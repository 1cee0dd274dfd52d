"""SessionFlow: the kiosk flow as a pure state machine."""

from __future__ import annotations

import pytest

from reflection.errors import FlowError, ReflectionError
from reflection.flow import EndReason, FlowState, ReviewAction, SessionFlow


def consented(max_turns: int = 3, max_minutes: float = 10.0) -> SessionFlow:
    flow = SessionFlow(max_turns=max_turns, max_minutes=max_minutes)
    flow.begin()
    flow.code_accepted()
    flow.consent(True, now=0.0)
    return flow


def test_full_happy_path() -> None:
    flow = consented(max_turns=2)
    assert flow.state is FlowState.OPENING
    assert flow.client_turn(now=10) is FlowState.REFLECTING
    assert flow.client_turn(now=20) is FlowState.FOCUS  # turn limit reached
    assert flow.client_turn(now=30) is FlowState.REVIEW  # the focus answer
    assert flow.review(ReviewAction.EDIT) is FlowState.REVIEW
    assert flow.review(ReviewAction.APPROVE) is FlowState.FEEDBACK
    assert flow.feedback(5) is FlowState.ENDED
    assert flow.end_reason is EndReason.COMPLETED and flow.recording and flow.rating == 5


def test_decline_records_nothing() -> None:
    flow = SessionFlow()
    flow.begin()
    flow.code_accepted()
    assert flow.consent(False, now=0) is FlowState.ENDED
    assert flow.end_reason is EndReason.DECLINED and not flow.recording


def test_time_box_moves_to_focus() -> None:
    flow = consented(max_turns=50, max_minutes=5)
    flow.client_turn(now=60)
    assert flow.tick(now=200) is FlowState.REFLECTING
    assert flow.tick(now=301) is FlowState.FOCUS


@pytest.mark.parametrize(
    ("turns", "expected"), [(0, FlowState.ENDED), (1, FlowState.REVIEW)]
)
def test_call_in_wraps_up_gracefully(turns: int, expected: FlowState) -> None:
    flow = consented(max_turns=10)
    for i in range(turns):
        flow.client_turn(now=i)
    assert flow.call_in() is expected
    assert flow.called_in
    if expected is FlowState.REVIEW:
        # Issue 13 changed this: after a call-in, review is the last step (no feedback).
        assert flow.review(ReviewAction.REMOVE) is FlowState.ENDED
        assert flow.end_reason is EndReason.CALLED_IN and flow.review_action is ReviewAction.REMOVE


def test_call_in_before_consent_and_after_end() -> None:
    flow = SessionFlow()
    flow.begin()
    assert flow.call_in() is FlowState.ENDED
    assert flow.call_in() is FlowState.ENDED


def test_end_and_erase_work_anywhere() -> None:
    flow = consented()
    flow.client_turn(now=1)
    assert flow.erase() is FlowState.ENDED
    assert flow.erased and not flow.recording and flow.end_reason is EndReason.ERASED
    other = consented()
    assert other.end(inactive=True) is FlowState.ENDED
    assert other.end_reason is EndReason.INACTIVE and other.recording


@pytest.mark.parametrize(
    "action",
    [
        lambda f: f.code_accepted(),
        lambda f: f.client_turn(now=0),
        lambda f: f.review(ReviewAction.APPROVE),
        lambda f: f.feedback(3),
        lambda f: f.consent(True, now=0),
    ],
)
def test_invalid_transitions_raise_with_a_code(action: object) -> None:
    flow = SessionFlow()
    with pytest.raises(FlowError) as caught:
        action(flow)  # type: ignore[operator]
    assert isinstance(caught.value, ReflectionError)
    assert caught.value.code == "flow_invalid_transition"
    assert flow.state is FlowState.IDLE


def test_rating_out_of_range_is_rejected() -> None:
    flow = consented(max_turns=1)
    flow.client_turn(now=1)
    flow.skip_focus()
    flow.review(ReviewAction.APPROVE)
    with pytest.raises(FlowError) as caught:
        flow.feedback(9)
    assert caught.value.code == "flow_invalid_rating"


def test_crisis_holds_until_staff_clear_it() -> None:
    flow = consented(max_turns=2)
    flow.client_turn(now=1)
    assert flow.crisis() is FlowState.CRISIS
    assert flow.heard() is False and flow.turns == 1  # turns in crisis do not move the flow
    assert flow.replied(now=10_000) is FlowState.CRISIS  # no time box, no focus question
    assert flow.inactive() is FlowState.CRISIS  # no inactivity timeout either
    with pytest.raises(FlowError) as caught:
        flow.finish()
    assert caught.value.code == "flow_crisis_holds"
    assert flow.staff_clear() is FlowState.ENDED and flow.end_reason is EndReason.STAFF_CLEARED


def test_call_in_during_a_reply_waits_for_it_then_takes_the_short_path() -> None:
    flow = consented(max_turns=10)
    flow.client_turn(now=1)
    assert flow.heard() is False
    assert flow.call_in(replying=True) is FlowState.REFLECTING
    assert flow.replied(now=2) is FlowState.REVIEW  # skips the focus question
    assert flow.review(ReviewAction.APPROVE) is FlowState.ENDED  # and the feedback
    assert flow.end_reason is EndReason.CALL_IN


def test_call_in_in_crisis_hands_over_to_the_therapist() -> None:
    flow = consented()
    flow.client_turn(now=1)
    flow.crisis()
    assert flow.call_in() is FlowState.ENDED and flow.end_reason is EndReason.CALL_IN


def test_a_dropped_connection_resumes_within_the_window_crisis_included() -> None:
    flow = consented()
    flow.client_turn(now=1)
    flow.crisis()
    flow.disconnected(now=100)
    assert flow.expire(now=150, window_s=120) is FlowState.CRISIS
    assert flow.resume(now=219, window_s=120) and flow.state is FlowState.CRISIS
    assert flow.offline_since is None
    # The crisis screen holds until staff clear it: no window ends a crisis session.
    flow.disconnected(now=300)
    assert flow.expire(now=3900, window_s=120) is FlowState.CRISIS
    assert flow.resume(now=3900, window_s=120) and flow.state is FlowState.CRISIS


def test_outside_crisis_a_reconnect_after_the_window_is_too_late() -> None:
    flow = consented()
    flow.client_turn(now=1)
    flow.disconnected(now=300)
    assert not flow.resume(now=421, window_s=120)
    assert flow.state is FlowState.ENDED and flow.end_reason is EndReason.DISCONNECTED


def test_offline_past_the_window_ends_as_disconnected() -> None:
    flow = consented()
    flow.disconnected(now=0)
    assert flow.expire(now=121, window_s=120) is FlowState.ENDED
    assert flow.end_reason is EndReason.DISCONNECTED


def test_finish_wraps_up_from_where_the_client_is() -> None:
    flow = consented()
    assert flow.finish() is FlowState.ENDED  # nothing said yet
    flow = consented()
    flow.client_turn(now=1)
    assert flow.finish() is FlowState.FOCUS
    assert flow.finish() is FlowState.REVIEW
    flow.review(ReviewAction.APPROVE)
    assert flow.finish() is FlowState.ENDED and flow.end_reason is EndReason.COMPLETED
