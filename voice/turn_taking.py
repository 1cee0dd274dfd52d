"""Pure end-of-turn decisions from silence, the speculative transcript and Smart Turn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from voice.turn_words import Completeness, completeness, is_backchannel

# The patience setting (`end_silence_ms`) the default policy is tuned for.
DEFAULT_PATIENCE_MS = 700
# A speculative transcript screening at this risk level or above ends the turn at once, so
# waiting for an unfinished phrase never delays a crisis alert.
URGENT_LEVEL = 2


class EndCause(StrEnum):
    """Why the decider ended a turn (for diagnostics and the benchmark, never the client)."""

    COMPLETE = "complete"  # finished words, and the voice sounded finished
    DOUBT = "doubt"  # words that may lead on (or none yet), after a longer silence
    LATE = "late"  # finished words though the voice sounded unfinished: the patience silence
    MAX_WAIT = "max_wait"  # nothing said after the longest wait
    URGENT = "urgent"  # the words so far screen as risk: answer now, whatever follows


@dataclass(frozen=True)
class TurnPolicy:
    """Silences (ms) and Smart Turn probabilities that end a turn."""

    # Nothing ends a turn sooner; this is also when the pause is first offered for a guess.
    min_silence_ms: int = 200
    # Whatever was said, the turn ends after this much silence.
    max_wait_ms: int = 2500
    # Smart Turn at or above this: the voice sounds finished.
    end_probability: float = 0.5
    # Words that may lead on ("to", "is"), or none yet (speculation skipped under load), need
    # this much silence and a finished voice. A transcript is waited for, never guessed at:
    # the reply cannot start before it anyway.
    doubt_ms: int = 1200
    # Finished words in a voice that sounds unfinished wait a little longer, but less than the
    # old fixed silence: Smart Turn is unsure on synthetic and flat voices (in the turns
    # benchmark it called most espeak sentences unfinished), and a finished sentence (a crisis
    # disclosure above all) must never be answered later than before.
    late_ms: int = 450

    def for_patience(self, patience_ms: int) -> TurnPolicy:
        """Scale every wait by the client's patience (700 ms = as tuned; 1400 = twice as long)."""
        scale = max(patience_ms, 100) / DEFAULT_PATIENCE_MS
        low = self.min_silence_ms  # never below it: the pause's audio must carry its tail

        def ms(value: int, floor: int) -> int:
            return max(floor, round(value * scale))

        return replace(
            self,
            min_silence_ms=ms(self.min_silence_ms, low),
            doubt_ms=ms(self.doubt_ms, low),
            late_ms=ms(self.late_ms, low),
            max_wait_ms=min(8000, ms(self.max_wait_ms, 1500)),
        )


@dataclass
class _Pause:
    key: tuple[float, float]
    text: str | None = None
    lang: str = "en"
    kind: Completeness | None = None
    probability: float | None = None
    unscored: bool = False  # the audio model failed for this pause
    urgent: bool = False  # the transcript so far screened at crisis level


class TurnDecider:
    """Follows one pause at a time: told its transcript and score, asked whether to end."""

    def __init__(self, policy: TurnPolicy, *, audio_model: bool = True) -> None:
        self.policy = policy
        # Whether a Smart Turn score will come for each pause (else words and silence only).
        self.audio_model = audio_model
        self._pause: _Pause | None = None

    @property
    def key(self) -> tuple[float, float] | None:
        """The pause being decided, if any."""
        return self._pause.key if self._pause else None

    def paused(self, key: tuple[float, float]) -> None:
        """A new pause began (the utterance so far is `key`)."""
        self._pause = _Pause(key)

    def resumed(self) -> None:
        """Speech came back: the pause is over."""
        self._pause = None

    def heard(self, key: tuple[float, float], text: str, lang: str) -> bool:
        """The speculative transcript of the utterance up to pause `key`; True if it is new."""
        pause = self._pause
        if pause is not None and pause.key == key and (pause.text, pause.lang) != (text, lang):
            pause.text, pause.lang, pause.kind = text, lang, completeness(text, lang)
            return True
        return False

    def urgent(self, key: tuple[float, float]) -> None:
        """Pause `key`'s words screened at crisis level: the turn ends at the next decision."""
        if self._pause is not None and self._pause.key == key:
            self._pause.urgent = True

    def scored(self, key: tuple[float, float], probability: float | None) -> None:
        """Smart Turn's end-of-turn probability for pause `key` (None: the model failed)."""
        if self._pause is not None and self._pause.key == key:
            self._pause.probability = probability
            self._pause.unscored = probability is None

    def decide(self, silence_ms: float) -> EndCause | None:
        """Whether the turn ends after `silence_ms` of this pause (None = keep listening)."""
        pause = self._pause
        if pause is None or silence_ms < self.policy.min_silence_ms:
            return None
        if silence_ms >= self.policy.max_wait_ms:
            return EndCause.MAX_WAIT
        if pause.urgent:
            return EndCause.URGENT  # a crisis alert never waits on "and..." (issue 16)
        return _rule(self.policy, silence_ms, pause.kind, self._voice(pause))

    def _voice(self, pause: _Pause) -> float | None:
        """Smart Turn's probability; without the model the voice counts as finished."""
        if not self.audio_model or pause.unscored:
            return 1.0
        return pause.probability


def _rule(
    policy: TurnPolicy, silence_ms: float, kind: Completeness | None, voice: float | None
) -> EndCause | None:
    """The decision table (a missing score or transcript is still coming: wait for it)."""
    if kind in (Completeness.FILLER, Completeness.UNFINISHED):
        return None  # "I have been feeling", "porque", "um": only the maximum wait ends it
    if voice is None:
        return None  # the score takes tens of milliseconds; it is worth them
    finished = voice >= policy.end_probability
    if kind is Completeness.COMPLETE:
        if finished:
            return EndCause.COMPLETE
        return EndCause.LATE if silence_ms >= policy.late_ms else None
    if finished and silence_ms >= policy.doubt_ms:
        return EndCause.DOUBT  # maybe-unfinished words, empty or missing transcript
    return None


@dataclass(frozen=True)
class BargeInPolicy:
    """When the client's speech during a reply stops it."""

    # Speech this long is talking, not a "mm-hm": the reply stops at once.
    sustained_ms: int = 900

    def interrupts(self, text: str, lang: str) -> bool:
        """After a short utterance during a reply: True unless it was a backchannel."""
        return not is_backchannel(text, lang)


@dataclass(frozen=True)
class TurnTaking:
    """How a kiosk takes turns: the policy, Smart Turn (if loaded) and barge-in rules."""

    policy: TurnPolicy = field(default_factory=TurnPolicy)
    # Smart Turn's probability for 16 kHz audio (blocking); None = words and silence only.
    score: Callable[[NDArray[np.float32]], float] | None = None
    barge_in: BargeInPolicy = field(default_factory=BargeInPolicy)
    # The risk level (0-3) of a transcript, (text, lang) -> level (blocking); when the words
    # so far screen at `URGENT_LEVEL` or above the turn ends at once. None = never.
    screen: Callable[[str, str], int] | None = None

    def decider(self, patience_ms: int) -> TurnDecider:
        """A fresh decider with the thresholds moved by the client's patience."""
        policy = self.policy.for_patience(patience_ms)
        return TurnDecider(policy, audio_model=self.score is not None)
