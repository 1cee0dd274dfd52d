"""`reflect guard ...`: screen utterances, check replies, and evaluate the guardrails."""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from reflection.errors import ReflectionError
from server import assembly
from server.config import Settings


def register(sub: Any) -> None:
    """Add the guard command group."""
    parser: argparse.ArgumentParser = sub.add_parser("guard", help="clinical guardrail tools")
    guard = parser.add_subparsers(dest="guard_command", required=True)

    screen = guard.add_parser("screen", help="risk-screen one utterance per stdin line")
    screen.add_argument("--lang", choices=("en", "es", "auto"), default="auto")
    screen.add_argument("--evidence", action="store_true", help="include matched spans")
    screen.add_argument("--rules-only", action="store_true",
                        help="skip the embedded model even when screening.embedded is on")
    screen.set_defaults(handler=run_screen)

    check = guard.add_parser("check-reply", help="check one candidate reply per stdin line")
    check.add_argument("--lang", choices=("en", "es"), default="en")
    check.add_argument("--client-text", default="", help="what the client said (for echoes)")
    check.set_defaults(handler=run_check_reply)

    evaluate = guard.add_parser("eval", help="run the labelled evaluation sets")
    evaluate.add_argument("--data", type=Path, default=None, help="directory of *.jsonl sets")
    evaluate.add_argument("--json", action="store_true", help="print the full report as JSON")
    evaluate.add_argument("--misses", action="store_true", help="list misclassified items")
    evaluate.set_defaults(handler=run_eval)

    train = guard.add_parser("train", help="train the embedded screening model (weights .npz)")
    train.add_argument("--data", type=Path, default=None, help="directory of labelled sets")
    train.add_argument("--out", type=Path, default=None, help="where to write the weights")
    train.set_defaults(handler=run_train)

    from cli.guard_mi import register as register_mi

    register_mi(guard)


def _lines() -> Iterator[str]:
    # Undecodable bytes become U+FFFD instead of crashing the pipeline.
    stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    for line in stream:
        yield line.rstrip("\r\n")


def _emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _fail(exc: ReflectionError) -> int:
    _emit({"error": exc.code, "message": str(exc)})
    return 2


def run_screen(args: argparse.Namespace, settings: Settings) -> int:
    """One JSON object per input line: {"text", "level", "categories"}."""
    from reflection.screening import RiskScreener
    from reflection.screening_layers import embedded_classifier

    try:
        model = embedded_classifier(settings.screening.embedded and not args.rules_only)
        screener = RiskScreener.load(assembly.content_store(settings), classifier=model)
        for text in _lines():
            result = screener.screen(text, args.lang)
            out: dict[str, Any] = {
                "text": text,
                "level": int(result.level),
                "categories": sorted(c.value for c in result.categories),
            }
            if args.evidence:
                out["language"] = result.language
                out["evidence"] = result.to_dict()["evidence"]
            _emit(out)
    except ReflectionError as exc:
        return _fail(exc)
    return 0


def run_train(args: argparse.Namespace, settings: Settings) -> int:
    """Fit the screening model on the corpus + in-sample sets and write its weights."""
    from reflection.guard_eval import DEFAULT_DATA_DIR
    from reflection.screening_model import WEIGHTS_PATH, load_encoder
    from reflection.screening_training import train

    store = assembly.content_store(settings)
    weights = train(store, args.data or DEFAULT_DATA_DIR, load_encoder(threads=2))
    out = args.out or WEIGHTS_PATH
    weights.save(out)
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB)")
    return 0


def run_check_reply(args: argparse.Namespace, settings: Settings) -> int:
    """One JSON object per input line: {"text", "allowed", "reasons"}."""

    try:
        _, reply_filter = assembly.guardrails(assembly.content_store(settings))
        for text in _lines():
            verdict = reply_filter.check(text, lang=args.lang, client_text=args.client_text)
            _emit({"text": text, "allowed": verdict.allowed, "reasons": list(verdict.reasons)})
    except ReflectionError as exc:
        return _fail(exc)
    return 0


def _fmt(value: float | None) -> str:
    return "   -  " if value is None else f"{value:6.3f}"


