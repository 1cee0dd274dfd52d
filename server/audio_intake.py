"""Per-kiosk microphone intake: PCM16 bytes -> 512-sample frames -> VAD -> endpointer events."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from server.workers import ModelPool
from voice.audio import pcm16_to_float
from voice.endpointer import (
    Endpointer,
    EndpointerConfig,
    EndpointEvent,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    UtteranceEnded,
)
from voice.turn_taking import URGENT_LEVEL, EndCause, TurnTaking

FRAME_SAMPLES = 512
FRAME_BYTES = FRAME_SAMPLES * 2


class ProbabilityStream(Protocol):
    """Per-stream speech probability (voice.vad.VadStream fits)."""

    def probability(self, frame: NDArray[np.float32]) -> float:
        """Speech probability of one 512-sample frame."""
        ...


# The latest speculative transcript: (pause key, text, language), or None while there is none.
Hint = Callable[[], tuple[tuple[float, float], str, str] | None]


def _no_hint() -> None:
    return None


class AudioIntake:
    """Feeds client audio through VAD and the endpointer; VAD runs on the pool's VAD thread."""

    def __init__(
        self,
        pool: ModelPool,
        new_stream: Callable[[], ProbabilityStream],
        config: EndpointerConfig,
        *,
        turns: TurnTaking | None = None,
        hint: Hint = _no_hint,
    ) -> None:
        self.pool = pool
        self._new_stream = new_stream
        self._stream = new_stream()
        # With `turns`, pauses are decided from words and voice; else by a fixed silence.
        self.turns = turns
        self._decider = turns.decider(config.end_silence_ms) if turns else None
        self._hint = hint
        self.last_cause: EndCause | None = None  # why the last turn ended (diagnostics)
        self._scoring: set[asyncio.Future[Any]] = set()
        self.endpointer = self._endpointer(config)
        self._pending = b""

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is being heard."""
        return self.endpointer.in_speech

    def _endpointer(self, config: EndpointerConfig) -> Endpointer:
        if self._decider is not None:
            # The decider ends turns; the silence limit is only its maximum wait.
            policy = self._decider.policy
            config = replace(
                config, end_silence_ms=policy.max_wait_ms, pause_ms=policy.min_silence_ms
            )
        return Endpointer(config, frame_samples=FRAME_SAMPLES, sample_rate=16000)

    def reconfigure(self, config: EndpointerConfig) -> None:
        """New thresholds (e.g. the client's patience setting); starts listening afresh."""
        if self.turns is not None:
            self._decider = self.turns.decider(config.end_silence_ms)
        self.endpointer = self._endpointer(config)
        self.reset()

    def reset(self) -> None:
        """Drop buffered audio and VAD state (between turns where audio is not accepted)."""
        self._pending = b""
        self._stream = self._new_stream()
        self.endpointer.reset()

    async def feed(self, pcm16: bytes) -> list[EndpointEvent]:
        """Consume a chunk of PCM16 LE 16 kHz mono; returns the endpointer's events."""
        data = self._pending + pcm16
        usable = len(data) - len(data) % FRAME_BYTES
        self._pending = data[usable:]
        if not usable:
            return []
        samples = pcm16_to_float(data[:usable])
        frames = samples.reshape(-1, FRAME_SAMPLES)
        stream = self._stream
        probabilities = await self.pool.run_vad(
            lambda: [stream.probability(frame) for frame in frames]
        )
        events: list[EndpointEvent] = []
        for frame, probability in zip(frames, probabilities, strict=True):
            for event in self.endpointer.push(frame, probability):
                self._follow(event)
                events.append(event)
            ended = self._decide()
            if ended is not None:
                events.append(ended)
        return events

    def _follow(self, event: EndpointEvent) -> None:
        """Keep the decider on the current pause; score each pause's audio off the loop."""
        decider, turns = self._decider, self.turns
        if decider is None or turns is None:
            return
        if isinstance(event, SpeechResumed | SpeechStarted | UtteranceEnded):
            decider.resumed()
            if isinstance(event, UtteranceEnded):
                self.last_cause = None  # the endpointer's own limit, not the decider
        elif isinstance(event, SpeechPaused) and turns.score is not None:
            decider.paused(event.key)
            # Smart Turn and the end's pitch, in one job on the end-of-turn thread.
            key = event.key
            future = asyncio.ensure_future(self.pool.run_turn(turns.listen, event.audio))
            self._scoring.add(future)
            future.add_done_callback(lambda done: self._scored(key, done))
        elif isinstance(event, SpeechPaused):
            decider.paused(event.key)

    def _scored(
        self, key: tuple[float, float], done: asyncio.Future[tuple[float, float | None]]
    ) -> None:
        self._scoring.discard(done)
        if self._decider is None:
            return
        if done.cancelled() or done.exception() is not None:
            # A failed score leaves the words and the silence to decide (as without the model).
            self._decider.scored(key, None)
            return
        self._decider.scored(key, *done.result())

    def _screen(self, key: tuple[float, float], text: str, lang: str) -> None:
        """Screen a pause's words off the loop; crisis-level words end the turn at once."""
        screen = self.turns.screen if self.turns is not None else None
        if screen is None or not text.strip():
            return
        future = asyncio.ensure_future(self.pool.run_turn(screen, text, lang))
        self._scoring.add(future)
        future.add_done_callback(lambda done: self._screened(key, done))

    def _screened(self, key: tuple[float, float], done: asyncio.Future[int]) -> None:
        self._scoring.discard(done)
        if self._decider is None or done.cancelled() or done.exception() is not None:
            return  # the utterance is screened in full when the turn ends anyway
        if done.result() >= URGENT_LEVEL:
            self._decider.urgent(key)

    def _decide(self) -> EndpointEvent | None:
        decider = self._decider
        if decider is None or not self.endpointer.paused:
            return None
        hint = self._hint()
        if hint is not None and decider.heard(*hint):
            self._screen(*hint)
        cause = decider.decide(self.endpointer.silence_ms)
        if cause is None:
            return None
        self.last_cause = cause
        return self.endpointer.end_paused()

    def flush(self) -> list[EndpointEvent]:
        """End the utterance in progress now (push-to-talk release)."""
        self._pending = b""
        return self.endpointer.flush()
