"""The one composition root: Settings in, the reflection engine with its guardrails out.

`reflect serve`, `chat`, `demo`, `bench` and `guard` all build the engine here, so every one
of them screens, answers and filters exactly as the server does (the reply filter knows the
protected system prompts everywhere; `responder.*` settings reach the responder everywhere).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from reflection.content_files import ContentStore
from reflection.crisis import CrisisProtocol
from reflection.disclosure import from_settings
from reflection.engine import ReflectionEngine
from reflection.reply_filter import ReplyFilter
from reflection.reply_judge import with_judge
from reflection.responders.base import Responder
from reflection.responders.factory import make_responder
from reflection.responders.ollama import OllamaResponder
from reflection.responders.scripted import ScriptedReflector
from reflection.screening import RiskScreener
from reflection.screening_layers import ScreeningLayers, build_screening
from reflection.summary import Summarizer
from server.config import ResponderSettings, Settings
from server.conversations import EngineConversations

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Assembled:
    """The engine and the parts /health reports on."""

    engine: ReflectionEngine
    store: ContentStore
    responder: Responder
    # Kept even when `auto` fell back to scripted, so /health can say why.
    ollama: OllamaResponder | None


def content_store(settings: Settings) -> ContentStore:
    """The clinical content files (packaged, or `reflection.content_dir`)."""
    content_dir = settings.reflection.content_dir
    return ContentStore(Path(content_dir)) if content_dir else ContentStore()


def guardrails(store: ContentStore) -> tuple[RiskScreener, ReplyFilter]:
    """Screening and the reply filter (with the protected prompts), the same everywhere."""
    return RiskScreener.load(store), ReplyFilter.load(store)


def responder(config: ResponderSettings, store: ContentStore, kind: str | None = None,
              *, probe: bool = True, scripted: ScriptedReflector | None = None) -> Responder:
    """The configured responder (Ollama falls back to the scripted reflector on its own)."""
    chosen = kind or config.kind
    made = make_responder(
        "scripted" if chosen == "scripted" else "ollama",
        store=store,
        host=config.ollama_host,
        model=config.ollama_model,
        first_token_timeout_s=config.first_token_timeout_s,
        total_timeout_s=config.total_timeout_s,
        history_turns=config.history_turns,
        retry_after_s=config.retry_after_s,
        probe=probe,
        scripted=scripted,
    )
    if chosen == "auto" and isinstance(made, OllamaResponder) and not made.status().usable:
        # The responder already logged the error itself; say what it means for replies.
        log.warning(
            "Ollama at %s (model %s) is %s: replies come from the built-in scripted reflector "
            "(see /health)",
            config.ollama_host, config.ollama_model,
            made.status().state.value.replace("_", " "),
        )
    return made


def summarizer(config: ResponderSettings, store: ContentStore, kind: str | None = None
               ) -> Summarizer | None:
    """The Ollama summarizer when `responder.summarizer = "ollama"`, else the extractive one."""
    if config.summarizer != "ollama" or (kind or config.kind) == "scripted":
        return None
    from reflection.summary_ollama import OllamaSummarizer

    return OllamaSummarizer(host=config.ollama_host, model=config.ollama_model, store=store,
                            timeout_s=config.total_timeout_s)


def assemble(settings: Settings, *, responder_kind: str | None = None,
             probe: bool = True, judge: bool | None = None) -> Assembled:
    """The engine as configured; `responder_kind` overrides `responder.kind` (e.g. chat),
    `judge` overrides `responder.reply_judge` (the model check of each sentence)."""
    store = content_store(settings)
    config = settings.responder
    kind = responder_kind or config.kind
    reply_filter = ReplyFilter.load(store)
    # One scripted reflector (and so one rules filter) serves as the responder or Ollama's
    # fallback and as the engine's own fixed lines.
    scripted = ScriptedReflector(store, reply_filter=reply_filter)
    answering = responder(config, store, responder_kind, probe=probe, scripted=scripted)
    screener, late_screen = build_screening(store, ScreeningLayers(
        embedded=settings.screening.embedded, guard_model=settings.screening.guard_model,
        guard_host=config.ollama_host, guard_timeout_s=settings.screening.guard_timeout_s))
    judged = with_judge(
        reply_filter,
        enabled=(config.reply_judge if judge is None else judge) and kind != "scripted",
        host=config.ollama_host, model=config.ollama_model, store=store,
        timeout_s=config.reply_judge_timeout_s,
    )
    engine = ReflectionEngine(
        screener=screener,
        late_screen=late_screen,
        crisis=CrisisProtocol(store, locale=settings.reflection.locale),
        reply_filter=judged,
        responder=answering,
        summarizer=summarizer(config, store, responder_kind),
        store=store,
        disclosure=from_settings(settings, responder_kind),
        scripted=scripted,
    )
    ollama = answering if isinstance(answering, OllamaResponder) else None
    return Assembled(engine=engine, store=store, responder=answering, ollama=ollama)


def build_engine(settings: Settings, *, responder_kind: str | None = None,
                 probe: bool = True, judge: bool | None = None) -> ReflectionEngine:
    """Just the engine."""
    return assemble(settings, responder_kind=responder_kind, probe=probe, judge=judge).engine


def conversations(settings: Settings) -> EngineConversations:
    """The server's conversation factory over one engine; probes Ollama once."""
    made = assemble(settings)
    return EngineConversations(made.engine, made.store, settings, made.responder, made.ollama)
