"""Turn-taking on real models: Smart Turn v3.2, and a thinking pause through VAD and intake."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from benchmarks import turn_corpus
from server.audio_intake import AudioIntake
from server.speculation import Speculator
from server.speech import Heard
from server.workers import ModelPool
from voice.audio import float_to_pcm16
from voice.endpointer import EndpointerConfig, EndpointEvent, UtteranceEnded
from voice.model_store import resolve_smart_turn
from voice.smart_turn import SmartTurnModel
from voice.stt import WhisperStt
from voice.tts import PiperTts
from voice.turn_taking import TurnPolicy, TurnTaking
from voice.vad import SileroVad

pytestmark = pytest.mark.integration
TAIL = 3200  # 200 ms of room tone after the last word, as the endpointer hands it over
# Phrases that cannot end a sentence, each with the rest of its sentence.
CUT_OFF = (("I have been feeling", "like nobody at work listens to me."),
           ("My father and I", "have not spoken since the summer."),
           ("The thing is", "I never know what to say to him."))


@pytest.fixture(scope="module")
def smart_turn(model_cache_dir: Path) -> Iterator[SmartTurnModel]:
    """The model from the pipecat-ai wheel, checked against its pinned sha256."""
    yield SmartTurnModel(resolve_smart_turn(cache_dir=model_cache_dir, verify=True))


def _paused(tts: PiperTts, before: str, after: str, pause_s: float) -> turn_corpus.PausedUtterance:
    voice = turn_corpus.piper_voice("piper", tts)
    return turn_corpus.paused(voice, before, after, "phrase", "en", pause_s, seed=7)


def test_a_finished_sentence_sounds_more_finished_than_a_cut_off_one(
    smart_turn: SmartTurnModel, piper_tts: PiperTts
) -> None:
    # One synthetic sentence can fool it (Piper varies from run to run); three on average not.
    cut, whole = [], []
    for before, after in CUT_OFF:
        spoken = _paused(piper_tts, before, after, 1.0)
        cut.append(smart_turn.probability(spoken.audio[: spoken.first_end + TAIL]))
        whole.append(smart_turn.probability(spoken.audio[: spoken.speech_end + TAIL]))
    assert all(0.0 <= p <= 1.0 for p in cut + whole)
    assert np.mean(cut) < np.mean(whole), (cut, whole)


class Stt:
    """The server's Transcriber shape over the real tiny.en model."""

    def __init__(self, whisper: WhisperStt) -> None:
        self.whisper = whisper

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        text = self.whisper.transcribe(samples, language=lang).text
        return Heard(text=text, lang="en", confidence=1.0)


async def _stream(audio: NDArray[np.float32], whisper: WhisperStt, vad: SileroVad,
                  smart_turn: SmartTurnModel) -> list[EndpointEvent]:
    """Through the real VAD, intake, speculation and Smart Turn, as the server runs them.

    Each model result is awaited before more audio is fed (the pause gives it time in real
    life), so the outcome does not depend on how fast this CPU is.
    """
    pool = ModelPool(1)
    try:
        speculator = Speculator(pool, Stt(whisper), stale_after_s=60.0)
        turns = TurnTaking(policy=TurnPolicy(), score=smart_turn.probability)
        config = EndpointerConfig(tail_ms=200, end_silence_ms=700)
        intake = AudioIntake(pool, vad.new_stream, config, turns=turns, hint=speculator.guessed)
        pcm = float_to_pcm16(audio)
        events: list[EndpointEvent] = []
        for offset in range(0, len(pcm), 1024):
            for event in await intake.feed(pcm[offset : offset + 1024]):
                speculator.observe(event, "en")
                events.append(event)
            for _ in range(3000):
                if not intake._scoring and (not speculator.pending or speculator.guessed()):
                    break
                await asyncio.sleep(0.01)
        return events
    finally:
        pool.shutdown()


async def test_a_long_pause_inside_a_phrase_stays_one_turn(
    smart_turn: SmartTurnModel, piper_tts: PiperTts, whisper_tiny_en: WhisperStt,
    silero_vad: SileroVad,
) -> None:
    spoken = _paused(piper_tts, "I have been feeling", "like nobody at work listens to me.", 1.2)
    events = await _stream(spoken.audio, whisper_tiny_en, silero_vad, smart_turn)
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert len(ended) == 1, [round(e.speech_end_s, 2) for e in ended]
    assert ended[0].speech_end_s * 16000 >= spoken.second_start  # both halves in one turn
