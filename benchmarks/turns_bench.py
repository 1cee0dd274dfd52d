"""Loads the real models and runs the turn-taking benchmark; formats its table."""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import (
    turn_corpus,
    turn_corpus_first_contact,
    turn_corpus_first_contact_2,
    turns_cache,
)
from benchmarks.turns import Models, Outcome, run_modes, table
from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import ReplySentence
from reflection.responders.scripted import ScriptedReflector
from server.config import Settings
from server.voice_loading import (
    endpointer_config,
    load_smart_turn,
    load_stt,
    load_tts,
    turn_taking,
)
from voice.tts import SpeechSynthesizer
from voice.vad import SileroVad

Progress = Callable[[str], None]
_REPLY_TEXTS = ("I have been feeling very tired at work lately.",
                "My father and I have not spoken since the summer.")


def response_ms(tts: SpeechSynthesizer, repeats: int = 4) -> dict[str, float]:
    """Server work after the decision when the transcript is known: the engine's first
    sentence plus its first audio (median wall and CPU time; transport adds a few ms)."""
    store = ContentStore()
    engine = ReflectionEngine.load(store, responder=ScriptedReflector(store))
    list(tts.synthesize("Hello."))
    times: list[float] = []
    cpu: list[float] = []
    for index in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        conversation = engine.new_conversation("en")
        for event in conversation.respond(_REPLY_TEXTS[index % len(_REPLY_TEXTS)], "en"):
            if isinstance(event, ReplySentence):
                next(iter(tts.synthesize(event.text)))
                break
        times.append(1000.0 * (time.perf_counter() - start))
        cpu.append(1000.0 * (time.process_time() - cpu_start))
    return {"wall": statistics.median(times), "cpu": statistics.median(cpu)}


def run(
    settings: Settings, *, quick: bool, progress: Progress, first_contact: int = 0,
    cache_dir: Path | None = None,
) -> dict[str, Any]:
    """Both decisions over the same synthesized corpus (the tuning set, or with
    `first_contact` 1 or 2 a held-apart one); one results object. With `cache_dir` the
    corpus and the per-pause model results are reused from (and kept for) earlier runs."""
    started = time.monotonic()
    # One Whisper thread: the process's CPU time for a call is then about what one free core
    # takes, an upper bound for the server's multi-threaded call (summed threads would
    # overstate it by up to 2x).
    settings = settings.model_copy(update={
        "vad": dataclasses.replace(settings.vad, turn_decision="smart"),
        "stt": dataclasses.replace(settings.stt, cpu_threads=1),
    })
    progress("turns: loading VAD, Whisper (tiny.en, base), Smart Turn, Piper")
    vad = SileroVad()
    english = load_stt(settings)
    spanish = load_stt(settings, settings.stt.multilingual_model)
    smart = load_smart_turn(settings)
    assert smart is not None
    tts = load_tts(settings)

    def transcribe(audio: np.ndarray, lang: str) -> str:
        model = english if lang == "en" else spanish
        return model.transcribe(audio, language=lang).text

    per_lang = 4 if quick else 8
    label = corpus_label(first_contact)
    name = f"{label}-{per_lang}"
    voices, corpus = _corpus(tts, first_contact, per_lang, cache_dir, name, progress)
    server_ms = turns_cache.load_response(cache_dir, name) if cache_dir else None
    if server_ms is None:
        server_ms = response_ms(tts)
        if cache_dir is not None:
            turns_cache.save_response(cache_dir, name, server_ms)
    base = endpointer_config(settings.vad, speculate=True)
    modes = {
        f"fixed silence {settings.vad.end_silence_ms} ms": (base, None),
        "turn decider": (base, turn_taking(settings.vad, smart)),
    }
    decider = modes["turn decider"][1]
    assert decider is not None
    known = turns_cache.load_guesses(cache_dir, name) if cache_dir else None
    models = Models(transcribe, decider.listen, known, pitch=decider.pitch)
    results = run_modes(corpus, modes, vad, models, server_ms, progress)
    if cache_dir is not None:
        turns_cache.save_guesses(cache_dir, name, models.export())
    guesses = models.all_guesses()
    return {
        "corpus": label,
        "utterances": len(corpus),
        "voices": {lang: [name for name, _ in v] for lang, v in voices.items()},
        "pauses_s": list(turn_corpus.PAUSES_S),
        "server_response_ms": {k: round(v, 1) for k, v in server_ms.items()},
        "smart_turn_ms_p50": {
            "wall": round(statistics.median(g.score_ms for g in guesses), 1),
            "cpu": round(statistics.median(g.score_cpu_ms for g in guesses), 1)},
        "speculative_stt_ms_p50": {
            "wall": round(statistics.median(g.stt_ms for g in guesses), 1),
            "cpu": round(statistics.median(g.stt_cpu_ms for g in guesses), 1)},
        "clocks": {clock: table(corpus, by_mode) for clock, by_mode in results.items()},
        "elapsed_s": round(time.monotonic() - started, 1),
        "details": details(corpus, models, results),
    }


