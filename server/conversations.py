"""The client's conversation as the kiosk pipeline sees it: reflection's engine events, as is.

`ClientConversation` is what a turn talks to; `EngineConversation` is the engine's
conversation with the kiosk's few extras (the focus question, the alert outcome, the summary
as JSON); `EngineConversations` makes them and holds the fixed texts the kiosk speaks.
"""

from __future__ import annotations

import logging
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

from reflection.consent import load_consent
from reflection.content_files import ContentStore, base_language
from reflection.engine import Conversation, ReflectionEngine
from reflection.events import EngineEvent
from reflection.responders.base import Responder
from reflection.responders.ollama import OllamaResponder
from server.config import Settings

log = logging.getLogger(__name__)
PHRASES_FILE = Path(__file__).parent / "content" / "phrases.toml"


class Replier(Protocol):
    """Answers one client utterance (blocking iterator of reflection's events)."""

    def reply(self, text: str, lang: str | None, alternatives: Sequence[str] = ()
              ) -> Iterator[EngineEvent]:
        """Screen (with `alternatives`, other readings of the same speech), then answer:
        Screened first, then CrisisTriggered / CheckIn or ReplySentences, then ReplyDone."""
        ...


class ClientConversation(Replier, Protocol):
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

    def new(self, lang: str) -> ClientConversation:
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


class EngineConversation:
    """One client's engine conversation; its replies are the engine's own events."""

    def __init__(self, inner: Conversation) -> None:
        self.inner = inner
        self._focus_next = False

    @property
    def in_crisis(self) -> bool:
        """Whether the crisis protocol locked this conversation."""
        return self.inner.locked

    def ask(self, name: str) -> str:
        """Opening or focus question, recorded as said."""
        if name == "focus":
            self._focus_next = True
            return self.inner.focus_question()
        return self.inner.opening_prompt()

    def note_alert(self, delivered: bool) -> None:
        """The engine's crisis follow-ups then say whether the therapist was told."""
        self.inner.alert_delivered = delivered

    def summary(self) -> dict[str, Any]:
        """The live summary, JSON-ready."""
        return self.inner.summary().model_dump(mode="json")

    def reply(self, text: str, lang: str | None, alternatives: Sequence[str] = ()
              ) -> Iterator[EngineEvent]:
        """The engine's events for one utterance (the answer to "focus" is marked as such)."""
        focus, self._focus_next = self._focus_next, False
        return self.inner.respond(text, _lang(lang), focus=focus,
                                  heard_alternatives=alternatives)


def _lang(lang: str | None) -> str | None:
    return base_language(lang) if lang in ("en", "es") else None


class EngineConversations:
    """ConversationFactory over one shared ReflectionEngine."""

    def __init__(
        self,
        engine: ReflectionEngine,
        store: ContentStore,
        settings: Settings,
        responder: Responder,
        ollama: OllamaResponder | None = None,
    ) -> None:
        self.engine = engine
        self.store = store
        self.settings = settings
        self.responder = responder
        # Kept even when `auto` fell back to scripted, so /health can say why.
        self.ollama = ollama
        with PHRASES_FILE.open("rb") as handle:
            self.phrases: dict[str, dict[str, str]] = tomllib.load(handle)

    def risk_level(self, text: str, lang: str) -> int:
        """The screener's level for words heard so far (ends a turn early; blocking)."""
        return int(self.engine.screener.screen(text, lang).level)

    def new(self, lang: str) -> EngineConversation:
        """A fresh conversation."""
        return EngineConversation(self.engine.new_conversation(base_language(lang)))

    def consent(self, lang: str, *, live_transcript: bool) -> tuple[str, str]:
        """(version, text) of the consent (reflection.consent, with the retention period)."""
        consent = load_consent(
            self.store, lang, retention_days=self.settings.database.retention_days,
            live_transcript=live_transcript,
        )
        # Blank lines between paragraphs: the kiosk shows them as short sections.
        return consent.version, "\n\n".join(p for p in consent.sentences if p)

    def prompt(self, lang: str, name: str) -> str:
        """A short kiosk phrase."""
        table = self.phrases.get(base_language(lang)) or self.phrases["en"]
        return table.get(name) or self.phrases["en"][name]

    def status(self) -> dict[str, Any]:
        """Which responder answers, and its health."""
        status = getattr(self.responder, "status", None)
        if callable(status):
            report: dict[str, Any] = status().to_dict()
        else:
            report = {"backend": self.responder.name, "state": "available", "usable": True}
        report["configured"] = self.settings.responder.kind
        report["in_use"] = (
            self.responder.name if report.get("usable", True) else "scripted (fallback)"
        )
        report["ollama"] = self._ollama_status()
        return report

    def _ollama_status(self) -> dict[str, Any] | None:
        """Ollama's last probe or reply, or None when the clinic chose the scripted reflector."""
        if self.ollama is None:
            return None
        status = self.ollama.status()
        return {
            "state": status.state.value,
            "model": status.model,
            "host": self.ollama.host,
            "last_error": status.last_error,
        }
