"""Endpointer events: what the end-of-turn logic tells its consumers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray


class EndpointEventType(StrEnum):
    """Kinds of endpointer events."""

    SPEECH_STARTED = "speech_started"
    SPEECH_PAUSED = "speech_paused"
    SPEECH_RESUMED = "speech_resumed"
    SPEECH_SUSTAINED = "speech_sustained"
    UTTERANCE_ENDED = "utterance_ended"


class UtteranceEndReason(StrEnum):
    """Why an utterance was closed."""

    SILENCE = "silence"
    MAX_LENGTH = "max_length"
    STREAM_END = "stream_end"


@dataclass(frozen=True)
class SpeechStarted:
    """Enough speech was heard to count as the start of an utterance."""

    type: ClassVar[EndpointEventType] = EndpointEventType.SPEECH_STARTED
    start_s: float


@dataclass(frozen=True, eq=False)
class UtteranceEnded:
    """An utterance is complete; `audio` includes the pre-roll and a short tail."""

    type: ClassVar[EndpointEventType] = EndpointEventType.UTTERANCE_ENDED
    audio: NDArray[np.float32]
    reason: UtteranceEndReason
    speech_end_s: float
    start_s: float = 0.0

    @property
    def key(self) -> tuple[float, float]:
        """(start_s, speech_end_s): equal to the key of the SpeechPaused with the same audio."""
        return (self.start_s, self.speech_end_s)


@dataclass(frozen=True, eq=False)
class SpeechPaused:
    """The client went quiet mid-utterance; `audio` is the utterance if no speech follows.

    `key` identifies the pause: an UtteranceEnded with the same `key` carries the same audio.
    """

    type: ClassVar[EndpointEventType] = EndpointEventType.SPEECH_PAUSED
    audio: NDArray[np.float32]
    start_s: float
    speech_end_s: float

    @property
    def key(self) -> tuple[float, float]:
        """(start_s, speech_end_s) of the utterance so far."""
        return (self.start_s, self.speech_end_s)


@dataclass(frozen=True)
class SpeechResumed:
    """Speech came back after a SpeechPaused; that pause's audio is no longer the utterance."""

    type: ClassVar[EndpointEventType] = EndpointEventType.SPEECH_RESUMED
    at_s: float


@dataclass(frozen=True)
class SpeechSustained:
    """The utterance has lasted `sustained_ms`: real talk, not a short acknowledgement."""

    type: ClassVar[EndpointEventType] = EndpointEventType.SPEECH_SUSTAINED
    at_s: float


EndpointEvent = SpeechStarted | SpeechPaused | SpeechResumed | SpeechSustained | UtteranceEnded
