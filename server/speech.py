"""The speech stages the kiosk pipeline composes (speech to text, text to speech); real models
and test fakes both fit them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class Heard:
    """What speech-to-text made of one utterance."""

    text: str
    lang: str
    confidence: float
    # Other plausible readings when the recogniser was unsure (screened too, raise-only).
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Voiced:
    """The audio of one sentence."""

    pcm16: bytes
    sample_rate: int


class Transcriber(Protocol):
    """Speech to text (blocking)."""

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        """Transcribe 16 kHz mono float audio."""
        ...


class Speaker(Protocol):
    """Text to speech for one sentence (blocking)."""

    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        """Synthesize one sentence."""
        ...
