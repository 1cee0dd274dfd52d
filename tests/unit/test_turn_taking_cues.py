"""The voice's cues in the turn decision: the end's pitch movement, and how it combines with
Smart Turn and the words (pure; audio is synthetic)."""

from __future__ import annotations

import numpy as np

from tests.unit.test_turn_taking import _first_end, _round_up
from voice.turn_taking import EndCause, TurnDecider, TurnPolicy, TurnTaking
from voice.turn_taking_pitch import final_pitch_slope

RATE = 16000
KEY = (0.0, 2.0)
POLICY = TurnPolicy()


def _voiced(start_hz: float, end_hz: float, seconds: float = 0.8) -> np.ndarray:
    """A buzzy vowel gliding from `start_hz` to `end_hz`, then 200 ms of quiet (the tail)."""
    t = np.arange(round(seconds * RATE)) / RATE
    hz = start_hz * (end_hz / start_hz) ** (t / seconds)
    phase = 2 * np.pi * np.cumsum(hz) / RATE
    buzz = sum(np.sin(k * phase) / k for k in range(1, 8))
    noise = np.random.default_rng(1).standard_normal(len(t) + 3200) * 1e-4
    return (np.concatenate([0.3 * buzz, np.zeros(3200)]) + noise).astype(np.float32)


def test_a_falling_end_is_negative_and_a_rising_one_positive() -> None:
    falling = final_pitch_slope(_voiced(180.0, 120.0))
    rising = final_pitch_slope(_voiced(120.0, 150.0))
    level = final_pitch_slope(_voiced(130.0, 130.0))
    assert falling is not None and falling < POLICY.level_pitch
    assert rising is not None and rising > 0
    assert level is not None and level >= POLICY.level_pitch


def test_a_low_voice_is_tracked() -> None:
    slope = final_pitch_slope(_voiced(100.0, 70.0))
    assert slope is not None and slope < POLICY.level_pitch


def test_noise_or_silence_has_no_pitch() -> None:
    noise = np.random.default_rng(2).standard_normal(RATE).astype(np.float32) * 0.1
    assert final_pitch_slope(noise) is None
    assert final_pitch_slope(np.zeros(RATE, np.float32)) is None
    assert final_pitch_slope(np.zeros(100, np.float32)) is None


def _decider(text: str, probability: float, slope: float | None) -> TurnDecider:
    decider = TurnDecider(POLICY)
    decider.paused(KEY)
    decider.heard(KEY, text, "en")
    decider.scored(KEY, probability, slope)
    return decider


def test_finished_words_a_finished_voice_and_a_falling_pitch_end_at_the_minimum() -> None:
    assert _first_end(_decider("I went to see my mother.", 0.7, -12.0)) == (
        _round_up(POLICY.min_silence_ms), EndCause.COMPLETE)


def test_finished_words_with_a_level_pitch_hold_whatever_smart_turn_says() -> None:
    for probability in (0.2, 0.7, 0.99):
        held = _first_end(_decider("I went to see my mother on Sunday", probability, 2.0))
        assert held == (_round_up(POLICY.hold_ms), EndCause.HOLD)
    assert POLICY.late_ms < POLICY.hold_ms < POLICY.max_wait_ms


def test_an_unknown_pitch_leaves_smart_turn_to_decide() -> None:
    assert _first_end(_decider("I feel tired.", 0.7, None)) == (
        _round_up(POLICY.min_silence_ms), EndCause.COMPLETE)
    assert _first_end(_decider("I feel tired.", 0.2, None)) == (
        _round_up(POLICY.late_ms), EndCause.LATE)


def test_unfinished_words_wait_for_the_maximum_whatever_the_voice() -> None:
    for slope in (-15.0, 0.0, None):
        ended = _first_end(_decider("I have been feeling", 0.99, slope))
        assert ended is not None and ended[1] is EndCause.MAX_WAIT


def test_patience_scales_the_hold() -> None:
    assert POLICY.for_patience(1400).hold_ms == 2 * POLICY.hold_ms


def test_listen_gives_the_score_and_the_pitch() -> None:
    probability, slope = TurnTaking(score=lambda audio: 0.25).listen(_voiced(180.0, 120.0))
    assert probability == 0.25
    assert slope is not None and slope < 0
