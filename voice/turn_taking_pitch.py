"""The pitch movement at the end of an utterance: a fall ends a statement, a rise or a level
pitch ("on Sunday, ...") usually leads on."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

RATE = 16000
_WINDOW = 800  # 50 ms: three periods of a 60 Hz voice
_HOP = 160  # 10 ms
_MIN_HZ, _MAX_HZ = 60.0, 400.0
# A frame is voiced when its normalized autocorrelation peak reaches this.
_VOICED = 0.55
# Voiced frames this far below the loudest frame are breath or room tone, not the voice.
_QUIET_DB = 30.0
# How much of the end the movement is measured over (the last voiced stretch of speech).
_SPAN_S = 0.45
_MIN_VOICED_FRAMES = 8


def _frames(audio: NDArray[np.float32]) -> NDArray[np.float32]:
    count = 1 + max(0, (audio.size - _WINDOW) // _HOP)
    index = np.arange(_WINDOW)[np.newaxis, :] + _HOP * np.arange(count)[:, np.newaxis]
    return audio[index] if audio.size >= _WINDOW else np.zeros((0, _WINDOW), np.float32)


def _pitch(frames: NDArray[np.float32]) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Per-frame F0 (Hz) by normalized autocorrelation, and whether each frame is voiced."""
    lo, hi = int(RATE / _MAX_HZ), int(RATE / _MIN_HZ)
    window = np.hanning(_WINDOW)
    centred = frames - frames.mean(axis=1, keepdims=True)
    spectrum = np.fft.rfft(centred * window, n=2 * _WINDOW, axis=1)
    corr = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, : hi + 1]
    energy = corr[:, :1] + 1e-12
    # Divided by the window's own autocorrelation (Boersma 1993), so a long period (a low
    # voice) is not penalized for overlapping less of the window.
    own = np.fft.irfft(np.abs(np.fft.rfft(window, n=2 * _WINDOW)) ** 2)[: hi + 1]
    normalized = (corr / energy) / (own / own[0])
    lag = lo + np.argmax(normalized[:, lo : hi + 1], axis=1)
    peak = normalized[np.arange(len(lag)), lag]
    level = 10.0 * np.log10(energy[:, 0])
    voiced = (peak >= _VOICED) & (level >= level.max(initial=-120.0) - _QUIET_DB)
    return RATE / lag.astype(np.float64), voiced


def final_pitch_slope(audio: NDArray[np.float32]) -> float | None:
    """Semitones per second over the last voiced ~0.45 s of `audio` (16 kHz mono): negative
    = falling. None when too little of the end is voiced to tell (whisper, noise)."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)[-4 * RATE :]
    frames = _frames(samples)
    if not len(frames):
        return None
    hz, voiced = _pitch(frames)
    where = np.flatnonzero(voiced)
    if where.size < _MIN_VOICED_FRAMES:
        return None
    last = where[-1]
    span = round(_SPAN_S * RATE / _HOP)
    picked = where[where > last - span]
    if picked.size < _MIN_VOICED_FRAMES:
        return None
    semitones = 12.0 * np.log2(hz[picked] / np.median(hz[picked]))
    keep = np.abs(semitones) < 7.0  # octave jumps are tracking errors, not intonation
    if keep.sum() < _MIN_VOICED_FRAMES:
        return None
    seconds = picked[keep] * _HOP / RATE
    slope = np.polyfit(seconds, semitones[keep], 1)[0]
    return float(slope)
