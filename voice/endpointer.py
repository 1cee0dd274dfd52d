"""Pure end-of-turn logic: turns per-frame speech probabilities into utterances."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from voice.endpoint_events import (
    EndpointEvent,
    EndpointEventType,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    SpeechSustained,
    UtteranceEnded,
    UtteranceEndReason,
)

__all__ = [
    "EndpointEvent",
    "EndpointEventType",
    "Endpointer",
    "EndpointerConfig",
    "SpeechPaused",
    "SpeechResumed",
    "SpeechStarted",
    "SpeechSustained",
    "UtteranceEndReason",
    "UtteranceEnded",
    "frame_level_db",
]


@dataclass(frozen=True)
class EndpointerConfig:
    """Thresholds; `end_silence_ms` is user-tunable because slow speakers pause longer."""

    speech_threshold: float = 0.5
    # Below this a frame is silence; between the two it continues whatever state we are in.
    neg_threshold: float | None = None
    min_speech_ms: int = 250
    end_silence_ms: int = 700
    max_utterance_s: float = 30.0
    preroll_ms: int = 300
    # Trailing silence kept after the last speech frame (Whisper likes a little, not 700 ms).
    tail_ms: int = 300
    # Silero calls background chatter "speech", so a frame only counts as the client's
    # speech when the recent peak level (over `envelope_ms`, since syllables come and go)
    # is this much above the background level learned between utterances (0 = off).
    min_snr_db: float = 10.0
    envelope_ms: int = 200
    noise_window_s: float = 3.0
    noise_percentile: float = 50.0
    # Silence after which a SpeechPaused event offers the utterance so far (0 = no pause
    # events), so a consumer can start work before `end_silence_ms` decides the turn. It
    # fires no earlier than `tail_ms`, so its audio is exactly what the end would carry.
    pause_ms: int = 0
    # This much voiced speech in one utterance gives one SpeechSustained event (0 = never):
    # longer than a "mm-hm", so a reply in progress may stop for it.
    sustained_ms: int = 0

    @property
    def silence_threshold(self) -> float:
        """The lower (hysteresis) threshold."""
        if self.neg_threshold is not None:
            return self.neg_threshold
        return max(self.speech_threshold - 0.15, 0.01)


_FLOOR_DB = -70.0  # quieter than any real room; keeps digital silence from meaning -inf
# The background level moves slowly: a percentile over seconds of frames every 128 ms is as
# good as one per frame, at an eighth of the cost on the server's event loop.
_FLOOR_EVERY_FRAMES = 4


def frame_level_db(frame: NDArray[np.float32]) -> float:
    """RMS level of a frame in dBFS."""
    power = float(np.mean(np.square(frame, dtype=np.float64))) if frame.size else 0.0
    return 10.0 * math.log10(power + 1e-12)


@dataclass
class _Turn:
    """Frames of the utterance being heard (or the candidate start)."""

    frames: list[NDArray[np.float32]] = field(default_factory=list)
    start_frame: int = 0
    voiced_frames: int = 0
    silence_frames: int = 0
    last_speech_frame: int = 0
    paused: bool = False
    sustained: bool = False


class Endpointer:
    """Feed (frame, probability) pairs; get SpeechStarted / UtteranceEnded events."""

    def __init__(
        self, config: EndpointerConfig, frame_samples: int = 512, sample_rate: int = 16000
    ) -> None:
        self.config = config
        self.frame_samples = frame_samples
        self.sample_rate = sample_rate
        frame_ms = 1000.0 * frame_samples / sample_rate
        self._min_speech = max(1, round(config.min_speech_ms / frame_ms))
        self._end_silence = max(1, round(config.end_silence_ms / frame_ms))
        self._max_frames = max(1, int(config.max_utterance_s * 1000.0 / frame_ms))
        self._preroll_frames = max(0, round(config.preroll_ms / frame_ms))
        self._tail_frames = max(0, round(config.tail_ms / frame_ms))
        # 0 = off; never before the tail is complete (the audio would differ from the end's).
        self._pause_frames = (
            max(1, round(config.pause_ms / frame_ms), self._tail_frames) if config.pause_ms else 0
        )
        self._noise_frames = max(1, round(config.noise_window_s * 1000.0 / frame_ms))
        self._envelope_frames = max(1, round(config.envelope_ms / frame_ms))
        self._sustained_frames = round(config.sustained_ms / frame_ms) if config.sustained_ms else 0
        self._frame_ms = frame_ms
        self.reset()

    @property
    def in_speech(self) -> bool:
        """True between SpeechStarted and UtteranceEnded."""
        return self._speaking

    @property
    def paused(self) -> bool:
        """True after a SpeechPaused while the silence goes on (the turn is being decided)."""
        return self._speaking and self._turn is not None and self._turn.paused

    @property
    def silence_ms(self) -> float:
        """Silence so far after the last speech of the utterance in progress (0 if none)."""
        if not self._speaking or self._turn is None:
            return 0.0
        return self._turn.silence_frames * self._frame_ms

    def end_paused(self) -> UtteranceEnded | None:
        """Close the paused utterance now (a decider heard enough); None if speech resumed."""
        if not self.paused or self._turn is None:
            return None
        return self._finish(self._turn, UtteranceEndReason.SILENCE)

    def reset(self) -> None:
        """Forget the current turn and the pre-roll."""
        self._frame_index = 0
        self._preroll: deque[NDArray[np.float32]] = deque(maxlen=self._preroll_frames or 1)
        self._turn: _Turn | None = None
        self._speaking = False
        self._levels: deque[float] = deque(maxlen=self._noise_frames)
        self._recent: deque[float] = deque(maxlen=self._envelope_frames)
        self._floor: float | None = None  # cached noise_floor_db
        self._floor_age = 0  # levels learned since it was computed

    @property
    def noise_floor_db(self) -> float:
        """Background level (dBFS) estimated from recent frames outside speech."""
        age = self._floor_age
        # Exact while the estimate is young (few levels), then refreshed every few frames.
        if self._floor is None or age >= _FLOOR_EVERY_FRAMES or (
            age and len(self._levels) <= _FLOOR_EVERY_FRAMES * 4
        ):
            self._floor_age = 0
            self._floor = (
                max(_FLOOR_DB, float(np.percentile(self._levels, self.config.noise_percentile)))
                if self._levels
                else _FLOOR_DB
            )
        return self._floor

    def push(self, frame: NDArray[np.float32], probability: float) -> list[EndpointEvent]:
        """Consume one frame and its speech probability."""
        index = self._frame_index
        self._frame_index += 1
        level = frame_level_db(frame)
        self._recent.append(level)
        probability = self._gate(probability)
        if self._turn is None:
            # The background estimate only learns from frames outside an utterance.
            self._levels.append(level)
            self._floor_age += 1
            return self._idle(frame, probability, index)
        if not self._speaking:
            return self._candidate(self._turn, frame, probability, index)
        return self._speech(self._turn, frame, probability, index)

    def _gate(self, probability: float) -> float:
        """Treat speech-like frames no louder than the background as silence."""
        if self.config.min_snr_db <= 0:
            return probability
        if max(self._recent) < self.noise_floor_db + self.config.min_snr_db:
            return 0.0
        return probability

    def flush(self) -> list[EndpointEvent]:
        """End of stream: close an utterance in progress."""
        events: list[EndpointEvent] = []
        if self._turn is not None and self._speaking:
            events.append(self._close(self._turn, UtteranceEndReason.STREAM_END))
        self._turn = None
        self._speaking = False
        return events

    def _idle(
        self, frame: NDArray[np.float32], probability: float, index: int
    ) -> list[EndpointEvent]:
        if probability < self.config.speech_threshold:
            if self._preroll_frames:
                self._preroll.append(frame)
            return []
        preroll = list(self._preroll) if self._preroll_frames else []
        self._preroll.clear()
        self._turn = _Turn(
            frames=[*preroll, frame], start_frame=index - len(preroll), last_speech_frame=index
        )
        self._turn.voiced_frames = 1
        return self._maybe_start(self._turn)

    def _candidate(
        self, turn: _Turn, frame: NDArray[np.float32], probability: float, index: int
    ) -> list[EndpointEvent]:
        turn.frames.append(frame)
        if probability < self.config.silence_threshold:
            # A blip, not speech: keep its audio as pre-roll and go back to waiting.
            if self._preroll_frames:
                self._preroll.extend(turn.frames[-self._preroll_frames :])
            self._turn = None
            return []
        turn.voiced_frames += 1
        turn.last_speech_frame = index
        return self._maybe_start(turn)

    def _maybe_start(self, turn: _Turn) -> list[EndpointEvent]:
        if turn.voiced_frames < self._min_speech:
            return []
        self._speaking = True
        return [SpeechStarted(start_s=self._seconds(turn.start_frame))]

    def _speech(
        self, turn: _Turn, frame: NDArray[np.float32], probability: float, index: int
    ) -> list[EndpointEvent]:
        turn.frames.append(frame)
        events: list[EndpointEvent] = []
        if probability >= self.config.speech_threshold:
            turn.silence_frames = 0
            turn.last_speech_frame = index
            turn.voiced_frames += 1
            if turn.paused:
                turn.paused = False
                events.append(SpeechResumed(at_s=self._seconds(index)))
        elif probability < self.config.silence_threshold or turn.silence_frames:
            turn.silence_frames += 1
        else:
            turn.last_speech_frame = index  # hysteresis band right after speech
        if (
            self._sustained_frames
            and not turn.sustained
            and turn.voiced_frames >= self._sustained_frames
        ):
            turn.sustained = True
            events.append(SpeechSustained(at_s=self._seconds(index + 1)))
        if turn.silence_frames >= self._end_silence:
            return [*events, self._finish(turn, UtteranceEndReason.SILENCE)]
        if len(turn.frames) >= self._max_frames:
            return [*events, self._finish(turn, UtteranceEndReason.MAX_LENGTH)]
        if self._pause_frames and turn.silence_frames == self._pause_frames:
            turn.paused = True
            ended = self._close(turn, UtteranceEndReason.SILENCE)
            events.append(SpeechPaused(ended.audio, ended.start_s, ended.speech_end_s))
        return events

    def _finish(self, turn: _Turn, reason: UtteranceEndReason) -> UtteranceEnded:
        event = self._close(turn, reason)
        self._turn = None
        self._speaking = False
        return event

    def _close(self, turn: _Turn, reason: UtteranceEndReason) -> UtteranceEnded:
        keep = turn.last_speech_frame - turn.start_frame + 1 + self._tail_frames
        frames = turn.frames[:keep]
        return UtteranceEnded(
            audio=np.concatenate(frames).astype(np.float32),
            reason=reason,
            speech_end_s=self._seconds(turn.last_speech_frame + 1),
            start_s=self._seconds(turn.start_frame),
        )

    def _seconds(self, frame_index: int) -> float:
        return frame_index * self.frame_samples / self.sample_rate
