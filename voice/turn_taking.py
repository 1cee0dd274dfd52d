"""Pure end-of-turn decisions from silence, the speculative transcript and Smart Turn."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from voice.turn_taking_pitch import final_pitch
from voice.turn_taking_rules import DEFAULT_PATIENCE_MS as DEFAULT_PATIENCE_MS
from voice.turn_taking_rules import EndCause as EndCause
from voice.turn_taking_rules import TurnPolicy as TurnPolicy
from voice.turn_taking_rules import rule
from voice.turn_words import Completeness, completeness, is_backchannel

# A speculative transcript screening at this risk level or above ends the turn at once, so
# waiting for an unfinished phrase never delays a crisis alert.
URGENT_LEVEL = 2


@dataclass
class _Pause:
    key: tuple[float, float]
    text: str | None = None
    lang: str = "en"
    kind: Completeness | None = None
    probability: float | None = None
    # The end's pitch against the utterance's middle, semitones (None: unknown).
    pitch_level: float | None = None
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

    def scored(
        self, key: tuple[float, float], probability: float | None,
        pitch_level: float | None = None,
    ) -> None:
        """Smart Turn's end-of-turn probability for pause `key` (None: the model failed) and
        how far the end's pitch lies below the utterance's middle (semitones, negative =
        fallen; None: too little voice to tell)."""
        if self._pause is not None and self._pause.key == key:
            self._pause.probability = probability
            self._pause.pitch_level = pitch_level
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
        level = None if pause.unscored else pause.pitch_level
        return rule(self.policy, silence_ms, pause.kind, self._voice(pause), level)

    def _voice(self, pause: _Pause) -> float | None:
        """Smart Turn's probability; without the model the voice counts as finished."""
        if not self.audio_model or pause.unscored:
            return 1.0
        return pause.probability


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

    def listen(self, audio: NDArray[np.float32]) -> tuple[float, float | None]:
        """Smart Turn's probability and the end's pitch cue for a pause (blocking; only with
        `score`)."""
        if self.score is None:
            raise ValueError("no end-of-turn model loaded")
        return self.score(audio), self.pitch(audio)

    def pitch(self, audio: NDArray[np.float32]) -> float | None:
        """The end's pitch level against the utterance's middle (semitones), as the decision
        table reads it (`TurnPolicy.pitch_cue`); under a millisecond of numpy."""
        return self.policy.pitch_cue(*final_pitch(audio))

    def decider(self, patience_ms: int) -> TurnDecider:
        """A fresh decider with the thresholds moved by the client's patience."""
        policy = self.policy.for_patience(patience_ms)
        return TurnDecider(policy, audio_model=self.score is not None)
