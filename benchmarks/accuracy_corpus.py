"""Speech accuracy corpus: what clients say, spoken at run time in several voices, rates and rooms.

Nothing is stored: espeak-ng and Piper speak each text, room noise and babble are generated
from seeds, and every clip is padded the way the endpointer hands an utterance over (preroll
and tail of faint room tone). Texts and voices marked "heldout" were not looked at while the
decoder's thresholds were chosen, so they check that the choice generalises.
"""

from __future__ import annotations

import random
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from benchmarks.corpus import RATE, UTTERANCES, speech_bounds
from voice.audio import read_wav, resample

Audio = NDArray[np.float32]
PAD_S = 0.3  # the endpointer's preroll and tail (vad.preroll_ms / tail_ms)
TONE_DBFS = -60.0  # faint room tone around (and under) the speech

# (kind, split, lang, text). Kinds: short (1-4 words), long, crisis, hesitant.
TEXTS: tuple[tuple[str, str, str, str], ...] = (
    *(("short", "tune", "en", t) for t in (
        "Yes.", "Fine.", "Work.", "Not really.", "Good morning.", "I'm okay.", "No.", "Maybe.",
        "I don't know.", "Tired.", "My family.", "Pretty good.")),
    *(("short", "heldout", "en", t) for t in (
        "Okay.", "Not great.", "Kind of.", "My job.", "I guess so.", "Sometimes.", "Lonely.",
        "Thank you.", "Not at all.", "Better now.")),
    *(("long", "tune", "en", t) for t in UTTERANCES[:4]),
    ("long", "heldout", "en", "I feel like I am letting everyone down at work and at home."),
    ("long", "heldout", "en", UTTERANCES[12]),
    *(("crisis", "tune", "en", t) for t in (
        "I want to die.", "I want to kill myself.", "I don't want to live anymore.")),
    *(("crisis", "heldout", "en", t) for t in (
        "Sometimes I think everyone would be better off without me.",
        "I have been thinking about ending my life.")),
    *(("hesitant", "tune", "en", t) for t in (
        "Um, I guess it has been, uh, kind of hard lately.",
        "Well, I mean, I don't know, maybe work?")),
    ("hesitant", "heldout", "en", "It's, uh, it's my mom, she's, um, sick."),
    *(("short", "tune", "es", t) for t in ("Sí.", "Bien.", "No mucho.", "Estoy cansada.")),
    *(("long", "tune", "es", t) for t in (
        "Hoy me siento muy cansada y un poco triste.",
        "Quiero hablar con mi familia sobre el trabajo.")),
    *(("crisis", "tune", "es", t) for t in ("Me quiero morir.", "Ya no quiero vivir.")),
)
# (voice, split): espeak-ng voices, and "piper" (the packaged en_US-joe-medium voice).
VOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("en-us", "tune"), ("en-gb", "tune"), ("en-us+f3", "tune"),
           ("en-gb-x-rp+m3", "heldout"), ("piper", "heldout")),
    "es": (("es", "tune"), ("es-419", "tune")),
}
RATES = ("normal", "fast")  # espeak-ng 140 / 185 words a minute; Piper 1.0 / 1.25
ESPEAK_WPM = {"normal": 140, "fast": 185}  # any other rate is words a minute, e.g. "125"
PIPER_RATE = {"normal": 1.0, "fast": 1.25}  # any other rate is Piper's rate, e.g. "0.9"
CONDITIONS = ("clean", "room20", "babble20", "room10", "babble10")
BABBLE_LINES = (
    "The train to the city leaves at nine in the morning from platform two.",
    "Please remember to bring the forms and your insurance card next time.",
    "Did you see the game last night, it went into extra time again.",
    "The coffee machine on the second floor is broken again this week.",
)


@dataclass(frozen=True, eq=False)
class Clip:
    """One utterance as the endpointer would hand it to speech-to-text."""

    kind: str
    split: str  # "tune" or "heldout" (text or voice not seen while choosing thresholds)
    lang: str
    text: str
    voice: str
    rate: str
    condition: str
    audio: Audio

    @property
    def duration_s(self) -> float:
        """Length including the padding."""
        return len(self.audio) / RATE


Speak = Callable[[str, str, str], Audio]  # (text, voice, rate) -> speech at 16 kHz


