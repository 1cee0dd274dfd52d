"""The pitch at the end of an utterance: a statement falls to the bottom of the speaker's
range ("final lowering"); before a comma or a thought that goes on, the voice stays nearer
its middle, level or rising ("on Sunday, ...")."""

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
_MIN_VOICED_FRAMES = 8
# The end's pitch: the median of the last voiced frames (60 ms), against the median of every
# voiced frame in the last `_HISTORY_S` (the speaker's middle in this utterance).
_END_FRAMES = 6
_HISTORY_S = 4.0
# Half the chosen period wins when its correlation is at least this fraction of the best.
_OCTAVE_RATIO = 0.85
# Further than this from the utterance's median is a tracking error (an octave jump).
_OUTLIER_ST = 9.0


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
    rows = np.arange(len(frames))
    lag = lo + np.argmax(normalized[:, lo : hi + 1], axis=1)
    peak = normalized[rows, lag]
    # A periodic voice correlates as well at twice its period: prefer the shorter period
    # when it is nearly as good (else a steady voice reads an octave low, in stretches).
    half = lag // 2
    near = np.stack([normalized[rows, np.clip(half + d, 0, hi)] for d in (-1, 0, 1)], axis=1)
    shorter = (half - 1 >= lo) & (near.max(axis=1) >= _OCTAVE_RATIO * peak)
    lag = np.where(shorter, half - 1 + np.argmax(near, axis=1), lag)
    peak = np.where(shorter, near.max(axis=1), peak)
    # A period is a peak of the correlation: a maximum at the search's edge is a smooth
    # waveform (a click, a step, a hum's slope), not a voice.
    before = normalized[rows, np.clip(lag - 1, 0, hi)]
    after = normalized[rows, np.clip(lag + 1, 0, hi)]
    periodic = (lag > lo) & (lag < hi) & (peak >= before) & (peak >= after)
    level = 10.0 * np.log10(energy[:, 0])
    voiced = periodic & (peak >= _VOICED) & (level >= level.max(initial=-120.0) - _QUIET_DB)
    return RATE / lag.astype(np.float64), voiced


def _voiced_semitones(audio: NDArray[np.float32]) -> NDArray[np.float64] | None:
    """The pitch of the voiced frames of the last `_HISTORY_S` of `audio`, in order, in
    semitones from their median, tracking errors dropped (None: too little voice to tell)."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)[-round(_HISTORY_S * RATE) :]
    frames = _frames(samples)
    if not len(frames):
        return None
    hz, voiced = _pitch(frames)
    where = np.flatnonzero(voiced)
    if where.size < _MIN_VOICED_FRAMES:
        return None
    semitones = 12.0 * np.log2(hz[where] / np.median(hz[where]))
    keep = np.abs(semitones) < _OUTLIER_ST
    if keep.sum() < _MIN_VOICED_FRAMES:
        return None
    kept: NDArray[np.float64] = semitones[keep] - np.median(semitones[keep])
    return kept


def final_pitch_level(audio: NDArray[np.float32]) -> float | None:
    """How far the end's pitch (its last voiced 60 ms) lies from the median pitch of the
    utterance's last 4 s, in semitones (16 kHz mono): well below zero = fallen to the bottom of
    the range, as a statement ends. None when too little is voiced to tell."""
    voiced = _voiced_semitones(audio)
    if voiced is None:
        return None
    return float(np.median(voiced[-_END_FRAMES:]))
