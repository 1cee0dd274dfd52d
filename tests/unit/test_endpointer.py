"""voice.endpointer: pure end-of-turn logic on synthetic frames and probabilities."""

from __future__ import annotations

import numpy as np

from voice.endpointer import (
    Endpointer,
    EndpointerConfig,
    EndpointEvent,
    SpeechStarted,
    UtteranceEnded,
    UtteranceEndReason,
)

FRAME = 512
RATE = 16000
FRAME_S = FRAME / RATE  # 32 ms


def _frame(value: float) -> np.ndarray:
    """A constant-level frame whose first sample tags where it came from."""
    frame = np.full(FRAME, 0.1 if value else 0.001, dtype=np.float32)
    frame[0] = value
    return frame


def _run(
    probs: list[float], config: EndpointerConfig | None = None, *, loud: list[bool] | None = None
) -> tuple[list[EndpointEvent], Endpointer]:
    endpointer = Endpointer(config or EndpointerConfig(min_snr_db=0.0), FRAME, RATE)
    events: list[EndpointEvent] = []
    for index, prob in enumerate(probs):
        is_loud = prob >= 0.5 if loud is None else loud[index]
        frame = _frame(float(index + 1)) if is_loud else _frame(0.0)
        if is_loud:
            frame[0] = index + 1  # tag frames so the utterance audio can be checked
        else:
            frame[0] = -(index + 1) / 1e6
        events.extend(endpointer.push(frame, prob))
    return events, endpointer


def _frames_for(ms: float) -> int:
    return round(ms / 1000 / FRAME_S)


def test_silence_produces_no_events() -> None:
    events, endpointer = _run([0.05] * 200)
    assert events == []
    assert endpointer.flush() == []


def test_short_blip_below_min_speech_is_ignored() -> None:
    probs = [0.0] * 20 + [0.9] * 3 + [0.0] * 60
    events, _ = _run(probs, EndpointerConfig(min_speech_ms=250, min_snr_db=0.0))
    assert events == []


def test_speech_then_silence_ends_the_turn_after_end_silence() -> None:
    config = EndpointerConfig(
        min_speech_ms=96, end_silence_ms=320, preroll_ms=0, tail_ms=0, min_snr_db=0.0
    )
    probs = [0.0] * 10 + [0.9] * 30 + [0.0] * 30
    events, _ = _run(probs, config)
    assert [type(e) for e in events] == [SpeechStarted, UtteranceEnded]
    started, ended = events
    assert isinstance(started, SpeechStarted) and isinstance(ended, UtteranceEnded)
    assert started.start_s == 10 * FRAME_S
    assert ended.reason is UtteranceEndReason.SILENCE
    assert abs(ended.speech_end_s - 40 * FRAME_S) < 1e-9
    # Exactly the 30 speech frames, tagged 11..40.
    tags = ended.audio.reshape(-1, FRAME)[:, 0]
    assert tags.tolist() == list(range(11, 41))


def test_end_of_turn_waits_for_the_configured_silence() -> None:
    probs = [0.9] * 20 + [0.0] * _frames_for(600) + [0.9] * 20 + [0.0] * 40
    short, _ = _run(probs, EndpointerConfig(end_silence_ms=500, min_snr_db=0.0))
    patient, _ = _run(probs, EndpointerConfig(end_silence_ms=1000, min_snr_db=0.0))
    assert sum(isinstance(e, UtteranceEnded) for e in short) == 2
    ended = [e for e in patient if isinstance(e, UtteranceEnded)]
    assert len(ended) == 1  # the 600 ms pause did not end a slow speaker's turn
    assert ended[0].speech_end_s > 40 * FRAME_S


def test_preroll_keeps_audio_before_the_trigger() -> None:
    config = EndpointerConfig(preroll_ms=160, tail_ms=0, end_silence_ms=320, min_snr_db=0.0)
    probs = [0.0] * 20 + [0.9] * 15 + [0.0] * 20
    events, _ = _run(probs, config)
    ended = next(e for e in events if isinstance(e, UtteranceEnded))
    preroll = _frames_for(160)
    assert len(ended.audio) == (preroll + 15) * FRAME
    assert ended.start_s == (20 - preroll) * FRAME_S
    tags = ended.audio.reshape(-1, FRAME)[:, 0]
    assert all(tag < 0 for tag in tags[:preroll])  # the quiet frames just before speech
    assert tags[preroll] == 21


