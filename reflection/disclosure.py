"""The running configuration the kiosk is honest about when a client asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DisclosureFacts:
    """What is true of this deployment: who sees what, how long text is kept, who replies."""

    # Whether the therapist may watch the conversation live (reflection.live_transcript).
    live_view: bool = False
    # How long session text is kept before it is purged (database.retention_days).
    retention_days: int = 30
    # Which backend writes the replies ("scripted" or "ollama"); both are computer programs.
    responder: str = "scripted"


def from_settings(settings: Any, responder: str | None = None) -> DisclosureFacts:
    """The facts from a server.config.Settings (typed loosely: reflection does not import it)."""
    return DisclosureFacts(live_view=bool(settings.reflection.live_transcript),
                           retention_days=int(settings.database.retention_days),
                           responder=str(responder or settings.responder.kind))
