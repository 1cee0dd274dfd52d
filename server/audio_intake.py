"""Per-kiosk microphone intake: PCM16 bytes -> 512-sample frames -> VAD -> endpointer events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from server.workers import ModelPool
from voice.audio import pcm16_to_float
from voice.endpointer import Endpointer, EndpointerConfig, EndpointEvent

FRAME_SAMPLES = 512
FRAME_BYTES = FRAME_SAMPLES * 2


class ProbabilityStream(Protocol):
    """Per-stream speech probability (voice.vad.VadStream fits)."""

    def probability(self, frame: NDArray[np.float32]) -> float:
        """Speech probability of one 512-sample frame."""
        ...


class AudioIntake:
    """Feeds client audio through VAD and the endpointer; VAD runs on the pool's VAD thread."""

    def __init__(
        self,
        pool: ModelPool,
        new_stream: Callable[[], ProbabilityStream],
        config: EndpointerConfig,
    ) -> None:
        self.pool = pool
        self._new_stream = new_stream
        self._stream = new_stream()
        self.endpointer = self._endpointer(config)
        self._pending = b""

    @property
    def in_speech(self) -> bool:
        """Whether an utterance is being heard."""
        return self.endpointer.in_speech

    def _endpointer(self, config: EndpointerConfig) -> Endpointer:
        return Endpointer(config, frame_samples=FRAME_SAMPLES, sample_rate=16000)

    def reconfigure(self, config: EndpointerConfig) -> None:
        """New thresholds (e.g. the client's patience setting); starts listening afresh."""
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
            events.extend(self.endpointer.push(frame, probability))
        return events

    def flush(self) -> list[EndpointEvent]:
        """End the utterance in progress now (push-to-talk release)."""
        self._pending = b""
        return self.endpointer.flush()
