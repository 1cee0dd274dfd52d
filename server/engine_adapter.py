"""Adapter from the reflection engine to the server's Conversation stage."""

from __future__ import annotations

import dataclasses
import logging
import tomllib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from reflection.consent import load_consent
from reflection.content_files import ContentStore, base_language
from reflection.engine import Conversation as EngineConversation
from reflection.engine import ReflectionEngine
from reflection.events import CheckIn, CrisisTriggered, ReplyDone, ReplySentence, Screened
from reflection.responders.base import Responder
from reflection.responders.ollama import OllamaResponder
from server.config import Settings
from server.events import ReplyKind
from server.stages import Crisis, ReplyEnd, ReplyPart, Screening, Sentence
from voice.tts import split_sentences

log = logging.getLogger(__name__)
PHRASES_FILE = Path(__file__).parent / "content" / "phrases.toml"


def _resources(value: Any) -> tuple[dict[str, str], ...]:
    out = []
    for item in value or ():
        if isinstance(item, dict):
            out.append({str(k): str(v) for k, v in item.items()})
        elif dataclasses.is_dataclass(item) and not isinstance(item, type):
            out.append({k: str(v) for k, v in dataclasses.asdict(item).items()})
        else:
            out.append({"name": str(item)})
    return tuple(out)


def _grounding(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    offer = str(getattr(value, "offer", "") or getattr(value, "title", ""))
    steps = " ".join(str(step) for step in getattr(value, "steps", ()))
    return f"{offer} {steps}".strip()


class ConversationAdapter:
    """One client's conversation, speaking the server's stage language."""

    def __init__(
        self, inner: EngineConversation, undelivered: tuple[tuple[str, str], ...] = ()
    ) -> None:
        self.inner = inner
        self.undelivered = undelivered
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
              ) -> Iterator[ReplyPart]:
        """Engine events mapped onto Screening / Crisis / Sentence / ReplyEnd."""
        focus, self._focus_next = self._focus_next, False
        raises = self.inner.alternative_raises
        index = 0
        level = 0
        categories: tuple[str, ...] = ()
        evidence: tuple[dict[str, Any], ...] = ()
        for event in self.inner.respond(text, _lang(lang), focus=focus,
                                        heard_alternatives=alternatives):
            if isinstance(event, Screened):
                assessment = event.assessment
                level = int(assessment.level)
                categories = tuple(sorted(str(c) for c in assessment.categories))
                evidence = tuple({"text": e.text, "rule": e.rule} for e in assessment.evidence)
                yield Screening(level=level, categories=categories, evidence=evidence,
                                raised_by_alternative=self.inner.alternative_raises > raises)
            elif isinstance(event, CrisisTriggered | CheckIn):
                response = event.response
                urgent = isinstance(event, CrisisTriggered)
                if not (isinstance(event, CrisisTriggered) and event.repeated):
                    yield Crisis(
                        level=max(level, 2 if urgent else 1),
                        urgent=urgent,
                        message=response.message,
                        resources=_resources(getattr(response, "resources", None)),
                        grounding=_grounding(getattr(response, "grounding", None)),
                        categories=categories,
                        evidence=evidence,
                        undelivered=self.undelivered if urgent else (),
                    )
                kind = ReplyKind.CRISIS if urgent else ReplyKind.CHECK_IN
                parts = getattr(response, "sentences", None) or (response.message,)
                spoken = [line for part in parts for line in split_sentences(str(part))]
                for sentence in spoken:
                    yield Sentence(index=index, text=sentence, kind=kind)
                    index += 1
            elif isinstance(event, ReplySentence):
                yield Sentence(index=index, text=event.text, blocked=event.blocked,
                               reasons=event.reasons)
                index += 1
            elif isinstance(event, ReplyDone):
                yield ReplyEnd(responder=event.responder, blocked=event.blocked)


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

    def new(self, lang: str) -> ConversationAdapter:
        """A fresh conversation."""
        base = base_language(lang)
        return ConversationAdapter(self.engine.new_conversation(base), self.undelivered(base))

    def undelivered(self, lang: str) -> tuple[tuple[str, str], ...]:
        """(sentence, replacement) of the crisis message for an alert no screen received."""
        table = self.store.load(lang, "crisis").get("undelivered") or {}
        notified, instead = str(table.get("notified", "")), str(table.get("instead", ""))
        return ((notified, instead),) if notified and instead else ()

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
