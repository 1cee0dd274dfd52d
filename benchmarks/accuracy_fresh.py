"""`reflect bench --accuracy --fresh`: a first-contact set, default pipeline vs the reference.

Texts, voices and speaking rates that appear nowhere in `benchmarks/accuracy_corpus.py`
and were not looked at while the decoder was tuned: scored once before a change to the
decoder and once after (docs/performance.md records both). Only two paths are decoded per
clip, plain faster-whisper (the reference) and the configured pipeline, so it is quick.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from benchmarks.accuracy import Progress, decode_two, score
from benchmarks.accuracy_corpus import CONDITIONS, Clip, endpointed, espeak, piper_speaker
from reflection.content_files import ContentStore
from reflection.screening import RiskScreener
from server.config import Settings

# (kind, lang, text): 30 short answers, and a few sentences for WER.
FRESH_TEXTS: tuple[tuple[str, str, str], ...] = (
    *(("short", "en", t) for t in (
        "Alright.", "Not bad.", "Stressed.", "Anxious.", "Exhausted.", "Nothing much.",
        "My kids.", "Money.", "School.", "It's hard.", "I'm tired.", "Really bad.",
        "A little.", "Not sure.", "I'm fine.", "Scared.", "Overwhelmed.", "My partner.",
        "Sleep.", "Could be better.", "Hello.", "Good afternoon.", "Nobody.", "Everything.",
        "All of it.", "My health.", "I'm nervous.", "Sure.", "Not today.", "Hi there.")),
    ("long", "en", "My brother and I have not spoken since the summer."),
    ("long", "en", "I have trouble sleeping and I wake up at four every night."),
    ("long", "en", "The new medication makes me feel dizzy in the mornings."),
    ("crisis", "en", "I feel like a burden to everyone around me."),
    ("crisis", "en", "I don't see the point of going on."),
    ("hesitant", "en", "So, um, my dad, he, uh, moved out last month."),
    *(("short", "es", t) for t in ("Más o menos.", "Mi trabajo.", "Gracias.", "Un poco triste.")),
    ("long", "es", "Mi hermano y yo no nos hablamos desde el verano."),
    ("long", "es", "Duermo muy mal desde hace varias semanas."),
)
# (voice, rate): espeak-ng voices and rates (words a minute) the tuned corpus never used,
# and the Piper voice at a rate it never used (0.9).
FRESH_VOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (("en-gb-scotland+f2", "125"), ("en-029+m5", "165"), ("piper", "0.9")),
    "es": (("es+f2", "125"), ("es-419+m5", "165")),
}


def build_fresh(speak: Any) -> list[Clip]:
    """Every fresh text in each of its language's fresh voices, conditions rotating."""
    clips = []
    number = 0
    for index, (kind, lang, text) in enumerate(FRESH_TEXTS):
        for v, (voice, rate) in enumerate(FRESH_VOICES[lang]):
            condition = CONDITIONS[(index + v) % len(CONDITIONS)]
            audio = endpointed(speak(text, voice, rate), condition, seed=1000 + number)
            clips.append(Clip(kind, "fresh", lang, text, voice, rate, condition, audio))
            number += 1
    return clips


def run_fresh(settings: Settings, *, models: Sequence[str], progress: Progress
              ) -> dict[str, Any]:
    """Speak the fresh set and score the pipeline against the reference, per model."""
    from benchmarks.runner import machine
    from server.voice_loading import load_stt, load_tts

    started = time.monotonic()
    piper = piper_speaker(load_tts(settings))

    def speak(text: str, voice: str, rate: str) -> Any:
        return piper(text, rate) if voice == "piper" else espeak(text, voice, rate)

    clips = build_fresh(speak)
    out: dict[str, Any] = {"machine": machine(), "set": "fresh", "clips": len(clips),
                           "models": {}}
    store = ContentStore()
    screener = RiskScreener.load(store)
    for model in models:
        progress(f"fresh: model {model}")
        stt = load_stt(settings, model)
        usable = [c for c in clips if stt.multilingual or c.lang == "en"]
        paths = decode_two(stt, usable, progress)
        out["models"][model] = {name: score(usable, result, paths["reference"], screener, store)
                                for name, result in paths.items()}
    out["elapsed_s"] = round(time.monotonic() - started, 1)
    return out