def plan(quick: bool) -> list[tuple[int, str, str, str, str]]:
    """(text index, voice, voice split, rate, condition) for every clip, rotating rates and
    conditions so each text is heard clean and in every kind of noise across its voices."""
    out = []
    for index, (_, _, lang, _) in enumerate(TEXTS):
        for v, (voice, split) in enumerate(VOICES[lang]):
            turn = index + v
            out.append((index, voice, split, RATES[turn % 2], CONDITIONS[turn % len(CONDITIONS)]))
    if not quick:
        return out
    # A fifth of the clips, spread over texts, voices and conditions (seeded, so stable).
    return sorted(random.Random(15).sample(out, len(out) // 5))


def build(speak: Speak, quick: bool = False) -> list[Clip]:
    """Speak and pad every planned clip (deterministic for the same voices)."""
    clips = []
    for number, (index, voice, voice_split, rate, condition) in enumerate(plan(quick)):
        kind, split, lang, text = TEXTS[index]
        speech = speak(text, voice, rate)
        audio = endpointed(speech, condition, seed=number)
        clips.append(Clip(kind, "heldout" if "heldout" in (split, voice_split) else "tune",
                          lang, text, voice, rate, condition, audio))
    return clips


def endpointed(speech: Audio, condition: str, *, seed: int) -> Audio:
    """Speech with the endpointer's preroll/tail, faint room tone, and the condition's noise."""
    pad = np.zeros(round(PAD_S * RATE), dtype=np.float32)
    clip = np.concatenate([pad, speech, pad])
    clip = clip + room_noise(len(clip), TONE_DBFS, seed)
    if condition != "clean":
        snr = float(condition[-2:])
        noise = (room_noise(len(clip), -30.0, seed + 1) if condition.startswith("room")
                 else babble(len(clip), seed + 1))
        clip = mix_at_snr(clip, speech, noise, snr)
    return np.clip(clip, -1.0, 1.0).astype(np.float32)


def espeak(text: str, voice: str, rate: str) -> Audio:
    """espeak-ng speech, trimmed to the sound and scaled like a close microphone."""
    wpm = ESPEAK_WPM.get(rate) or int(rate)
    done = subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "--stdout", "--stdin"],
                          input=text.encode("utf-8"), capture_output=True, check=True,
                          timeout=60)
    audio = read_wav(done.stdout, target_rate=RATE)
    start, end = speech_bounds(audio)
    return np.ascontiguousarray(audio[start:end] * np.float32(0.8))


def room_noise(count: int, dbfs: float, seed: int) -> Audio:
    """Waiting-room noise: pink (1/f) noise plus a 50 Hz hum."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(count))
    freqs = np.fft.rfftfreq(count, 1.0 / RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0.0
    pink = _level(np.fft.irfft(spectrum, n=count).astype(np.float32), -20.0)
    hum = _level(np.sin(2 * np.pi * 50.0 * np.arange(count) / RATE).astype(np.float32), -30.0)
    return _level(pink + hum, dbfs)


def babble(count: int, seed: int, talkers: int = 4) -> Audio:
    """Several espeak-ng talkers overlapping at random offsets."""
    rng = np.random.default_rng(seed)
    mix = np.zeros(count, dtype=np.float32)
    for talker in range(talkers):
        text = " ".join(rng.permutation(np.array(BABBLE_LINES)).tolist())
        voice = ("en-us", "en-gb", "en-us+f3", "en-us+m3")[talker]
        speech = espeak(text, voice, "normal")
        looped = np.tile(speech, int(np.ceil(count / max(len(speech), 1))) + 1)
        start = int(rng.integers(0, max(1, len(speech))))
        mix += _level(looped[start:start + count], -20.0)
    return _level(mix, -30.0)


def mix_at_snr(clip: Audio, speech: Audio, noise: Audio, snr_db: float) -> Audio:
    """`clip` plus `noise` scaled so the speech's active RMS is `snr_db` above the noise."""
    active = speech[np.abs(speech) > 10 ** (-50 / 20)]
    target = _rms(active if active.size else speech) / (10 ** (snr_db / 20))
    return (clip + noise * np.float32(target / max(_rms(noise), 1e-12))).astype(np.float32)


def piper_speaker(synth: object) -> Callable[[str, str], Audio]:
    """(text, rate) -> Piper speech at 16 kHz, for a loaded `PiperTts`."""
    from voice.tts import PiperTts

    assert isinstance(synth, PiperTts)

    def speak(text: str, rate: str) -> Audio:
        speed = PIPER_RATE.get(rate) or float(rate)
        chunks = [c.samples for c in synth.synthesize(text, rate=speed)]
        audio = resample(np.concatenate(chunks), synth.sample_rate, RATE)
        start, end = speech_bounds(audio)
        return np.ascontiguousarray(audio[start:end])

    return speak


def texts_of(clips: Sequence[Clip], kind: str) -> list[str]:
    """The reference texts of one kind of clip."""
    return [clip.text for clip in clips if clip.kind == kind]


def _rms(samples: Audio) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def _level(samples: Audio, dbfs: float) -> Audio:
    current = _rms(samples)
    return samples if current == 0.0 else (samples * (10 ** (dbfs / 20) / current)).astype(
        np.float32)
