"""voice.turn_taking: the end-of-turn decision from silence, words and Smart Turn (pure)."""

from __future__ import annotations

from voice.turn_taking import EndCause, TurnDecider, TurnPolicy, TurnTaking

KEY = (0.0, 2.0)
POLICY = TurnPolicy()


def _decider(text: str | None, probability: float | None, lang: str = "en") -> TurnDecider:
    decider = TurnDecider(POLICY)
    decider.paused(KEY)
    if text is not None:
        decider.heard(KEY, text, lang)
    if probability is not None:
        decider.scored(KEY, probability)
    return decider


def _first_end(decider: TurnDecider) -> tuple[int, EndCause] | None:
    """The first silence (ms, 32 ms frames) at which the decider ends the turn."""
    for silence in range(0, 10_000, 32):
        cause = decider.decide(silence)
        if cause is not None:
            return silence, cause
    return None


def test_a_finished_sentence_ends_right_after_the_minimum_silence() -> None:
    ended = _first_end(_decider("I feel tired all the time.", 0.9))
    assert ended is not None
    assert POLICY.min_silence_ms <= ended[0] < POLICY.min_silence_ms + 32
    assert ended[1] is EndCause.COMPLETE


def test_nothing_ends_before_the_minimum_silence() -> None:
    decider = _decider("I feel tired.", 0.99)
    assert decider.decide(POLICY.min_silence_ms - 1) is None


def test_an_unfinished_phrase_waits_for_the_maximum_even_if_the_voice_sounds_done() -> None:
    for text, lang in (("I have been feeling", "en"), ("porque", "es"), ("my mother and I", "en")):
        assert _first_end(_decider(text, 0.99, lang)) == (
            _round_up(POLICY.max_wait_ms), EndCause.MAX_WAIT)


def test_fillers_never_end_a_turn_before_the_maximum_wait() -> None:
    for text, lang in (("Um.", "en"), ("Este...", "es"), ("I went, uh", "en")):
        ended = _first_end(_decider(text, 0.99, lang))
        assert ended is not None and ended[1] is EndCause.MAX_WAIT


def test_finished_words_in_an_unfinished_voice_wait_longer() -> None:
    ended = _first_end(_decider("I went to see my mother.", 0.2))
    assert ended == (_round_up(POLICY.late_ms), EndCause.LATE)


def test_maybe_unfinished_words_need_the_voice_and_a_longer_silence() -> None:
    assert _first_end(_decider("That is who I talk to", 0.8)) == (
        _round_up(POLICY.doubt_ms), EndCause.DOUBT)
    assert _first_end(_decider("That is who I talk to", 0.1))[1] is EndCause.MAX_WAIT  # type: ignore[index]


def test_it_waits_for_the_score_it_was_promised() -> None:
    decider = _decider("I feel tired.", None)
    assert decider.decide(600) is None
    decider.scored(KEY, 0.9)
    assert decider.decide(632) is EndCause.COMPLETE


def test_without_a_transcript_a_finished_voice_ends_it_after_a_longer_silence() -> None:
    assert _first_end(_decider(None, 0.99)) == (_round_up(POLICY.doubt_ms), EndCause.DOUBT)
    assert _first_end(_decider(None, 0.1))[1] is EndCause.MAX_WAIT  # type: ignore[index]


def test_finished_words_never_wait_longer_than_the_patience_silence() -> None:
    for patience in (300, 700, 1400, 3000):
        policy = POLICY.for_patience(patience)
        assert policy.late_ms <= max(patience, policy.min_silence_ms)


def test_a_failed_score_leaves_the_words_to_decide() -> None:
    decider = _decider("I feel tired.", None)
    decider.scored(KEY, None)
    assert decider.decide(POLICY.min_silence_ms) is EndCause.COMPLETE


def test_without_the_audio_model_the_words_decide() -> None:
    decider = TurnDecider(POLICY, audio_model=False)
    decider.paused(KEY)
    decider.heard(KEY, "I feel tired.", "en")
    assert decider.decide(POLICY.min_silence_ms) is EndCause.COMPLETE
    decider.heard(KEY, "I feel tired and", "en")
    assert decider.decide(POLICY.max_wait_ms - 1) is None


def test_news_of_another_pause_is_ignored() -> None:
    decider = _decider(None, None)
    decider.heard((0.0, 1.0), "I feel tired.", "en")
    decider.scored((0.0, 1.0), 0.99)
    assert decider.decide(POLICY.doubt_ms) is None


def test_speech_resuming_forgets_the_pause() -> None:
    decider = _decider("I feel tired.", 0.99)
    decider.resumed()
    assert decider.key is None
    assert decider.decide(POLICY.max_wait_ms) is None


def test_patience_moves_every_threshold() -> None:
    slow = POLICY.for_patience(1400)
    assert slow.min_silence_ms == 2 * POLICY.min_silence_ms
    assert slow.late_ms == 2 * POLICY.late_ms and slow.max_wait_ms == 2 * POLICY.max_wait_ms
    fast = POLICY.for_patience(350)
    assert fast.min_silence_ms == POLICY.min_silence_ms  # never below: the audio needs its tail
    assert fast.max_wait_ms < POLICY.max_wait_ms
    assert POLICY.for_patience(3000).max_wait_ms <= 8000
    assert POLICY.for_patience(700) == POLICY


def test_turn_taking_builds_deciders_for_a_patience() -> None:
    turns = TurnTaking(score=lambda audio: 0.5)
    decider = turns.decider(1400)
    assert decider.audio_model and decider.policy == POLICY.for_patience(1400)
    assert not TurnTaking().decider(700).audio_model


def _round_up(ms: int) -> int:
    return -(-ms // 32) * 32


def test_crisis_words_end_an_unfinished_phrase_at_the_minimum_silence() -> None:
    decider = _decider("I want to kill myself and", 0.1)
    waits = _first_end(decider)
    assert waits is not None and waits[1] is EndCause.MAX_WAIT  # unscreened: the maximum wait
    decider.urgent((9.0, 9.0))  # another pause's screening changes nothing
    assert _first_end(decider) == waits
    decider.urgent(KEY)
    found = _first_end(decider)
    assert found is not None and found[1] is EndCause.URGENT
    assert POLICY.min_silence_ms <= found[0] < POLICY.min_silence_ms + 32
