"""`reflect guard mi`: run conversation sets, print MI coder figures and reply checks."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from reflection.conversation_checks import check_all, load_conversations
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.mi_coder import MIFigures, code_run, total
from server.config import Settings

# Set 3 stays out: it still fails 5 checks (the per-utterance screener's; see the model card).
DEFAULT_SETS = ("conversations_round1.json", "conversations_first_contact.json",
                "conversations_first_contact_2.json", "conversations_first_contact_4.json",
                "conversations_listen_probe_1.json")
TARGET_R_Q, TARGET_COMPLEX = 1.0, 0.40


def register(guard: Any) -> None:
    """Add `guard mi` to the guard command group."""
    mi = guard.add_parser("mi", help="MI-code the scripted reflector over conversation sets")
    mi.add_argument("--data", type=Path, action="append", default=None,
                    help="a conversations JSON file (repeatable; default: the repo's sets)")
    mi.add_argument("--responder", choices=["scripted", "ollama"], default="scripted")
    mi.add_argument("--failures", action="store_true", help="list every failed check")
    mi.set_defaults(handler=run_mi)


def _row(f: MIFigures) -> str:
    c = f.counts
    # Nothing coded (every reply was the fixed crisis protocol): no ratio to report.
    ratio = f"{f.r_to_q:5.2f}" if f.reflections or f.questions else "    -"
    share = f"{f.complex_share:6.0%}" if f.reflections else "     -"
    return (f"  {f.name:<28} {c['simple_reflection']:>3} {c['complex_reflection']:>3} "
            f"{c['open_question']:>3} {c['closed_question']:>3} {c['affirmation']:>3} "
            f"{c['other']:>3}  {ratio} {share}")


def run_mi(args: argparse.Namespace, settings: Settings) -> int:
    """Print per-conversation R:Q and % complex; exit 1 on a failed check or missed target."""
    from cli.chat_commands import build_engine

    engine = build_engine(settings, args.responder)
    paths = args.data or [DEFAULT_DATA_DIR / name for name in DEFAULT_SETS]
    items = [item for path in paths for item in load_conversations(path)]
    report = check_all(engine, items)
    figures = [code_run(run) for run in report.runs]
    overall = total(figures)
    lines = [f"  {'conversation':<28}  SR  CR  OQ  CQ AFF OTH    R:Q complex", *map(_row, figures),
             _row(overall)]
    counts = report.counts()
    lines.append(f"checks: {counts.pop('replies')} replies, "
                 + (", ".join(f"{k} failed {v}" for k, v in sorted(counts.items())) or "all pass"))
    if args.failures:
        lines += [f"  {f.conversation} turn {f.turn}: {f.check} ({f.detail})"
                  for f in [*report.basic, *report.expectations]]
    met = overall.r_to_q >= TARGET_R_Q and overall.complex_share >= TARGET_COMPLEX
    lines.append(f"targets: R:Q >= {TARGET_R_Q} and complex >= {TARGET_COMPLEX:.0%}: "
                 + ("met" if met else "MISSED"))
    print("\n".join(lines))
    return 0 if report.passed and met else 1
