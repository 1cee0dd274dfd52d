"""Test-time speech and noise generation (shared by everyone's tests).

Nothing here is committed audio: speech is synthesized on the fly with espeak-ng
(installed system-wide) or with a loaded Piper voice, and noise is generated from a seeded
random generator, so every run hears the same thing.

All audio is mono float32 in [-1, 1]. The default rate is 16 kHz (what STT and VAD take).

Typical use::

    from tests.speechgen import espeak_speech, babble, mix_at_snr, pad_silence

    clean = pad_silence(espeak_speech("I feel tired today."), 0.5, 0.8)
    noisy = mix_at_snr(clean, babble(len(clean) / 16000), snr_db=10)
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from voice.audio import read_wav, resample, wav_bytes, write_wav
from voice.tts import SpeechSynthesizer

RATE = 16000
FloatArray = NDArray[np.float32]

#: Clear English sentences of the kind a client might say (for WER checks).
ENGLISH_SENTENCES: tuple[str, ...] = (
    "I have been feeling very tired at work this week.",
    "My sister called me yesterday and we talked for an hour.",
    "I want to sleep better and worry less about money.",
    "I keep thinking about what my boss said to me.",
)
#: Clear Spanish sentences (for the multilingual model).
SPANISH_SENTENCES: tuple[str, ...] = (
    "Hoy me siento muy cansada y un poco triste.",
    "Quiero hablar con mi familia sobre el trabajo.",
)
#: Background talk used to build babble; different words from the test sentences.
BABBLE_SENTENCES: tuple[str, ...] = (
    "The train to the city leaves at nine in the morning from platform two.",
    "Please remember to bring the forms and your insurance card next time.",
    "We are going to the park after lunch if the weather stays nice.",
    "Did you see the game last night, it went into extra time again.",
    "The coffee machine on the second floor is broken again this week.",
    "She bought three new plants for the kitchen window on Saturday.",
)
#: espeak-ng English voices (language + variant) that exist in a stock install.
ENGLISH_VOICES: tuple[str, ...] = ("en-us", "en-gb", "en-us+f3", "en-gb-x-rp+m3")
#: espeak-ng Spanish voices.
SPANISH_VOICES: tuple[str, ...] = ("es", "es-419")


def espeak_available() -> bool:
    """True when the espeak-ng binary is on PATH (tests should skip otherwise)."""
    return shutil.which("espeak-ng") is not None


def espeak_wav_bytes(
    text: str, *, voice: str = "en-us", speed: int = 150, pitch: int = 50
) -> bytes:
    """The raw WAV espeak-ng writes for `text` (22.05 kHz PCM16, streamed header).

    `voice` is an espeak-ng voice such as "en-us", "en-gb", "es" or "en-us+f3" (a variant);
    `speed` is words per minute (80-450), `pitch` 0-99.
    """
    done = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout", "--stdin"],
        input=text.encode("utf-8"),
        capture_output=True,
        check=True,
        timeout=60,
    )
    return done.stdout


def espeak_speech(
    text: str, *, voice: str = "en-us", speed: int = 150, pitch: int = 50, rate: int = RATE
) -> FloatArray:
    """`text` spoken by espeak-ng, as float samples at `rate` (default 16 kHz)."""
    return read_wav(espeak_wav_bytes(text, voice=voice, speed=speed, pitch=pitch), target_rate=rate)


def piper_speech(
    tts: SpeechSynthesizer, text: str, *, speaking_rate: float = 1.0, rate: int = RATE
) -> FloatArray:
    """`text` spoken by a loaded synthesizer (e.g. the `piper_tts` fixture), resampled to `rate`."""
    chunks = [chunk.samples for chunk in tts.synthesize(text, rate=speaking_rate)]
    if not chunks:
        return np.zeros(0, dtype=np.float32)
    return resample(np.concatenate(chunks), tts.sample_rate, rate)


def silence(seconds: float, *, rate: int = RATE) -> FloatArray:
    """Digital silence."""
    return np.zeros(int(seconds * rate), dtype=np.float32)


def white_noise(
    seconds: float, *, level_dbfs: float = -30.0, seed: int = 0, rate: int = RATE
) -> FloatArray:
    """Gaussian white noise at an RMS level in dBFS."""
    noise = np.random.default_rng(seed).standard_normal(int(seconds * rate)).astype(np.float32)
    return set_level(noise, level_dbfs)


def room_noise(
    seconds: float, *, level_dbfs: float = -30.0, seed: int = 0, rate: int = RATE
) -> FloatArray:
    """Waiting-room-like noise: pink (1/f) noise plus a 50 Hz hum (air conditioning, lights)."""
    count = int(seconds * rate)
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(count))
    freqs = np.fft.rfftfreq(count, 1.0 / rate)
    spectrum[1:] /= np.sqrt(freqs[1:])  # 1/f power
    spectrum[0] = 0.0
    pink = np.fft.irfft(spectrum, n=count).astype(np.float32)
    hum = 0.3 * np.sin(2 * np.pi * 50.0 * np.arange(count) / rate).astype(np.float32)
    return set_level(set_level(pink, -20.0) + set_level(hum, -30.0), level_dbfs)


def babble(
    seconds: float,
    *,
    talkers: int = 4,
    level_dbfs: float = -30.0,
    seed: int = 0,
    rate: int = RATE,
    sentences: Sequence[str] = BABBLE_SENTENCES,
) -> FloatArray:
    """Several espeak-ng talkers (different voices, speeds, offsets) overlapping, like a room.

    The result is exactly `seconds` long and has RMS `level_dbfs`.
    """
    rng = np.random.default_rng(seed)
    count = int(seconds * rate)
    mix = np.zeros(count, dtype=np.float32)
    for talker in range(talkers):
        voice = ENGLISH_VOICES[talker % len(ENGLISH_VOICES)]
        text = " ".join(rng.permutation(np.array(sentences)).tolist())
        speech = espeak_speech(text, voice=voice, speed=int(rng.integers(140, 190)), rate=rate)
        speech = np.roll(_loop_to(speech, count), int(rng.integers(0, max(1, count))))
        mix += set_level(speech, -20.0)
    return set_level(mix, level_dbfs)


def mix_at_snr(speech: FloatArray, noise: FloatArray, snr_db: float) -> FloatArray:
    """`speech` plus `noise` (looped or cut to length) scaled so that speech/noise = `snr_db`.

    The SNR uses the RMS of the speech's active part (samples above -50 dBFS) so that
    leading/trailing silence does not make the noise relatively quieter. Output is
    peak-limited to [-1, 1].
    """
    noise = _loop_to(noise, len(speech))
    active = speech[np.abs(speech) > 10 ** (-50 / 20)]
    speech_rms = rms(active if active.size else speech)
    target_noise_rms = speech_rms / (10 ** (snr_db / 20))
    mixed = speech + noise * (target_noise_rms / max(rms(noise), 1e-12))
    peak = float(np.max(np.abs(mixed))) if mixed.size else 0.0
    return (mixed / peak if peak > 1.0 else mixed).astype(np.float32)


def pad_silence(
    samples: FloatArray, before_s: float = 0.5, after_s: float = 1.0, *, rate: int = RATE
) -> FloatArray:
    """Add silence before and after (endpointing needs quiet around the speech)."""
    return np.concatenate([silence(before_s, rate=rate), samples, silence(after_s, rate=rate)])


def rms(samples: FloatArray) -> float:
    """Root-mean-square level (linear)."""
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def set_level(samples: FloatArray, level_dbfs: float) -> FloatArray:
    """Scale so that the RMS equals `level_dbfs` (0 dBFS = RMS of 1.0)."""
    current = rms(samples)
    if current == 0.0:
        return samples.astype(np.float32)
    return (samples * (10 ** (level_dbfs / 20) / current)).astype(np.float32)


def save_wav(path: Path, samples: FloatArray, *, rate: int = RATE) -> Path:
    """Write samples as a PCM16 WAV file and return the path."""
    write_wav(path, samples, rate)
    return path


def to_wav_bytes(samples: FloatArray, *, rate: int = RATE) -> bytes:
    """Samples as an in-memory PCM16 WAV file."""
    return wav_bytes(samples, rate)


def normalise_text(text: str) -> str:
    """Lower case, punctuation removed, single spaces: the form WER is computed on."""
    return " ".join(re.sub(r"[^\w\s']", " ", text.lower()).split())


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER (jiwer) of hypotheses against references, after `normalise_text`."""
    import jiwer

    return float(
        jiwer.wer([normalise_text(r) for r in references], [normalise_text(h) for h in hypotheses])
    )


def _loop_to(samples: FloatArray, count: int) -> FloatArray:
    if samples.size == 0:
        return np.zeros(count, dtype=np.float32)
    reps = int(np.ceil(count / samples.size))
    return np.tile(samples, reps)[:count].astype(np.float32)
