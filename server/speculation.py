"""Speculative transcription during the client's pauses, invisible until the end of the turn.

When the endpointer reports a pause, the utterance so far is queued for transcription at the
pool's lowest priority. If the turn then ends with exactly that audio, its transcript is already
known (or nearly); if speech resumes, the guess is thrown away, and a guess no thread has
started by the end of the turn is dropped (the turn transcribes at full priority instead).
A guess only ever produces a `Heard` held here: nothing is sent, stored or screened until the
real end-of-turn decision hands it to the pipeline, which treats it exactly like a transcript
made at that moment.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from numpy.typing import NDArray

from server.speech import Heard, Transcriber
from server.workers import ModelPool
from voice.endpointer import (
    EndpointEvent,
    SpeechPaused,
    SpeechResumed,
    SpeechStarted,
    UtteranceEnded,
)

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class _Guess:
    """One speculative transcription in flight (or done)."""

    key: tuple[float, float]
    lang: str | None
    audio: NDArray[np.float32]
    future: Future[Heard]


class SpeculationOutcome(StrEnum):
    """What became of a pause, as counted on /metrics."""

    STARTED = "started"
    SKIPPED = "skipped"  # the model pool is saturated with real turns
    STALE = "stale"  # no thread was free before the turn ended (or it aged out): dropped
    HIT = "hit"  # the end of turn used the guess
    MISS = "miss"  # speech resumed or the audio differed: the guess was thrown away


def _ignore(outcome: SpeculationOutcome) -> None:
    """No metrics sink (unit tests)."""


@dataclass
class SpeculationStats:
    """How speculation fared for one kiosk (for tests and diagnostics)."""

    started: int = 0
    skipped_busy: int = 0
    stale: int = 0
    used: int = 0
    discarded: int = 0


class Speculator:
    """At most one speculative transcription per kiosk, queued behind all real work."""

    def __init__(
        self,
        pool: ModelPool,
        transcriber: Transcriber,
        *,
        on_outcome: Callable[[SpeculationOutcome], None] = _ignore,
        stale_after_s: float = 2.0,
    ) -> None:
        self.pool = pool
        # A guess still queued this long after its pause is dropped (the turn has moved on).
        self.stale_after_s = stale_after_s
        self.transcriber = transcriber
        self.stats = SpeculationStats()
        self._on_outcome = on_outcome
        self._guess: _Guess | None = None

    @property
    def pending(self) -> bool:
        """Whether a guess is being held."""
        return self._guess is not None

    def observe(self, event: EndpointEvent, lang: str | None) -> bool:
        """Follow the endpointer; True for events that only concern speculation."""
        if isinstance(event, SpeechPaused):
            self.paused(event, lang)
            return True
        if isinstance(event, SpeechResumed | SpeechStarted):
            self.discard()  # a guess never outlives the speech it was made of
        return isinstance(event, SpeechResumed)

    def paused(self, event: SpeechPaused, lang: str | None) -> None:
        """The client went quiet: guess the transcript of the utterance so far."""
        self.discard()
        future = self.pool.speculate(
            self.stale_after_s, self.transcriber.transcribe, event.audio, lang
        )
        if future is None:
            self.stats.skipped_busy += 1  # other kiosks' real work comes first
            self._on_outcome(SpeculationOutcome.SKIPPED)
            return
        self.stats.started += 1
        self._on_outcome(SpeculationOutcome.STARTED)
        self._guess = _Guess(event.key, lang, event.audio, future)

    def guessed(self) -> tuple[tuple[float, float], str, str] | None:
        """(pause key, text, language) of a finished guess, for the end-of-turn decision."""
        guess = self._guess
        if guess is None or not guess.future.done() or guess.future.cancelled():
            return None
        if guess.future.exception() is not None:
            return None
        heard = guess.future.result()
        return guess.key, heard.text, heard.lang

    def discard(self) -> None:
        """Speech resumed (or the turn is abandoned): forget the guess; stop it if not started."""
        guess, self._guess = self._guess, None
        if guess is None:
            return
        self.stats.discarded += 1
        self._on_outcome(SpeculationOutcome.MISS)
        guess.future.cancel()  # a running transcription cannot stop; its result is dropped
        guess.future.add_done_callback(_swallow)

    def take(self, ended: UtteranceEnded, lang: str | None) -> Future[Heard] | None:
        """The guess for this end of turn if it transcribes exactly the same audio, else None."""
        guess, self._guess = self._guess, None
        if guess is None:
            return None
        same = (
            guess.key == ended.key
            and guess.lang == lang
            and np.array_equal(guess.audio, ended.audio)
        )
        if not same:
            self._guess = guess
            self.discard()
            return None
        if guess.future.cancelled() or guess.future.cancel():
            # Aged out, or still queued: the real turn must not wait at speculative priority.
            guess.future.add_done_callback(_swallow)
            self.stats.stale += 1
            self._on_outcome(SpeculationOutcome.STALE)
            return None
        self.stats.used += 1
        self._on_outcome(SpeculationOutcome.HIT)
        return guess.future


def _swallow(future: Future[Heard]) -> None:
    """A dropped guess may still fail; its error belongs to nobody, so only note it."""
    if not future.cancelled() and future.exception() is not None:
        log.debug("a discarded speculative transcription failed")
