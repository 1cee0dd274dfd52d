"""Time the reply filter adds per sentence: rules only, + the embedded model, + the judge.

Prints p50/p95 in milliseconds over every labelled reply sentence in tests/data. The judge is
timed against a local server speaking Ollama's API (answering "safe" at once, so the figure
is the judge's own overhead: HTTP, JSON schema, parsing), and against a real Ollama with
`--host URL --model NAME`. Numbers are printed, never asserted (the machine is shared).
Usage: python -m benchmarks.reply_filter_bench [--host URL --model NAME]
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.ollama_stub import FakeOllamaScript, running_fake_ollama
from benchmarks.stats import summarize
from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.reply_filter import ReplyFilter
from reflection.reply_judge import JudgedReplyFilter, OllamaReplyJudge
from reflection.reply_sets import load_replies
from reflection.stages import SentenceFilter


def time_filter(check: SentenceFilter, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Milliseconds per `check` call over the rows."""
    samples = []
    for row in rows:
        start = time.perf_counter()
        check.check(str(row["text"]), lang=str(row["lang"]), client_text=str(row["client_text"]))
        samples.append((time.perf_counter() - start) * 1000.0)
    return summarize(samples, 3)


def judged_fake_ms(pairs: Sequence[tuple[str, str]], lang: str = "en") -> list[float]:
    """Milliseconds per (sentence, client text) with the judge on a local fake of Ollama."""
    store = ContentStore()
    rules = ReplyFilter.load(store)
    script = FakeOllamaScript(json_reply=json.dumps({"safe": True, "reason": "none"}))
    out: list[float] = []
    with running_fake_ollama(script) as fake:
        judged = JudgedReplyFilter(rules, OllamaReplyJudge(
            host=fake.host, model=script.models[0], store=store))
        for sentence, client_text in pairs:
            start = time.perf_counter()
            judged.check(sentence, lang=lang, client_text=client_text)
            out.append((time.perf_counter() - start) * 1000.0)
    return out


def run(host: str | None = None, model: str = "llama3.2:3b") -> dict[str, Any]:
    """Rules only, with the judge on the fake server, and (given a host) on a real Ollama."""
    store = ContentStore()
    rules = ReplyFilter.load(store, embedded=False)
    embedded = ReplyFilter.load(store, embedded=True)
    rows = [{**r, "client_text": r.get("client_text", "")} for r in load_replies(DEFAULT_DATA_DIR)]
    time_filter(rules, rows[:20])  # warm-up: regex caches, first normalisation
    time_filter(embedded, rows[:20])  # warm-up: the encoder's first call builds its graph
    results: dict[str, Any] = {"sentences": len(rows), "rules_ms": time_filter(rules, rows),
                               "rules_plus_embedded_ms": time_filter(embedded, rows)}
    # The encoder only runs on what the rules allow (mostly good sentences): the time a
    # good sentence waits, which is what a client hears as delay.
    allowed = [r for r in rows if rules.check(str(r["text"]), lang=str(r["lang"]),
                                              client_text=str(r["client_text"])).allowed]
    results["rule_allowed_sentences"] = len(allowed)
    results["rules_only_on_rule_allowed_ms"] = time_filter(rules, allowed)
    results["rules_plus_embedded_on_rule_allowed_ms"] = time_filter(embedded, allowed)
    script = FakeOllamaScript(json_reply=json.dumps({"safe": True, "reason": "none"}))
    with running_fake_ollama(script) as fake:
        judge = OllamaReplyJudge(host=fake.host, model=script.models[0], store=store)
        results["rules_plus_judge_fake_ms"] = time_filter(JudgedReplyFilter(rules, judge), rows)
    if host:
        judge = OllamaReplyJudge(host=host, model=model, store=store, timeout_s=10.0)
        results["rules_plus_judge_real_ms"] = time_filter(JudgedReplyFilter(rules, judge), rows)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    """Print the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--host", default=None, help="a real Ollama, e.g. http://127.0.0.1:11434")
    parser.add_argument("--model", default="llama3.2:3b")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.host, args.model), indent=1))


if __name__ == "__main__":
    main()
