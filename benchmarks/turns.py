"""`reflect bench --turns`: cut-offs and felt latency, fixed silence vs the turn decider.

Every utterance is fed frame by frame through the real Silero VAD and endpointer. At each
pause the real Whisper model transcribes the utterance so far and the real Smart Turn model
scores it, as the server's speculation does; their measured times decide (in audio time)
when the decider may use them. A turn ended inside the pause is a cut-off; on the final end,
felt latency = last word -> decision (or -> transcript, if later) + the server's measured
response (engine first sentence + first audio).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from benchmarks.stats import summarize
from benchmarks.turn_corpus import PausedUtterance
from voice.endpointer import (
    Endpointer,
    EndpointerConfig,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    UtteranceEnded,
)
from voice.turn_taking import TurnTaking
from voice.vad import FRAME_SAMPLES, SileroVad

RATE = 16000
FRAME_MS = 1000.0 * FRAME_SAMPLES / RATE
Transcribe = Callable[[np.ndarray, str], str]
# Smart Turn's probability and the end's pitch cue (voice.turn_taking.TurnTaking.listen).
Score = Callable[[np.ndarray], tuple[float, float | None]]
# The end's pitch cue alone (voice.turn_taking.TurnTaking.pitch).
Pitch = Callable[[np.ndarray], float | None]


@dataclass(frozen=True)
class Guess:
    """What the server knows about one pause, and how long it took to know it."""

    text: str
    stt_ms: float  # wall clock, as measured on this (shared) machine
    probability: float
    score_ms: float
    stt_cpu_ms: float  # CPU time of the process: what a free machine would take, about
    score_cpu_ms: float
    pitch_slope: float | None = None  # the cue before 2026-12-02 pm (old caches keep it)
    # The end's pitch against the utterance's middle, semitones (None: not enough voice).
    pitch_level: float | None = None


@dataclass(frozen=True)
class Outcome:
    """One utterance under one mode."""

    cut: bool
    decision_ms: float | None  # last word -> end of turn
    felt_ms: float | None  # last word -> first reply audio (estimated)
    cause: str
    # last word -> the decision and the transcript both there (felt minus the server's response)
    ready_ms: float | None = None


class Models:
    """Real STT and Smart Turn, cached per pause (both modes hear the same pauses)."""

    def __init__(
        self, transcribe: Transcribe, score: Score,
        known: dict[tuple[int, float, float], dict[str, Any]] | None = None,
        pitch: Pitch | None = None,
    ) -> None:
        self.transcribe = transcribe
        self.score = score
        # Results measured in an earlier run on the same audio (benchmarks.turns_cache).
        self._cache: dict[tuple[int, float, float], Guess] = {
            key: Guess(**fields) for key, fields in (known or {}).items()}
        # With `pitch`, a cached pause's pitch cue is computed afresh from its audio (under a
        # millisecond of numpy, so the measured Smart Turn time still stands): a replay then
        # follows a changed cue too.
        self._pitch = pitch
        self._refresh_pitch = set(known or {}) if pitch is not None else set()
        self._speech: dict[int, list[float]] = {}

    def speech(self, ident: int, frames: np.ndarray, vad: SileroVad) -> list[float]:
        """Silero's per-frame speech probabilities for utterance `ident` (a fresh stream
        gives the same ones every time, so every mode and clock shares one pass)."""
        if ident not in self._speech:
            stream = vad.new_stream()
            self._speech[ident] = [
                stream.probability(frame) for frame in frames.reshape(-1, FRAME_SAMPLES)]
        return self._speech[ident]

    def export(self) -> dict[tuple[int, float, float], dict[str, Any]]:
        """Every pause's guess as plain fields (for benchmarks.turns_cache)."""
        return {key: dataclasses.asdict(guess) for key, guess in self._cache.items()}

    def all_guesses(self) -> list[Guess]:
        """Every pause's guess so far."""
        return list(self._cache.values())

    def guesses_of(self, ident: int) -> list[tuple[tuple[int, float, float], Guess]]:
        """Utterance `ident`'s pauses, in order."""
        return sorted((k, g) for k, g in self._cache.items() if k[0] == ident)

    def guess(self, ident: int, event: SpeechPaused, lang: str) -> Guess:
        """Transcript and score of the utterance so far, with their times."""
        key = (ident, *event.key)
        if key not in self._cache:
            start, cpu = time.perf_counter(), time.process_time()
            text = self.transcribe(event.audio, lang)
            stt_ms = 1000.0 * (time.perf_counter() - start)
            stt_cpu_ms = 1000.0 * (time.process_time() - cpu)
            start, cpu = time.perf_counter(), time.process_time()
            probability, level = self.score(event.audio)
            score_ms = 1000.0 * (time.perf_counter() - start)
            score_cpu_ms = 1000.0 * (time.process_time() - cpu)
            self._cache[key] = Guess(text, stt_ms, probability, score_ms, stt_cpu_ms,
                                     score_cpu_ms, pitch_level=level)
        elif key in self._refresh_pitch and self._pitch is not None:
            self._refresh_pitch.discard(key)
            self._cache[key] = replace(self._cache[key], pitch_level=self._pitch(event.audio))
        return self._cache[key]