def _table(title: str, rows: dict[str, dict[str, Any]]) -> list[str]:
    lines = [f"  {title:<28} {'n':>4} {'recall':>6} {'fpr':>6} {'f1':>6}"]
    for name, m in rows.items():
        lines.append(
            f"    {name:<26} {m['n']:>4} {_fmt(m['recall'])} {_fmt(m['fpr'])} {_fmt(m['f1'])}"
        )
    return lines


_REVIEW_COLUMNS = (("n", "n"), ("recall_level2", "rec>=2"), ("recall_level1", "rec>=1"),
                   ("fp_level0", "fp0"), ("crisis_false_alarms", "crisisFA"))


def _review_tables(review: dict[str, Any]) -> list[str]:
    """In-sample and first-contact figures side by side, overall and by language/category/group."""
    names = list(review)
    tag = {n: ("in-sample" if review[n]["in_sample"] else "FIRST-CONTACT") for n in names}
    lines = ["review sets (levels | acceptable; side by side)",
             "  " + " ".join(f"{n + ' (' + tag[n] + ')':>44}" for n in names)]
    head = " ".join(" ".join(f"{label:>8}" for _, label in _REVIEW_COLUMNS) for _ in names)
    lines.append(f"  {'slice':<26} {head}")

    def row(title: str, pick: Any) -> None:
        cells = []
        for n in names:
            m = pick(review[n])
            cells.append(" ".join(
                f"{'-':>8}" if not m or m.get(k) is None else
                (f"{m[k]:>8}" if k == "n" else f"{m[k]:8.3f}") for k, _ in _REVIEW_COLUMNS))
        lines.append(f"  {title:<26} {' '.join(cells)}")

    row("overall", lambda r: r["overall"])
    lines.append("  EN/ES gap (recall>=2)     " + " ".join(
        f"{review[n]['overall']['en_es_gap']:>44.3f}" for n in names))
    for split in ("per_language", "per_category", "per_group"):
        keys = sorted({k for n in names for k in review[n][split]})
        for key in keys:
            row(f"{split[4:]}:{key}", lambda r, s=split, k=key: r[s].get(k))
    return lines


def run_eval(args: argparse.Namespace, settings: Settings) -> int:
    """Print metrics; exit 1 when an acceptance target is missed."""
    from reflection.guard_eval import DEFAULT_DATA_DIR
    from reflection.guard_eval import run_eval as evaluate

    screener, reply_filter = assembly.guardrails(assembly.content_store(settings))
    try:
        report = evaluate(screener, reply_filter, args.data or DEFAULT_DATA_DIR)
    except ReflectionError as exc:
        return _fail(exc)
    if args.json:
        _emit(report.to_dict())
        return 0 if report.passed else 1
    s, r = report.screening, report.replies
    lines = [f"screening ({s['n']} utterances, exact level {s['exact_level_accuracy']:.3f})"]
    lines += _table("per level", s["per_level"])
    lines += _table("per category", s["per_category"])
    lines += _table("per language (level >= 1)", s["per_language"])
    lines += _table("per group (level >= 1)", s["per_group"])
    lines.append(f"reply filter ({r['n']} replies)")
    lines += _table("blocked", {"all": r["blocked"]})
    lines += _table("per reason", r["per_reason"])
    lines += _table("per language", r["per_language"])
    lines += _table("per set", r["per_set"])
    lines += _review_tables(dict(report.review))
    lat = report.latency
    if lat:
        lines.append(f"screening latency, rules only ({lat['n']} utterances, noisy on a busy "
                     f"machine): p50 {lat['p50_ms']:.2f} ms, p95 {lat['p95_ms']:.2f} ms, "
                     f"max {lat['max_ms']:.2f} ms")
    lines.append("targets")
    for t in report.targets:
        sign = ">=" if t.at_least else "<="
        mark = "ok  " if t.passed else "MISS"
        lines.append(f"  {mark} {t.name:<50} {t.value:6.3f} {sign} {t.limit}")
    if args.misses:
        lines.append("misclassified")
        lines += [f"  {json.dumps(m, ensure_ascii=False)}" for m in report.misses]
    print("\n".join(lines))
    return 0 if report.passed else 1
