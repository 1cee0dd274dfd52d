"""Streams labelled reply sentences through `reflect chat`'s engine against a local fake Ollama.

Prints how many bad sentences reached the client and how many good ones were withheld; the
same path the held-out review uses (Ollama protocol -> engine -> reply filter -> output).
Usage: python -m benchmarks.reply_stream_eval tests/data/replies_first_contact_1.tsv ...
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.ollama_stub import FakeOllamaScript, running_fake_ollama
from cli.chat_commands import chat
from reflection.reply_sets import load_reply_tsv
from server.assembly import build_engine
from server.config import ResponderSettings, Settings

NEUTRAL_TURN = {"en": "It has been a long week and I keep thinking about it.",
                "es": "Ha sido una semana larga y no dejo de pensar en eso."}


def stream_one(host: str, lang: str, client_text: str) -> str:
    """One chat turn through the Ollama responder; the reply text the client would get."""
    settings = Settings(responder=ResponderSettings(kind="ollama", ollama_host=host))
    engine = build_engine(settings, responder_kind="ollama")
    out = io.StringIO()
    chat(engine, lang, io.StringIO(client_text + "\n"), out)
    return str(json.loads(out.getvalue().splitlines()[0])["reply"])


def run(paths: Sequence[Path]) -> dict[str, float]:
    """Bad-reached and good-withheld rates over the given TSV sets."""
    rows = load_reply_tsv(paths)
    script = FakeOllamaScript()
    bad_reached = bad = good_withheld = good = 0
    misses: list[str] = []
    with running_fake_ollama(script) as fake:
        for row in rows:
            script.reply_chunks = [row["text"]]
            client = row["client_text"] or NEUTRAL_TURN[row["lang"]]
            reply = stream_one(fake.host, row["lang"], client)
            reached = row["text"].strip() in reply
            if row["allowed"]:
                good += 1
                good_withheld += not reached
                if not reached:
                    misses.append(f"withheld: {row['text']}  -> client got: {reply}")
            else:
                bad += 1
                bad_reached += reached
                if reached:
                    misses.append(f"reached: {row['text']}")
    for line in misses:
        print("  " + line)
    return {"bad": bad, "bad_reached": bad_reached, "good": good, "good_withheld": good_withheld}


if __name__ == "__main__":
    result = run([Path(p) for p in sys.argv[1:]])
    print(f"bad sentences reaching the client: {result['bad_reached']}/{result['bad']}; "
          f"good sentences withheld: {result['good_withheld']}/{result['good']}")
