"""The pitch at the end of an utterance: a statement falls to the bottom of the speaker's
range ("final lowering"); before a comma or a thought that goes on, the voice stays nearer
its middle, level or rising ("on Sunday, ..."). Its level and its movement are measured."""

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
# How much of the end the movement is measured over, and the tracking errors dropped there.
_SPAN_S = 0.45
_SPAN_OUTLIER_ST = 7.0
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


def _voiced(audio: NDArray[np.float32]) -> tuple[NDArray[np.intp], NDArray[np.float64]] | None:
    """The voiced frames of the last `_HISTORY_S` of `audio` and their pitch (Hz), or None
    when too few are voiced to tell (whisper, noise, silence)."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)[-round(_HISTORY_S * RATE) :]
    frames = _frames(samples)
    if not len(frames):
        return None
    hz, voiced = _pitch(frames)
    where = np.flatnonzero(voiced)
    if where.size < _MIN_VOICED_FRAMES:
        return None
    return where, hz[where]


def _level(hz: NDArray[np.float64]) -> float | None:
    semitones = 12.0 * np.log2(hz / np.median(hz))
    keep = np.abs(semitones) < _OUTLIER_ST
    if keep.sum() < _MIN_VOICED_FRAMES:
        return None
    kept = semitones[keep] - np.median(semitones[keep])
    return float(np.median(kept[-_END_FRAMES:]))


def _slope(where: NDArray[np.intp], hz: NDArray[np.float64]) -> float | None:
    picked = where > where[-1] - round(_SPAN_S * RATE / _HOP)
    if picked.sum() < _MIN_VOICED_FRAMES:
        return None
    semitones = 12.0 * np.log2(hz[picked] / np.median(hz[picked]))
    keep = np.abs(semitones) < _SPAN_OUTLIER_ST
    if keep.sum() < _MIN_VOICED_FRAMES:
        return None
    seconds = where[picked][keep] * _HOP / RATE
    return float(np.polyfit(seconds, semitones[keep], 1)[0])


def final_pitch(audio: NDArray[np.float32]) -> tuple[float | None, float | None]:
    """The end of `audio` (16 kHz mono): how far its pitch (the last voiced 60 ms) lies from
    the median pitch of the last 4 s, in semitones (well below zero = fallen to the bottom of
    the range, as a statement ends), and its movement over the last voiced ~0.45 s, semitones
    per second (negative = falling). Either is None when too little is voiced to tell."""
    voiced = _voiced(audio)
    if voiced is None:
        return None, None
    return _level(voiced[1]), _slope(*voiced)


def final_pitch_level(audio: NDArray[np.float32]) -> float | None:
    """The level half of `final_pitch`."""
    return final_pitch(audio)[0]
