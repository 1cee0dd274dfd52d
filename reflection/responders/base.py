"""The responder stage: one streaming interface shared by every reply backend."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable


class Speaker(StrEnum):
    """Who said a line of the conversation history."""

    CLIENT = "client"
    REFLECTOR = "reflector"


@dataclass(frozen=True)
class ReplyRequest:
    """Everything a responder may use to answer one client turn."""

    text: str
    language: str = "en"
    # Bounded, oldest first; the current client text is not repeated here.
    history: tuple[tuple[Speaker, str], ...] = ()
    turn_index: int = 0
    # Sentences already spoken in this session, so nothing is said twice.
    used_phrases: frozenset[str] = field(default_factory=frozenset)


@runtime_checkable
class Responder(Protocol):
    """Streams the text of one reply; blocking, so callers run it in a worker thread."""

    @property
    def name(self) -> str:
        """Short backend name for logs and status, e.g. "scripted"."""
        ...

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        """Yield pieces of reply text as soon as they are ready."""
        ...


class ResponderState(StrEnum):
    """Health of a responder backend, as shown on /health and the dashboard."""

    AVAILABLE = "available"
    UNREACHABLE = "unreachable"
    MODEL_MISSING = "model_missing"
    DEGRADED = "degraded"


@dataclass(frozen=True)
class ResponderStatus:
    """A snapshot of a backend's health; `last_error` never contains client text."""

    backend: str
    state: ResponderState
    model: str = ""
    last_error: str = ""

    @property
    def usable(self) -> bool:
        """True when replies currently come from this backend, not the fallback."""
        return self.state is ResponderState.AVAILABLE

    def to_dict(self) -> dict[str, str | bool]:
        """A JSON-ready view."""
        return {
            "backend": self.backend,
            "state": self.state.value,
            "model": self.model,
            "last_error": self.last_error,
            "usable": self.usable,
        }
