"""voice.smart_turn.window_of: the model hears the last 8 s, front-padded with silence."""

from __future__ import annotations

import numpy as np

from voice.smart_turn import WINDOW_SAMPLES, window_of


def test_short_audio_is_padded_in_front() -> None:
    audio = np.arange(1, 16001, dtype=np.float32)
    window = window_of(audio)
    assert window.shape == (WINDOW_SAMPLES,)
    assert not window[: WINDOW_SAMPLES - 16000].any()
    np.testing.assert_array_equal(window[-16000:], audio)


def test_long_audio_keeps_its_end() -> None:
    audio = np.arange(WINDOW_SAMPLES + 5000, dtype=np.float32)
    np.testing.assert_array_equal(window_of(audio), audio[-WINDOW_SAMPLES:])
