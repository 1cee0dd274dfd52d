"""server.audio_intake with a turn decider: pauses decided from words and voice (fakes)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from server.audio_intake import AudioIntake
from voice.audio import float_to_pcm16
from voice.endpointer import (
    EndpointerConfig,
    EndpointEvent,
    SpeechPaused,
    SpeechSustained,
    UtteranceEnded,
)
from voice.turn_taking import EndCause, TurnPolicy, TurnTaking

FRAME = 512


class Pool:
    """Runs the VAD and Smart Turn calls inline (the real pool has a thread for each)."""

    async def run_vad(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args)

    async def run_turn(self, fn: Callable[..., Any], *args: Any) -> Any:
        return fn(*args)


class Loudness:
    """Speech probability from the frame's level (the tests' speech is loud, silence is not)."""

    def probability(self, frame: NDArray[np.float32]) -> float:
        return 0.9 if float(np.max(np.abs(frame))) > 0.05 else 0.0


class Hints:
    """The speculative transcript the intake asks for: set per pause by the test."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.key: tuple[float, float] | None = None

    def __call__(self) -> tuple[tuple[float, float], str, str] | None:
        return (self.key, self.text, "en") if self.key is not None else None


def _audio(*parts: tuple[str, float]) -> bytes:
    chunks = [np.full(round(s * 16000), 0.2 if kind == "speech" else 0.0, dtype=np.float32)
              for kind, s in parts]
    return float_to_pcm16(np.concatenate(chunks))


def _intake(text: str, probability: float, patience: int = 700) -> tuple[AudioIntake, Hints]:
    hints = Hints(text)
    config = EndpointerConfig(min_snr_db=0.0, preroll_ms=0, tail_ms=192,
                              end_silence_ms=patience, sustained_ms=900)
    turns = TurnTaking(policy=TurnPolicy(min_silence_ms=192), score=lambda audio: probability)
    intake = AudioIntake(Pool(), Loudness, config, turns=turns, hint=hints)  # type: ignore[arg-type]
    return intake, hints


async def _feed(intake: AudioIntake, hints: Hints, pcm: bytes) -> list[EndpointEvent]:
    """32 ms chunks, like a kiosk; each pause's transcript is known as soon as it starts."""
    events: list[EndpointEvent] = []
    for offset in range(0, len(pcm), FRAME * 2):
        for event in await intake.feed(pcm[offset : offset + FRAME * 2]):
            if isinstance(event, SpeechPaused):
                hints.key = event.key
            events.append(event)
        await asyncio.sleep(0)  # lets the score's callback run, as the event loop would
    return events


async def test_a_finished_sentence_ends_soon_and_with_the_paused_audio() -> None:
    intake, hints = _intake("I feel tired all the time.", 0.9)
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 1.5), ("silence", 1.0)))
    pause = next(e for e in events if isinstance(e, SpeechPaused))
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert len(ended) == 1 and ended[0].key == pause.key  # the speculative guess fits it
    np.testing.assert_array_equal(ended[0].audio, pause.audio)
    assert intake.last_cause is EndCause.COMPLETE
    assert events.index(ended[0]) - events.index(pause) <= 3  # within a few frames


async def test_an_unfinished_phrase_keeps_a_long_pause_inside_one_turn() -> None:
    intake, hints = _intake("I have been feeling", 0.99)
    events = await _feed(intake, hints, _audio(
        ("silence", 0.5), ("speech", 1.0), ("silence", 1.5), ("speech", 1.0), ("silence", 0.5)))
    assert not any(isinstance(e, UtteranceEnded) for e in events)
    hints.text = "I have been feeling like nobody listens."
    events = await _feed(intake, hints, _audio(("silence", 0.5)))
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert len(ended) == 1 and len(ended[0].audio) / 16000 > 3.4  # both halves, one turn


async def test_the_maximum_wait_ends_any_turn() -> None:
    intake, hints = _intake("um", 0.99)
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 1.0), ("silence", 3.0)))
    assert sum(isinstance(e, UtteranceEnded) for e in events) == 1
    assert intake.last_cause is None  # the endpointer's own silence limit (= maximum wait)


async def test_patience_moves_the_maximum_wait() -> None:
    intake, hints = _intake("um", 0.99, patience=1400)
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 1.0), ("silence", 3.0)))
    assert not any(isinstance(e, UtteranceEnded) for e in events)  # 5 s at this patience
    intake.reconfigure(EndpointerConfig(min_snr_db=0.0, preroll_ms=0, tail_ms=192,
                                        end_silence_ms=700))
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 1.0), ("silence", 3.0)))
    assert sum(isinstance(e, UtteranceEnded) for e in events) == 1


async def test_long_speech_is_announced_as_sustained_once() -> None:
    intake, hints = _intake("I feel tired.", 0.9)
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 2.0), ("silence", 1.0)))
    assert sum(isinstance(e, SpeechSustained) for e in events) == 1
    events = await _feed(intake, hints, _audio(("speech", 0.5), ("silence", 1.0)))
    assert not any(isinstance(e, SpeechSustained) for e in events)  # a "mm-hm" is not


def _screened_intake(text: str, level: int) -> tuple[AudioIntake, Hints, list[str]]:
    hints, asked = Hints(text), []

    def screen(words: str, lang: str) -> int:
        asked.append(words)
        return level

    config = EndpointerConfig(min_snr_db=0.0, preroll_ms=0, tail_ms=192, end_silence_ms=700)
    turns = TurnTaking(policy=TurnPolicy(min_silence_ms=192), score=lambda audio: 0.99,
                       screen=screen)
    intake = AudioIntake(Pool(), Loudness, config, turns=turns, hint=hints)  # type: ignore[arg-type]
    return intake, hints, asked


async def test_crisis_words_so_far_end_an_unfinished_turn_at_once() -> None:
    intake, hints, asked = _screened_intake("I want to end my life and", 3)
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 1.0), ("silence", 0.5)))
    pause = next(e for e in events if isinstance(e, SpeechPaused))
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert asked == ["I want to end my life and"]  # screened once per transcript
    assert len(ended) == 1 and ended[0].key == pause.key
    assert intake.last_cause is EndCause.URGENT
    assert events.index(ended[0]) - events.index(pause) <= 3


async def test_low_risk_words_so_far_still_wait_for_the_rest() -> None:
    intake, hints, asked = _screened_intake("I have been feeling", 1)
    events = await _feed(intake, hints, _audio(("silence", 0.5), ("speech", 1.0), ("silence", 1.5)))
    assert asked == ["I have been feeling"]
    assert not any(isinstance(e, UtteranceEnded) for e in events)
