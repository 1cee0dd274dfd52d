"""The turns benchmark's own logic: where a conjunction pause opens, cached pauses, sets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import turns_cache
from benchmarks.turn_corpus import LEAD_S, paused
from benchmarks.turns import Models
from benchmarks.turns_bench import corpus_label
from voice.endpoint_events import SpeechPaused

RATE = 16000


def _say(text: str) -> np.ndarray:
    """A fake voice: 250 ms per word, a silent comma pause after the first clause, and a
    shorter, not quite silent one after a lone conjunction (as a voice says "X, and, we")."""
    parts: list[np.ndarray] = []
    t = np.arange(round(0.25 * RATE)) / RATE
    words = text.split()
    for index, word in enumerate(words):
        parts.append((0.4 * np.sin(2 * np.pi * 180.0 * t)).astype(np.float32))
        if word.endswith(","):
            lone = word.rstrip(",") in ("and", "y")
            gap = np.full(round((0.12 if lone else 0.3) * RATE), 0.01 if lone else 0.0)
            parts.append(gap.astype(np.float32))
        elif index < len(words) - 1:
            parts.append(np.zeros(round(0.02 * RATE), np.float32))
    return np.concatenate(parts)


def test_a_conjunction_pause_opens_after_the_conjunction_not_at_the_comma_before_it() -> None:
    voice = ("fake", _say)
    clause = paused(voice, "I went to see my mother on Sunday,", "and we argued.", "clause",
                    "en", 1.0, seed=1)
    after = paused(voice, "I went to see my mother on Sunday, and", "we argued.", "conjunction",
                   "en", 1.0, seed=1)
    lead = round(LEAD_S * RATE)
    # The clause pause opens after "Sunday"; the conjunction pause a word (250 ms) later.
    assert clause.first_end - lead == pytest.approx(8 * 0.25 * RATE + 7 * 0.02 * RATE, abs=800)
    assert after.first_end - clause.first_end >= round(0.25 * RATE)


def test_a_replay_keeps_the_measured_results_and_recomputes_the_pitch_cue() -> None:
    audio = np.zeros(RATE, np.float32)
    event = SpeechPaused(audio=audio, start_s=0.5, speech_end_s=1.5)
    known = {(3, 0.5, 1.5): {"text": "I went home.", "stt_ms": 120.0, "probability": 0.8,
                             "score_ms": 40.0, "stt_cpu_ms": 110.0, "score_cpu_ms": 35.0,
                             "pitch_slope": -12.0}}

    def never(*_: object) -> tuple[float, float | None]:
        raise AssertionError("a cached pause is not measured again")

    models = Models(never, never, known, pitch=lambda _: -4.5)
    guess = models.guess(3, event, "en")
    assert (guess.text, guess.stt_cpu_ms, guess.probability) == ("I went home.", 110.0, 0.8)
    assert guess.pitch_level == -4.5
    assert models.export()[(3, 0.5, 1.5)]["pitch_level"] == -4.5


def test_the_cache_keeps_the_server_response(tmp_path: Path) -> None:
    assert turns_cache.load_response(tmp_path, "tuning-8") is None
    turns_cache.save_response(tmp_path, "tuning-8", {"wall": 300.0, "cpu": 260.5})
    assert turns_cache.load_response(tmp_path, "tuning-8") == {"wall": 300.0, "cpu": 260.5}


def test_the_sets_have_names_and_there_are_three() -> None:
    assert [corpus_label(n) for n in (0, 1, 2)] == ["tuning", "first-contact", "first-contact-2"]
    with pytest.raises(ValueError):
        corpus_label(3)
