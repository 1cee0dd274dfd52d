"""The voice's cues in the turn decision: the end's pitch against the utterance's middle, and
how it combines with Smart Turn and the words (pure; audio is synthetic)."""

from __future__ import annotations

import numpy as np

from tests.unit.test_turn_taking import _first_end, _round_up
from voice.turn_taking import EndCause, TurnDecider, TurnPolicy, TurnTaking
from voice.turn_taking_pitch import final_pitch, final_pitch_level

RATE = 16000
KEY = (0.0, 2.0)
POLICY = TurnPolicy()


def _voiced(start_hz: float, end_hz: float, seconds: float = 0.8, steady_s: float = 0.0
            ) -> np.ndarray:
    """A buzzy vowel held at `start_hz` for `steady_s`, gliding to `end_hz` over `seconds`,
    then 200 ms of quiet (the tail)."""
    t = np.arange(round((steady_s + seconds) * RATE)) / RATE
    glide = np.clip((t - steady_s) / seconds, 0.0, 1.0)
    hz = start_hz * (end_hz / start_hz) ** glide
    phase = 2 * np.pi * np.cumsum(hz) / RATE
    buzz = sum(np.sin(k * phase) / k for k in range(1, 8))
    noise = np.random.default_rng(1).standard_normal(len(t) + 3200) * 1e-4
    return (np.concatenate([0.3 * buzz, np.zeros(3200)]) + noise).astype(np.float32)


def test_an_end_that_falls_to_the_bottom_of_the_range_is_below_the_fallen_line() -> None:
    # A statement: a second at the speaker's middle, then a fall of 5-6 semitones.
    fallen = final_pitch_level(_voiced(150.0, 110.0, seconds=0.3, steady_s=1.0))
    assert fallen is not None and fallen < POLICY.fallen_pitch - 1.0
    # A comma: the same voice staying level, or a small dip, or rising.
    for end_hz in (150.0, 140.0, 175.0):
        kept = final_pitch_level(_voiced(150.0, end_hz, seconds=0.3, steady_s=1.0))
        assert kept is not None and kept > POLICY.fallen_pitch


def test_the_end_s_movement_is_measured_with_its_level() -> None:
    level, slope = final_pitch(_voiced(150.0, 110.0, seconds=0.3, steady_s=1.0))
    assert level is not None and level < POLICY.fallen_pitch
    assert slope is not None and slope < POLICY.steep_fall
    level, slope = final_pitch(_voiced(150.0, 175.0, seconds=0.3, steady_s=1.0))
    assert level is not None and level > 0
    assert slope is not None and slope > 0
    assert final_pitch(np.zeros(RATE, np.float32)) == (None, None)


def test_a_steep_fall_just_above_the_line_counts_as_fallen() -> None:
    line = POLICY.fallen_pitch
    just_above = (POLICY.fallen_pitch + POLICY.falling_pitch) / 2
    assert POLICY.pitch_cue(just_above, POLICY.steep_fall - 2.0) == line
    # Not steep enough, not low enough, or no movement known: the level as measured.
    assert POLICY.pitch_cue(just_above, POLICY.steep_fall + 4.0) == just_above
    assert POLICY.pitch_cue(POLICY.falling_pitch + 1.0, -30.0) == POLICY.falling_pitch + 1.0
    assert POLICY.pitch_cue(just_above, None) == just_above
    assert POLICY.pitch_cue(-6.0, 5.0) == -6.0
    assert POLICY.pitch_cue(None, -30.0) is None


def test_a_low_voice_is_tracked() -> None:
    level = final_pitch_level(_voiced(95.0, 70.0, seconds=0.3, steady_s=1.0))
    assert level is not None and level < POLICY.fallen_pitch


