"""Build the configured responder from plain values (the caller reads the settings)."""

from __future__ import annotations

from typing import Literal

from reflection.content_files import ContentStore
from reflection.responders.base import Responder
from reflection.responders.ollama import OllamaResponder
from reflection.responders.scripted import ScriptedReflector


def make_responder(
    kind: Literal["auto", "scripted", "ollama"],
    *,
    store: ContentStore,
    host: str = "http://127.0.0.1:11434",
    model: str = "llama3.2:3b",
    first_token_timeout_s: float = 4.0,
    total_timeout_s: float = 20.0,
    history_turns: int = 8,
    retry_after_s: float = 30.0,
    probe: bool = True,
    scripted: ScriptedReflector | None = None,
) -> Responder:
    """"scripted" is the built-in reflector; "ollama" and "auto" use Ollama with it as fallback
    (`scripted`: the instance to use, so one process holds one)."""
    scripted = scripted or ScriptedReflector(store)
    if kind == "scripted":
        return scripted
    ollama = OllamaResponder(
        host=host,
        model=model,
        fallback=scripted,
        store=store,
        first_token_timeout_s=first_token_timeout_s,
        total_timeout_s=total_timeout_s,
        history_turns=history_turns,
        retry_after_s=retry_after_s,
    )
    if probe:
        ollama.probe()  # logs clearly when Ollama or its model is missing
    return ollama
