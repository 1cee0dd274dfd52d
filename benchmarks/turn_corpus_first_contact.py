"""The first-contact turn set: sentences, voices and rates the decider was never tuned on.

Kept apart from `benchmarks.turn_corpus` (the tuning set): the decider's thresholds and word
lists were not chosen by looking at these results. `reflect bench --turns --first-contact`
runs it; docs/performance.md records the score before any change made after seeing it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from benchmarks.corpus import RATE, speech_bounds
from benchmarks.turn_corpus import (
    LEAD_S,
    PAUSES_S,
    SPEECH_PEAK,
    TRAIL_S,
    PausedUtterance,
    Voice,
    espeak_voice,
    paused,
    room_tone,
    with_conjunction_variants,
)

# (before the pause, after it, "clause" boundary or "phrase" inside one)
ENGLISH: tuple[tuple[str, str, str], ...] = (
    ("I finally told my boss about the deadline,", "but he did not seem to care.", "clause"),
    ("We moved into the new flat in March,", "and since then I have barely slept.",
     "clause"),
    ("My brother keeps asking me for money,", "because he lost his job again.", "clause"),
    ("I wanted to call my friend last night,", "but I was too tired to talk.", "clause"),
    ("What scares me most is", "that I might end up alone.", "phrase"),
    ("I was going to", "tell her how I felt, but I froze.", "phrase"),
    ("When I get home I just", "sit in the car for a while.", "phrase"),
    ("Every morning I wake up with this", "heavy feeling in my chest.", "phrase"),
)
SPANISH: tuple[tuple[str, str, str], ...] = (
    ("Le conté a mi jefe lo del plazo,", "pero no le importó nada.", "clause"),
    ("Nos mudamos al piso nuevo en marzo,", "y desde entonces casi no duermo.", "clause"),
    ("Mi hermano me sigue pidiendo dinero,", "porque perdió el trabajo otra vez.", "clause"),
    ("Quería llamar a mi amiga anoche,", "pero estaba demasiado cansada.", "clause"),
    ("Lo que más miedo me da es", "quedarme sola.", "phrase"),
    ("Iba a", "decirle lo que sentía, pero me bloqueé.", "phrase"),
    ("Cuando llego a casa me", "quedo en el coche un rato.", "phrase"),
    ("Cada mañana me despierto con este", "peso en el pecho.", "phrase"),
)
# Complete turns spoken without a pause: only felt latency (and a cut, if any) is scored.
ENGLISH_COMPLETE: tuple[str, ...] = (
    "I am so tired of feeling this way.",
    "Nobody in my family really understands me.",
    "I think this week has been a little better.",
    "My mum is in hospital again.",
)
SPANISH_COMPLETE: tuple[str, ...] = (
    "Estoy cansada de sentirme así.",
    "Nadie en mi familia me entiende de verdad.",
    "Creo que esta semana ha sido un poco mejor.",
    "Mi mamá está otra vez en el hospital.",
)


def first_contact_voices(piper_joe_slow: Voice) -> dict[str, list[Voice]]:
    """Voices and rates absent from the tuning set (which has Piper joe at 1x, espeak
    en-us+f3, es and es-419+f3 at 150 wpm): a slow Piper joe, a slow British espeak voice, a
    slow and a fast Spanish one."""
    return {
        "en": [piper_joe_slow, espeak_voice("en-gb-x-rp+m3", 130)],
        "es": [espeak_voice("es+m3", 130), espeak_voice("es-419+f4", 175)],
    }


def complete_turn(voice: Voice, text: str, lang: str, seed: int) -> PausedUtterance:
    """One finished sentence over room tone; any end before its last word is a cut."""
    name, say = voice
    spoken = say(text)
    start, end = speech_bounds(spoken, 3e-3)
    scale = SPEECH_PEAK / (float(np.max(np.abs(spoken))) + 1e-9)
    lead = round(LEAD_S * RATE)
    speech = np.concatenate([
        np.zeros(lead, np.float32), spoken[start:end], np.zeros(round(TRAIL_S * RATE), np.float32)
    ]) * np.float32(scale)
    audio = speech + room_tone(len(speech) / RATE, seed)
    last = lead + (end - start)
    return PausedUtterance(
        lang=lang, voice=name, where="complete", pause_s=0.0, audio=audio.astype(np.float32),
        first_end=last, second_start=last, speech_end=last,
    )


Sentences = Sequence[tuple[str, str, str]]


def build_set(
    voices: Mapping[str, Sequence[Voice]], sentences: Mapping[str, tuple[Sentences, Sequence[str]]],
    *, seed: int, rotation: int = 0, pauses: Sequence[float] = PAUSES_S, per_lang: int = 8,
) -> list[PausedUtterance]:
    """Every paused sentence x pause length, then every complete turn in every voice.

    `sentences` maps a language to its (paused sentences, complete turns); `seed` starts the
    room tone's seeds and `rotation` shifts which voice says which pause, so sets differ.
    """
    out: list[PausedUtterance] = []
    for lang, (paused_sentences, complete) in sentences.items():
        clause = [s for s in paused_sentences if s[2] == "clause"][: (per_lang + 1) // 2]
        chosen = with_conjunction_variants(
            clause + [s for s in paused_sentences if s[2] == "phrase"][: per_lang // 2])
        choices = voices[lang]
        for index, (before, after, where) in enumerate(chosen):
            for pause_index, pause_s in enumerate(pauses):
                seed += 1
                voice = choices[(index + pause_index + rotation) % len(choices)]
                out.append(paused(voice, before, after, where, lang, pause_s, seed))
        for text in complete[: max(1, per_lang // 2)]:
            for voice in choices:
                seed += 1
                out.append(complete_turn(voice, text, lang, seed))
    return out


def build(
    voices: Mapping[str, Sequence[Voice]], pauses: Sequence[float] = PAUSES_S, per_lang: int = 8
) -> list[PausedUtterance]:
    """This set: room tone unlike the tuning set's (seeds from 10 000)."""
    return build_set(voices, {"en": (ENGLISH, ENGLISH_COMPLETE), "es": (SPANISH, SPANISH_COMPLETE)},
                     seed=10_000, pauses=pauses, per_lang=per_lang)
