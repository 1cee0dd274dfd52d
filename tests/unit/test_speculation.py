"""Speculative transcription during pauses: used only for the exact final audio, else dropped."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from server.speculation import SpeculationOutcome, Speculator
from server.speech import Heard
from server.workers import ModelPool
from voice.endpointer import SpeechPaused, UtteranceEnded, UtteranceEndReason


class CountingTranscriber:
    """The transcript names the audio it was given (its length and first sample)."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.calls: list[int] = []
        self.gate = gate
        self.started: list[int] = []
        self.change = threading.Condition()

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        with self.change:
            self.started.append(len(samples))
            self.change.notify_all()
        if self.gate is not None:
            self.gate.wait(timeout=10)
        self.calls.append(len(samples))
        return Heard(text=f"{len(samples)} samples", lang=lang or "en", confidence=1.0)

    def wait_started(self, frames: int) -> bool:
        """Block until a transcription of `frames` frames has started."""
        with self.change:
            return self.change.wait_for(lambda: frames * 512 in self.started, timeout=10)


def _audio(frames: int) -> NDArray[np.float32]:
    return np.arange(frames * 512, dtype=np.float32) / 1e6


def _paused(frames: int, start_s: float = 0.5) -> SpeechPaused:
    return SpeechPaused(audio=_audio(frames), start_s=start_s, speech_end_s=start_s + frames / 31)


def _ended(frames: int, start_s: float = 0.5) -> UtteranceEnded:
    return UtteranceEnded(
        audio=_audio(frames), reason=UtteranceEndReason.SILENCE,
        speech_end_s=start_s + frames / 31, start_s=start_s,
    )


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(2)
    yield workers
    workers.shutdown()


async def test_a_turn_ending_at_the_pause_uses_the_guess(pool: ModelPool) -> None:
    transcriber = CountingTranscriber()
    speculator = Speculator(pool, transcriber)
    speculator.paused(_paused(40), "en")
    # The pause is ~400 ms before the decision: an idle thread has long started the guess.
    assert await asyncio.to_thread(transcriber.wait_started, 40)
    guess = speculator.take(_ended(40), "en")
    assert guess is not None
    heard = await asyncio.wrap_future(guess)
    assert heard.text == f"{40 * 512} samples"
    assert transcriber.calls == [40 * 512]  # transcribed once, during the pause
    assert speculator.stats.used == 1 and not speculator.pending


async def test_resumed_speech_discards_the_guess_and_the_next_pause_wins(
    pool: ModelPool,
) -> None:
    transcriber = CountingTranscriber()
    speculator = Speculator(pool, transcriber)
    speculator.paused(_paused(20), "en")
    speculator.discard()  # SpeechResumed
    speculator.paused(_paused(60), "en")
    assert await asyncio.to_thread(transcriber.wait_started, 60)
    guess = speculator.take(_ended(60), "en")
    assert guess is not None
    heard = await asyncio.wrap_future(guess)
    assert heard.text == f"{60 * 512} samples"  # the whole utterance, not the first part
    assert speculator.stats.discarded == 1


async def test_an_end_with_other_audio_gets_no_guess(pool: ModelPool) -> None:
    speculator = Speculator(pool, CountingTranscriber())
    speculator.paused(_paused(20), "en")
    assert speculator.take(_ended(60), "en") is None
    assert speculator.stats.discarded == 1 and not speculator.pending


async def test_same_timing_but_different_samples_gets_no_guess(pool: ModelPool) -> None:
    speculator = Speculator(pool, CountingTranscriber())
    speculator.paused(_paused(20), "en")
    ended = _ended(20)
    ended.audio[0] = 0.5  # e.g. the endpointer was reset and a new utterance lined up
    assert speculator.take(ended, "en") is None


async def test_a_language_change_since_the_pause_gets_no_guess(pool: ModelPool) -> None:
    speculator = Speculator(pool, CountingTranscriber())
    speculator.paused(_paused(20), "en")
    assert speculator.take(_ended(20), "es") is None


