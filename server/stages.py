"""The stage interfaces the kiosk pipeline composes; real models and test fakes both fit them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from server.events import ReplyKind


@dataclass(frozen=True)
class Heard:
    """What speech-to-text made of one utterance."""

    text: str
    lang: str
    confidence: float


@dataclass(frozen=True)
class Voiced:
    """The audio of one sentence."""

    pcm16: bytes
    sample_rate: int


@dataclass(frozen=True)
class Screening:
    """Risk screening of the client's utterance (always the first reply part)."""

    level: int
    categories: tuple[str, ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Crisis:
    """The crisis protocol took over (or a level-1 check-in)."""

    level: int
    urgent: bool
    message: str
    resources: tuple[dict[str, str], ...] = ()
    grounding: str = ""
    categories: tuple[str, ...] = ()
    evidence: tuple[dict[str, Any], ...] = ()
    # (sentence, replacement) pairs to say when no staff screen received the alert.
    undelivered: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Sentence:
    """One filtered reply sentence, ready to speak."""

    index: int
    text: str
    kind: ReplyKind = ReplyKind.REFLECTION
    blocked: bool = False


@dataclass(frozen=True)
class ReplyEnd:
    """The reply is complete."""

    responder: str = ""
    blocked: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


ReplyPart = Screening | Crisis | Sentence | ReplyEnd


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


class Replier(Protocol):
    """One client's conversation with the reflection engine (blocking iterator)."""

    def reply(self, text: str, lang: str | None) -> Iterator[ReplyPart]:
        """Screen, then answer: Screening first, then Crisis and/or Sentences, then ReplyEnd."""
        ...


class Conversation(Replier, Protocol):
    """One client's conversation: replies, crisis mode and the running summary."""

    @property
    def in_crisis(self) -> bool:
        """True once the crisis protocol took over (no generative replies any more)."""
        ...

    def note_alert(self, delivered: bool) -> None:
        """Whether a staff screen received this conversation's crisis alert."""
        ...

    def summary(self) -> dict[str, Any]:
        """The current summary, JSON-ready (themes, feelings, key_phrases, focus, risk_flags,
        turn_count); blocking."""
        ...

    def ask(self, name: str) -> str:
        """A scripted question ("opening" or "focus"), recorded as said; after "focus" the
        next reply treats the client's answer as what they want to focus on."""
        ...


class ConversationFactory(Protocol):
    """Makes conversations and provides the fixed, reviewed texts the kiosk speaks."""

    def new(self, lang: str) -> Conversation:
        """A fresh conversation in a language ("en" or "es")."""
        ...

    def consent(self, lang: str, *, live_transcript: bool) -> tuple[str, str]:
        """(version, text) of the consent the client is asked for."""
        ...

    def prompt(self, lang: str, name: str) -> str:
        """A fixed kiosk phrase: "call_in" or "goodbye"."""
        ...

    def status(self) -> dict[str, Any]:
        """Responder health for /health."""
        ...