def test_tail_keeps_a_little_trailing_silence() -> None:
    config = EndpointerConfig(preroll_ms=0, tail_ms=96, end_silence_ms=320, min_snr_db=0.0)
    events, _ = _run([0.9] * 10 + [0.0] * 20, config)
    ended = next(e for e in events if isinstance(e, UtteranceEnded))
    assert len(ended.audio) == (10 + _frames_for(96)) * FRAME


def test_hysteresis_band_does_not_end_or_break_speech() -> None:
    config = EndpointerConfig(speech_threshold=0.5, end_silence_ms=320, min_snr_db=0.0)
    # 0.4 is between the silence threshold (0.35) and the speech threshold.
    probs = [0.9] * 10 + [0.4] * 30 + [0.9] * 5 + [0.0] * 20
    events, _ = _run(probs, config, loud=[True] * 45 + [False] * 20)
    assert [type(e) for e in events] == [SpeechStarted, UtteranceEnded]
    ended = events[1]
    assert isinstance(ended, UtteranceEnded)
    assert abs(ended.speech_end_s - 45 * FRAME_S) < 1e-9


def test_hysteresis_band_alone_never_starts_speech() -> None:
    events, _ = _run([0.45] * 100, loud=[True] * 100)
    assert events == []


def test_max_utterance_length_forces_an_end() -> None:
    config = EndpointerConfig(max_utterance_s=1.0, min_snr_db=0.0)
    events, endpointer = _run([0.9] * 40, config)  # 1.28 s of speech
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert len(ended) == 1 and ended[0].reason is UtteranceEndReason.MAX_LENGTH
    assert len(ended[0].audio) <= int(1.0 * RATE) + FRAME
    assert endpointer.in_speech  # still talking: the next utterance started


def test_flush_closes_an_open_utterance() -> None:
    events, endpointer = _run([0.0] * 5 + [0.9] * 20)
    assert [type(e) for e in events] == [SpeechStarted]
    closing = endpointer.flush()
    assert len(closing) == 1 and isinstance(closing[0], UtteranceEnded)
    assert closing[0].reason is UtteranceEndReason.STREAM_END
    assert not endpointer.in_speech


def test_reset_forgets_the_turn() -> None:
    _, endpointer = _run([0.9] * 20)
    assert endpointer.in_speech
    endpointer.reset()
    assert not endpointer.in_speech and endpointer.flush() == []


def test_loud_background_chatter_is_gated_by_level() -> None:
    """Speech-like frames at the background level never start a turn."""
    rng = np.random.default_rng(0)
    endpointer = Endpointer(EndpointerConfig(min_snr_db=10.0), FRAME, RATE)
    events: list[EndpointEvent] = []
    for _ in range(300):  # ~10 s of 'babble': VAD says speech, but it is the room level
        frame = (0.03 * rng.standard_normal(FRAME)).astype(np.float32)
        events.extend(endpointer.push(frame, 0.95))
    assert events == []
    assert -34 < endpointer.noise_floor_db < -27
    # The client, 20 dB louder than the room, is heard.
    for _ in range(40):
        frame = (0.3 * rng.standard_normal(FRAME)).astype(np.float32)
        events.extend(endpointer.push(frame, 0.95))
    for _ in range(40):
        frame = (0.03 * rng.standard_normal(FRAME)).astype(np.float32)
        events.extend(endpointer.push(frame, 0.95))
    assert [type(e) for e in events] == [SpeechStarted, UtteranceEnded]
    ended = events[1]
    assert isinstance(ended, UtteranceEnded) and ended.reason is UtteranceEndReason.SILENCE


def test_level_gate_off_by_zero_config() -> None:
    endpointer = Endpointer(EndpointerConfig(min_snr_db=0.0), FRAME, RATE)
    events = [e for _ in range(30) for e in endpointer.push(np.full(FRAME, 0.01, np.float32), 0.9)]
    assert any(isinstance(e, SpeechStarted) for e in events)