def corpus_label(first_contact: int) -> str:
    """The set's name in results and cache files ("tuning", "first-contact",
    "first-contact-2")."""
    if first_contact not in (0, 1, 2):
        raise ValueError(f"no first-contact turn set {first_contact}")
    return ("tuning", "first-contact", "first-contact-2")[first_contact]


def _corpus(
    tts: SpeechSynthesizer, first_contact: int, per_lang: int, cache_dir: Path | None,
    name: str, progress: Progress,
) -> tuple[dict[str, list[turn_corpus.Voice]], list[turn_corpus.PausedUtterance]]:
    """The voices and the synthesized utterances (from the cache when there)."""
    if first_contact == 2:
        voices = turn_corpus_first_contact_2.first_contact_voices(turn_corpus.piper_voice(
            "piper-joe", tts, rate=turn_corpus_first_contact_2.PIPER_RATE))
    elif first_contact:
        voices = turn_corpus_first_contact.first_contact_voices(
            turn_corpus.piper_voice("piper-joe", tts, rate=0.85))
    else:
        voices = {
            "en": [turn_corpus.piper_voice("piper-joe", tts),
                   turn_corpus.espeak_voice("en-us+f3")],
            "es": [turn_corpus.espeak_voice("es"), turn_corpus.espeak_voice("es-419+f3")],
        }
    cached = turns_cache.load_corpus(cache_dir, name) if cache_dir else None
    if cached is not None:
        return voices, cached
    progress(f"turns: synthesizing the {name} sentences")
    build = (turn_corpus.build, turn_corpus_first_contact.build,
             turn_corpus_first_contact_2.build)[first_contact]
    corpus = build(voices, per_lang=per_lang)
    if cache_dir is not None:
        turns_cache.save_corpus(cache_dir, name, corpus)
    return voices, corpus


def details(
    corpus: list[turn_corpus.PausedUtterance], models: Models,
    results: dict[str, dict[str, list[Outcome]]],
) -> list[dict[str, Any]]:
    """Per utterance: what each pause was heard as and scored, and how each mode ended it
    (synthetic sentences only, so no client text is involved)."""
    out: list[dict[str, Any]] = []
    for ident, utterance in enumerate(corpus):
        out.append({
            "lang": utterance.lang, "voice": utterance.voice, "where": utterance.where,
            "pause_s": utterance.pause_s,
            "pauses": [{"at_s": round(key[2], 3), "text": g.text,
                        "p": round(g.probability, 3),
                        "level": None if g.pitch_level is None else round(g.pitch_level, 1)}
                       for key, g in models.guesses_of(ident)],
            "outcomes": {f"{mode} ({clock})": [o.cut, o.cause, o.decision_ms]
                         for clock, by_mode in results.items()
                         for mode, outcomes in by_mode.items()
                         for o in [outcomes[ident]]},
        })
    return out


def human(results: dict[str, Any]) -> str:
    """The side-by-side table for the terminal (and docs/performance.md)."""
    modes = {f"{name} ({clock})": rows for clock, by_mode in results["clocks"].items()
             for name, rows in by_mode.items()}
    names = list(modes)
    keys = [k for k in modes[names[0]] if k.startswith("cut_")]
    lines = ["| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for key in keys:
        lines.append(f"| {key.replace('_', ' ')} | " + " | ".join(modes[n][key] for n in names)
                     + " |")
    for key in ("felt_ms", "felt_ms_en", "felt_ms_es", "felt_ms_no_pause", "ready_ms",
                "decision_ms"):
        cells = [f"{modes[n][key]['p50']} / {modes[n][key]['p95']} (n={modes[n][key]['n']})"
                 for n in names]
        lines.append(f"| {key.replace('_', ' ')} p50 / p95 | " + " | ".join(cells) + " |")
    lines.append(f"\n{results['corpus']} corpus, utterances {results['utterances']}, "
                 f"voices {results['voices']}, "
                 f"server response {results['server_response_ms']} ms, Smart Turn p50 "
                 f"{results['smart_turn_ms_p50']} ms, speculative STT p50 "
                 f"{results['speculative_stt_ms_p50']} ms, causes "
                 + "; ".join(f"{n}: {modes[n]['causes']}" for n in names)
                 + "\n(wall: model times as measured on this machine; cpu: the process's CPU "
                 "time for them, about what a free machine takes)")
    return "\n".join(lines)