def simulate(
    ident: int,
    utterance: PausedUtterance,
    config: EndpointerConfig,
    turns: TurnTaking | None,
    vad: SileroVad,
    models: Models,
    response_ms: float,
    clock: str = "wall",
) -> Outcome:
    """Run one utterance through VAD + endpointer (+ decider) and score what happened."""
    decider = turns.decider(config.end_silence_ms) if turns else None
    if decider is not None:
        policy = decider.policy
        config = replace(config, end_silence_ms=policy.max_wait_ms, pause_ms=policy.min_silence_ms)
    endpointer = Endpointer(config, FRAME_SAMPLES, RATE)
    frames = np.asarray(utterance.audio[: len(utterance.audio) // FRAME_SAMPLES * FRAME_SAMPLES])
    speech = models.speech(ident, frames, vad)
    arrivals: list[tuple[float, str, tuple[float, float], Any]] = []
    text_ready: dict[tuple[float, float], float] = {}
    cause = "silence"
    for index, frame in enumerate(frames.reshape(-1, FRAME_SAMPLES)):
        now_ms = (index + 1) * FRAME_MS
        events = endpointer.push(frame, speech[index])
        for event in events:
            if isinstance(event, SpeechPaused):
                guess = models.guess(ident, event, utterance.lang)
                stt_ms, score_ms = (
                    (guess.stt_ms, guess.score_ms) if clock == "wall"
                    else (guess.stt_cpu_ms, guess.score_cpu_ms)
                )
                text_ready[event.key] = now_ms + stt_ms
                arrivals.append((now_ms + stt_ms, "text", event.key, guess.text))
                arrivals.append(
                    (now_ms + score_ms, "score", event.key, (guess.probability, guess.pitch_level)))
                if decider is not None:
                    decider.paused(event.key)
            elif isinstance(event, SpeechResumed | SpeechStarted) and decider is not None:
                decider.resumed()
        ended = next((e for e in events if isinstance(e, UtteranceEnded)), None)
        if ended is None and decider is not None and endpointer.paused:
            for arrival in [a for a in arrivals if a[0] <= now_ms]:
                arrivals.remove(arrival)
                _, kind, key, value = arrival
                if kind == "text":
                    decider.heard(key, value, utterance.lang)
                else:
                    decider.scored(key, *value)
            decided = decider.decide(endpointer.silence_ms)
            if decided is not None:
                ended = endpointer.end_paused()
                cause = decided.value
        if ended is None:
            continue
        end_sample = (index + 1) * FRAME_SAMPLES
        if end_sample < utterance.second_start:
            return Outcome(True, None, None, cause)
        last_word_ms = 1000.0 * utterance.speech_end / RATE
        decision_ms = now_ms - last_word_ms
        ready = text_ready.get(ended.key, now_ms + 10_000.0)  # no guess: a full transcription
        transcript_wait = max(0.0, ready - now_ms) if ended.key in text_ready else 0.0
        ready_ms = decision_ms + transcript_wait
        return Outcome(False, decision_ms, ready_ms + response_ms, cause, ready_ms)
    return Outcome(False, None, None, "never")


def run_modes(
    corpus: Sequence[PausedUtterance],
    modes: dict[str, tuple[EndpointerConfig, TurnTaking | None]],
    vad: SileroVad,
    models: Models,
    response_ms: dict[str, float],
    progress: Callable[[str], None],
) -> dict[str, dict[str, list[Outcome]]]:
    """Every utterance under every mode, on both clocks (the models' work is shared)."""
    results: dict[str, dict[str, list[Outcome]]] = {
        clock: {name: [] for name in modes} for clock in response_ms}
    for ident, utterance in enumerate(corpus):
        if ident % 16 == 0:
            progress(f"turns: utterance {ident + 1}/{len(corpus)}")
        for clock, server_ms in response_ms.items():
            for name, (config, turns) in modes.items():
                results[clock][name].append(
                    simulate(ident, utterance, config, turns, vad, models, server_ms, clock))
    return results


def table(
    corpus: Sequence[PausedUtterance], results: dict[str, list[Outcome]]
) -> dict[str, Any]:
    """Cut-off rate per pause length (and kind, language), felt latency on complete turns."""
    out: dict[str, Any] = {}
    for name, outcomes in results.items():
        rows: dict[str, Any] = {}
        for pause in sorted({u.pause_s for u in corpus}):
            picked = [o for u, o in zip(corpus, outcomes, strict=True) if u.pause_s == pause]
            label = f"cut_{pause:.1f}s" if pause else "cut_no_pause"  # complete turns
            rows[label] = f"{sum(o.cut for o in picked)}/{len(picked)}"
        for group in ("clause", "conjunction", "phrase"):
            if not any(u.where == group for u in corpus):
                continue
            mid = [o for u, o in zip(corpus, outcomes, strict=True)
                   if u.where == group and 1.0 <= u.pause_s <= 1.5]
            rows[f"cut_1.0-1.5s_{group}"] = f"{sum(o.cut for o in mid)}/{len(mid)}"
        mid = [o for u, o in zip(corpus, outcomes, strict=True) if 1.0 <= u.pause_s <= 1.5]
        rows["cut_1.0-1.5s_all"] = f"{sum(o.cut for o in mid)}/{len(mid)}"
        for lang in ("en", "es"):
            mid = [o for u, o in zip(corpus, outcomes, strict=True)
                   if u.lang == lang and 1.0 <= u.pause_s <= 1.5]
            rows[f"cut_1.0-1.5s_{lang}"] = f"{sum(o.cut for o in mid)}/{len(mid)}"
            felt = [o.felt_ms for u, o in zip(corpus, outcomes, strict=True)
                    if u.lang == lang and o.felt_ms is not None]
            rows[f"felt_ms_{lang}"] = summarize(felt)
        rows["felt_ms"] = summarize(o.felt_ms for o in outcomes if o.felt_ms is not None)
        rows["felt_ms_no_pause"] = summarize(
            o.felt_ms for u, o in zip(corpus, outcomes, strict=True)
            if u.pause_s == 0 and o.felt_ms is not None)
        rows["ready_ms"] = summarize(o.ready_ms for o in outcomes if o.ready_ms is not None)
        rows["decision_ms"] = summarize(o.decision_ms for o in outcomes)
        causes: dict[str, int] = {}
        for outcome in outcomes:
            causes[outcome.cause] = causes.get(outcome.cause, 0) + 1
        rows["causes"] = causes
        out[name] = rows
    return out