def test_an_octave_error_at_the_end_does_not_make_a_level_voice_fall() -> None:
    audio = _voiced(150.0, 150.0, seconds=0.3, steady_s=1.0)
    # The last 40 ms tracked an octave low (the glide model's harmonics, halved): dropped.
    t = np.arange(640) / RATE
    audio[-3200 - 640 : -3200] = (0.3 * np.sin(2 * np.pi * 75.0 * t)).astype(np.float32)
    level = final_pitch_level(audio)
    assert level is not None and level > POLICY.fallen_pitch


def test_steps_and_clicks_have_no_pitch() -> None:
    # A level that switches on and off (a fake's "speech", a door, a click) correlates best
    # at the shortest period searched: that is not a voice, so nothing holds the turn.
    steps = np.concatenate([np.zeros(8000), np.full(16000, 0.2), np.zeros(24000),
                            np.full(16000, 0.2), np.zeros(3200)]).astype(np.float32)
    assert final_pitch_level(steps) is None


def test_noise_or_silence_has_no_pitch() -> None:
    noise = np.random.default_rng(2).standard_normal(RATE).astype(np.float32) * 0.1
    for audio in (noise, np.zeros(RATE, np.float32), np.zeros(100, np.float32)):
        assert final_pitch_level(audio) is None


def _decider(text: str, probability: float, level: float | None) -> TurnDecider:
    decider = TurnDecider(POLICY)
    decider.paused(KEY)
    decider.heard(KEY, text, "en")
    decider.scored(KEY, probability, level)
    return decider


def test_finished_words_a_finished_voice_and_a_fallen_pitch_end_at_the_minimum() -> None:
    assert _first_end(_decider("I went to see my mother.", 0.7, -5.0)) == (
        _round_up(POLICY.min_silence_ms), EndCause.COMPLETE)


def test_finished_words_in_a_fallen_but_unsure_voice_end_after_the_late_wait() -> None:
    assert _first_end(_decider("I went to see my mother.", 0.2, -5.0)) == (
        _round_up(POLICY.late_ms), EndCause.LATE)


def test_finished_words_with_a_pitch_that_has_not_fallen_hold_whatever_smart_turn_says() -> None:
    for probability in (0.2, 0.7, 0.99):
        for level in (-2.0, 0.0, 3.0):
            held = _first_end(_decider("I went to see my mother on Sunday", probability, level))
            assert held == (_round_up(POLICY.hold_ms), EndCause.HOLD)
    assert POLICY.late_ms < POLICY.hold_ms < POLICY.max_wait_ms


def test_maybe_unfinished_words_wait_for_the_hold_when_the_pitch_has_not_fallen() -> None:
    assert _first_end(_decider("I keep thinking about that", 0.9, -1.0)) == (
        _round_up(POLICY.hold_ms), EndCause.DOUBT)
    assert _first_end(_decider("I keep thinking about that", 0.9, -5.0)) == (
        _round_up(POLICY.doubt_ms), EndCause.DOUBT)


def test_an_unknown_pitch_leaves_smart_turn_to_decide() -> None:
    assert _first_end(_decider("I feel tired.", 0.7, None)) == (
        _round_up(POLICY.min_silence_ms), EndCause.COMPLETE)
    assert _first_end(_decider("I feel tired.", 0.2, None)) == (
        _round_up(POLICY.late_ms), EndCause.LATE)


def test_unfinished_words_wait_for_the_maximum_whatever_the_voice() -> None:
    for level in (-6.0, 0.0, None):
        ended = _first_end(_decider("I have been feeling", 0.99, level))
        assert ended is not None and ended[1] is EndCause.MAX_WAIT


def test_patience_scales_the_hold() -> None:
    assert POLICY.for_patience(1400).hold_ms == 2 * POLICY.hold_ms


def test_listen_gives_the_score_and_the_pitch_level() -> None:
    probability, level = TurnTaking(score=lambda audio: 0.25).listen(
        _voiced(150.0, 110.0, seconds=0.3, steady_s=1.0))
    assert probability == 0.25
    assert level is not None and level < POLICY.fallen_pitch
