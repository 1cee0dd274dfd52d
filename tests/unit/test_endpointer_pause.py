"""voice.endpointer pause events: the utterance so far, offered before the end-of-turn decision."""

from __future__ import annotations

import numpy as np

from voice.endpointer import (
    Endpointer,
    EndpointerConfig,
    EndpointEvent,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    UtteranceEnded,
)

FRAME = 512
RATE = 16000


def _push(endpointer: Endpointer, probs: list[float], start: int = 0) -> list[EndpointEvent]:
    events: list[EndpointEvent] = []
    for index, prob in enumerate(probs, start):
        frame = np.full(FRAME, 0.1 if prob >= 0.5 else 0.001, dtype=np.float32)
        frame[0] = index + 1  # tag each frame so audio can be compared
        events.extend(endpointer.push(frame, prob))
    return events


def _config(**changes: int) -> EndpointerConfig:
    base = {"pause_ms": 192, "tail_ms": 96, "end_silence_ms": 704, "preroll_ms": 0}
    return EndpointerConfig(min_snr_db=0.0, **{**base, **changes})


def test_no_pause_events_unless_configured() -> None:
    endpointer = Endpointer(_config(pause_ms=0), FRAME, RATE)
    events = _push(endpointer, [0.9] * 20 + [0.0] * 30)
    assert [type(e) for e in events] == [SpeechStarted, UtteranceEnded]


def test_a_pause_offers_exactly_the_audio_the_end_then_carries() -> None:
    endpointer = Endpointer(_config(), FRAME, RATE)
    events = _push(endpointer, [0.9] * 20 + [0.0] * 30)
    assert [type(e) for e in events] == [SpeechStarted, SpeechPaused, UtteranceEnded]
    paused, ended = events[1], events[2]
    assert isinstance(paused, SpeechPaused) and isinstance(ended, UtteranceEnded)
    assert paused.key == ended.key
    np.testing.assert_array_equal(paused.audio, ended.audio)


def test_the_pause_comes_after_pause_ms_and_before_the_end() -> None:
    endpointer = Endpointer(_config(), FRAME, RATE)
    events = _push(endpointer, [0.9] * 20 + [0.0] * 6)  # 6 frames = 192 ms of silence
    assert isinstance(events[-1], SpeechPaused)
    assert endpointer.in_speech  # the turn is not decided yet


def test_the_pause_waits_for_the_tail_so_its_audio_is_complete() -> None:
    endpointer = Endpointer(_config(pause_ms=32, tail_ms=320), FRAME, RATE)
    early = _push(endpointer, [0.9] * 20 + [0.0] * 9)
    assert not any(isinstance(e, SpeechPaused) for e in early)
    paused = _push(endpointer, [0.0], start=29)
    assert isinstance(paused[0], SpeechPaused)
    assert len(paused[0].audio) == (20 + 10) * FRAME


def test_resumed_speech_invalidates_the_pause_and_pauses_again_later() -> None:
    endpointer = Endpointer(_config(), FRAME, RATE)
    probs = [0.9] * 20 + [0.0] * 8 + [0.9] * 10 + [0.0] * 30
    events = _push(endpointer, probs)
    kinds = [type(e) for e in events]
    assert kinds == [SpeechStarted, SpeechPaused, SpeechResumed, SpeechPaused, UtteranceEnded]
    first, second, ended = events[1], events[3], events[4]
    assert isinstance(first, SpeechPaused) and isinstance(second, SpeechPaused)
    assert isinstance(ended, UtteranceEnded)
    assert first.key != ended.key  # the first pause's audio missed the words after it
    assert len(first.audio) < len(ended.audio)
    assert second.key == ended.key
    np.testing.assert_array_equal(second.audio, ended.audio)


def test_a_pause_longer_than_end_silence_never_fires() -> None:
    endpointer = Endpointer(_config(pause_ms=800), FRAME, RATE)
    events = _push(endpointer, [0.9] * 20 + [0.0] * 30)
    assert [type(e) for e in events] == [SpeechStarted, UtteranceEnded]


def test_a_decider_may_end_the_paused_utterance_with_the_pause_audio() -> None:
    endpointer = Endpointer(_config(), FRAME, RATE)
    events = _push(endpointer, [0.9] * 20 + [0.0] * 8)
    paused = events[-1]
    assert isinstance(paused, SpeechPaused) and endpointer.paused
    assert endpointer.silence_ms == 8 * 32
    ended = endpointer.end_paused()
    assert ended is not None and ended.key == paused.key
    np.testing.assert_array_equal(ended.audio, paused.audio)
    assert not endpointer.in_speech and endpointer.end_paused() is None


def test_no_early_end_once_speech_resumed() -> None:
    endpointer = Endpointer(_config(), FRAME, RATE)
    _push(endpointer, [0.9] * 20 + [0.0] * 8 + [0.9] * 3)
    assert not endpointer.paused and endpointer.silence_ms == 0
    assert endpointer.end_paused() is None and endpointer.in_speech