async def test_while_the_pool_is_busy_the_guess_waits_behind_real_work() -> None:
    gate = threading.Event()
    order: list[str] = []
    pool = ModelPool(1)
    try:
        blocker = asyncio.ensure_future(pool.run(gate.wait, 10))
        await asyncio.sleep(0)
        transcriber = CountingTranscriber()
        speculator = Speculator(pool, transcriber)
        speculator.paused(_paused(20), "en")
        assert speculator.pending and speculator.stats.started == 1  # queued, not skipped
        real = asyncio.ensure_future(pool.run(order.append, "another kiosk's turn"))
        await asyncio.sleep(0)
        gate.set()
        await asyncio.gather(blocker, real)
        assert await asyncio.to_thread(transcriber.wait_started, 20)  # then the guess runs
        guess = speculator.take(_ended(20), "en")
        assert guess is not None
        heard = await asyncio.wrap_future(guess)
        assert heard.text == f"{20 * 512} samples"
        assert order == ["another kiosk's turn"] and transcriber.calls == [20 * 512]
    finally:
        gate.set()
        pool.shutdown()


async def test_a_guess_still_queued_at_the_end_of_turn_is_dropped_unrun() -> None:
    gate = threading.Event()
    pool = ModelPool(1)
    try:
        blocker = asyncio.ensure_future(pool.run(gate.wait, 10))
        await asyncio.sleep(0)
        transcriber = CountingTranscriber()
        outcomes: list[SpeculationOutcome] = []
        speculator = Speculator(pool, transcriber, on_outcome=outcomes.append)
        speculator.paused(_paused(20), "en")
        # The turn ends before any thread was free: the caller transcribes at full priority.
        assert speculator.take(_ended(20), "en") is None
        gate.set()
        await blocker
        await pool.run(lambda: None)  # the thread has passed the dropped guess
        assert transcriber.calls == []
        assert speculator.stats.stale == 1 and not speculator.pending
        assert outcomes == [SpeculationOutcome.STARTED, SpeculationOutcome.STALE]
    finally:
        gate.set()
        pool.shutdown()


async def test_a_guess_that_aged_out_in_the_queue_is_not_used() -> None:
    gate = threading.Event()
    pool = ModelPool(1)
    try:
        blocker = asyncio.ensure_future(pool.run(gate.wait, 10))
        await asyncio.sleep(0)
        transcriber = CountingTranscriber()
        speculator = Speculator(pool, transcriber, stale_after_s=0.0)
        speculator.paused(_paused(20), "en")
        gate.set()
        await blocker
        await pool.run(lambda: None)
        assert speculator.take(_ended(20), "en") is None
        assert transcriber.calls == [] and speculator.stats.stale == 1
    finally:
        gate.set()
        pool.shutdown()


async def test_no_speculation_when_the_pool_is_saturated() -> None:
    gate = threading.Event()
    pool = ModelPool(1, max_pending=2)
    try:
        blocker = asyncio.ensure_future(pool.run(gate.wait, 10))
        await asyncio.sleep(0)
        speculator = Speculator(pool, CountingTranscriber())
        speculator.paused(_paused(20), "en")
        assert not speculator.pending and speculator.stats.skipped_busy == 1
        assert speculator.take(_ended(20), "en") is None
        gate.set()
        await blocker
    finally:
        gate.set()
        pool.shutdown()


async def test_a_discarded_guess_is_never_used_even_for_matching_audio(
    pool: ModelPool,
) -> None:
    gate = threading.Event()
    transcriber = CountingTranscriber(gate)
    speculator = Speculator(pool, transcriber)
    speculator.paused(_paused(20), "en")
    speculator.discard()  # speech resumed while the guess was still running
    gate.set()
    assert speculator.take(_ended(20), "en") is None
