"""`reflect chat`: a text conversation through the full engine, one JSON object per line."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from reflection.engine import ReflectionEngine
from reflection.errors import ReflectionError
from reflection.events import ReplyDone, Screened
from server import assembly
from server.config import Settings


def register(sub: Any) -> None:
    """Add the chat command."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "chat",
        help="talk to the reflection engine in text (stdin lines in, JSON lines out)",
        description=(
            'Reads one client turn per line on stdin and writes {"reply", "level", "crisis", '
            '"blocked"} per turn ("blocked" counts replaced sentences), then {"summary": ...}.'
        ),
    )
    parser.add_argument("--lang", choices=["en", "es"], default="en",
                        help="starting language; replies follow the language the client uses")
    parser.add_argument("--responder", choices=["scripted", "ollama"], default=None,
                        help="default: the configured responder.kind")
    parser.add_argument("--judge", action="store_true", default=None,
                        help="also ask the Ollama model to judge each sentence (raise-only); "
                             "default: the configured responder.reply_judge")
    parser.set_defaults(handler=run)


def build_engine(
    settings: Settings, responder_kind: str | None = None, *, judge: bool | None = None
) -> ReflectionEngine:
    """The engine as the server builds it (server.assembly), with an optional responder."""
    return assembly.build_engine(settings, responder_kind=responder_kind, judge=judge)


def chat(engine: ReflectionEngine, lang: str, lines: TextIO, out: TextIO) -> int:
    """Run one conversation over the given streams."""
    conversation = engine.new_conversation(lang)
    for line in lines:
        text = line.strip()
        if not text:
            continue
        row: dict[str, Any] = {"reply": "", "level": 0, "crisis": False, "blocked": 0}
        try:
            for event in conversation.respond(text):
                if isinstance(event, Screened):
                    row["level"] = int(event.assessment.level)
                elif isinstance(event, ReplyDone):
                    row.update(reply=event.text, crisis=event.crisis, blocked=event.blocked)
        except ReflectionError as exc:  # bad input gets a clear code, never a crash
            row["error"] = exc.code
        out.write(json.dumps(row, ensure_ascii=False) + "\n")
        out.flush()
    summary = conversation.summary().model_dump(mode="json")
    out.write(json.dumps({"summary": summary}, ensure_ascii=False) + "\n")
    out.flush()
    return 0


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Build the engine from settings and chat over stdin/stdout."""
    try:
        engine = build_engine(settings, args.responder, judge=args.judge)
    except ReflectionError as exc:
        print(f"reflect chat: {exc} ({exc.code})", file=sys.stderr)
        return 2
    return chat(engine, args.lang, sys.stdin, sys.stdout)
