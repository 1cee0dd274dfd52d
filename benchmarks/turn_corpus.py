"""Sentences spoken with a thinking pause inside, over room tone (synthesized at run time)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from benchmarks.corpus import RATE, speak, speech_bounds
from voice.audio import resample
from voice.tts import SpeechSynthesizer

FloatArray = NDArray[np.float32]
PAUSES_S: tuple[float, ...] = (0.6, 1.0, 1.5, 2.0)
LEAD_S, TRAIL_S = 1.0, 3.5
ROOM_DBFS, SPEECH_PEAK = -55.0, 0.5
_SEARCH_S = 0.15  # how far from the prefix's own length the word boundary is looked for

# (before the pause, after it, where: "clause" boundary or "phrase" inside one)
ENGLISH: tuple[tuple[str, str, str], ...] = (
    ("I went to see my mother on Sunday,", "and we ended up arguing again.", "clause"),
    ("Work has been really hard lately,", "because my manager keeps changing the plan.",
     "clause"),
    ("I tried to go to bed early,", "but I just lay there thinking about everything.",
     "clause"),
    ("My sister called me yesterday,", "and I did not pick up the phone.", "clause"),
    ("I have been feeling", "like nobody at work listens to me.", "phrase"),
    ("The thing is", "I never know what to say to him.", "phrase"),
    ("My father and I", "have not spoken since the summer.", "phrase"),
    ("I keep thinking about the", "argument we had last week.", "phrase"),
)
SPANISH: tuple[tuple[str, str, str], ...] = (
    ("Fui a ver a mi madre el domingo,", "y terminamos discutiendo otra vez.", "clause"),
    ("El trabajo ha sido muy difícil,", "porque mi jefe cambia los planes cada día.", "clause"),
    ("Intenté dormir temprano,", "pero me quedé pensando toda la noche.", "clause"),
    ("Mi hermana me llamó ayer,", "y no le contesté el teléfono.", "clause"),
    ("Me he sentido", "como si nadie me escuchara en el trabajo.", "phrase"),
    ("Lo que pasa es que", "nunca sé qué decirle.", "phrase"),
    ("Mi padre y yo", "no hablamos desde el verano.", "phrase"),
    ("Sigo pensando en la", "discusión de la semana pasada.", "phrase"),
)


@dataclass(frozen=True, eq=False)
class PausedUtterance:
    """One sentence with a pause: audio and where (samples) the speech parts are."""

    lang: str
    voice: str
    where: str  # "clause" (after a complete clause), "conjunction" (just after one), "phrase"
    pause_s: float
    audio: FloatArray
    first_end: int  # end of the speech before the pause
    second_start: int  # start of the speech after it
    speech_end: int  # end of the last word


Voice = tuple[str, Callable[[str], FloatArray]]


def room_tone(seconds: float, seed: int, dbfs: float = ROOM_DBFS) -> FloatArray:
    """Pink noise plus a little mains hum: a quiet waiting room."""
    count = round(seconds * RATE)
    rng = np.random.default_rng(seed)
    spectrum = np.fft.rfft(rng.standard_normal(count))
    freqs = np.fft.rfftfreq(count, 1.0 / RATE)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0.0
    pink = np.fft.irfft(spectrum, n=count)
    hum = 0.2 * np.sin(2 * np.pi * 50.0 * np.arange(count) / RATE) * np.std(pink)
    tone = pink + hum
    tone *= 10.0 ** (dbfs / 20.0) / (np.sqrt(np.mean(tone**2)) + 1e-12)
    return tone.astype(np.float32)


def espeak_voice(name: str, words_per_minute: int = 150) -> Voice:
    """An espeak-ng voice (e.g. "en-us+f3", "es-419") at a speaking rate."""
    label = name if words_per_minute == 150 else f"{name}@{words_per_minute}wpm"
    return label, lambda text: speak(text, name, words_per_minute).audio


def piper_voice(name: str, tts: SpeechSynthesizer, rate: float = 1.0) -> Voice:
    """A loaded Piper voice (`rate` < 1: slower speech)."""

    def say(text: str) -> FloatArray:
        chunks = [c.samples for c in tts.synthesize(text, rate=rate)]
        audio = resample(np.concatenate(chunks), tts.sample_rate, RATE)
        start, end = speech_bounds(audio, 3e-3)
        return np.ascontiguousarray(audio[start:end])

    return (name if rate == 1.0 else f"{name}@{rate:g}x"), say


def _quietest(audio: FloatArray, around: int, floor: int = 0) -> int:
    """The quietest 40 ms a little before `around` (the prefix spoken alone is lengthened at
    its end), and not before `floor`: the word boundary, where the comma's short pause is, to
    open the pause at."""
    width = RATE // 25
    lo = max(width, round(around * 0.6), floor)
    hi = min(len(audio) - width, around + round(_SEARCH_S * RATE))
    if hi <= lo:
        return min(max(around, 0), len(audio))
    energy = np.convolve(audio[lo - width // 2 : hi + width // 2] ** 2, np.ones(width), "valid")
    return lo + int(np.argmin(energy[: hi - lo]))


_CONJUNCTION_SAMPLES = round(0.08 * RATE)  # "and", "y": no conjunction is spoken faster


def _onset_after(audio: FloatArray, start: int) -> int:
    """Where speech comes back after `start`: the first 10 ms frame within 20 dB of the
    loudest one (the start of the word after a comma's pause)."""
    hop = RATE // 100
    count = len(audio) // hop
    rms = np.sqrt(np.mean(audio[: count * hop].reshape(count, hop) ** 2, axis=1))
    loud = np.flatnonzero(rms[start // hop :] >= 0.1 * float(rms.max(initial=0.0)))
    return start + int(loud[0]) * hop if loud.size else start


def paused(
    voice: Voice, before: str, after: str, where: str, lang: str, pause_s: float, seed: int
) -> PausedUtterance:
    """The whole sentence in one breath (so the first half does not sound finished), opened
    at the word boundary and filled with `pause_s` of room tone."""
    name, say = voice
    # A comma where the pause goes: a hesitation the voices mark, and a boundary to find.
    joint = before if before.endswith((",", ";")) else f"{before},"
    if where == "clause":
        joint = before  # its own comma is the boundary
    whole = say(f"{joint} {after}")
    floor = 0
    if where == "conjunction":
        # "X, and, | we...": the comma pause before the conjunction is often the quieter of the
        # two, so the pause would open before "and" (until 2026-12-02 it did for 9 of the
        # tuning set's 16 conjunction pauses at 1.0-1.5 s): look only past the conjunction.
        clause = before.rpartition(" ")[0]
        floor = _onset_after(whole, _quietest(whole, len(say(clause)))) + _CONJUNCTION_SAMPLES
    cut = _quietest(whole, len(say(before)), floor)
    first, second = whole[:cut], whole[cut:]
    _, first_end = speech_bounds(first, 3e-3)
    second_start, second_end = speech_bounds(second, 3e-3)
    scale = SPEECH_PEAK / (float(np.max(np.abs(whole))) + 1e-9)
    lead, gap = round(LEAD_S * RATE), round(pause_s * RATE)
    speech = np.concatenate([
        np.zeros(lead, np.float32), first[:first_end], np.zeros(gap, np.float32),
        second[second_start:second_end], np.zeros(round(TRAIL_S * RATE), np.float32),
    ]) * np.float32(scale)
    audio = speech + room_tone(len(speech) / RATE, seed)
    first_stop = lead + first_end
    return PausedUtterance(
        lang=lang, voice=name, where=where, pause_s=pause_s, audio=audio.astype(np.float32),
        first_end=first_stop, second_start=first_stop + gap,
        speech_end=first_stop + gap + (second_end - second_start),
    )


CONJUNCTIONS = frozenset({"and", "but", "because", "y", "pero", "porque"})


def with_conjunction_variants(
    sentences: Sequence[tuple[str, str, str]],
) -> list[tuple[str, str, str]]:
    """Each clause-boundary sentence twice: paused before its conjunction and just after it."""
    out: list[tuple[str, str, str]] = []
    for before, after, where in sentences:
        out.append((before, after, where))
        first, _, rest = after.partition(" ")
        if where == "clause" and first.lower() in CONJUNCTIONS:
            out.append((f"{before} {first}", rest, "conjunction"))
    return out


def build(
    voices: Mapping[str, Sequence[Voice]], pauses: Sequence[float] = PAUSES_S, per_lang: int = 8
) -> list[PausedUtterance]:
    """Every sentence x pause length, alternating the language's voices."""
    out: list[PausedUtterance] = []
    # Half clause boundaries, half inside a phrase, whatever the count.
    def half(sentences: Sequence[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        clause = [s for s in sentences if s[2] == "clause"][: (per_lang + 1) // 2]
        return clause + [s for s in sentences if s[2] == "phrase"][: per_lang // 2]

    texts = {lang: with_conjunction_variants(half(sentences))
             for lang, sentences in (("en", ENGLISH), ("es", SPANISH))}
    seed = 0
    for lang, sentences in texts.items():
        for index, (before, after, where) in enumerate(sentences):
            for pause_index, pause_s in enumerate(pauses):
                choices = voices[lang]
                voice = choices[(index + pause_index) % len(choices)]
                seed += 1
                out.append(paused(voice, before, after, where, lang, pause_s, seed))
    return out
