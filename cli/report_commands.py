"""`reflect report`: the evaluation report (counts by language and kiosk, no client text)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from server.config import Settings


def register(sub: Any) -> None:
    """Add the `report` command."""
    report = sub.add_parser("report", help="evaluation report: by language and kiosk, no text")
    report.add_argument("--since", default="30d", help="window: e.g. 30d, 12h, 8w (default 30d)")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.add_argument("--margin", type=float, default=None,
                        help="flag rates differing between languages by more than this "
                             "(default: evaluation.margin, 0.10)")
    report.add_argument("--min-cases", type=int, default=None,
                        help="compare rates only with at least this many cases per language "
                             "(default: evaluation.min_cases, 20)")
    report.set_defaults(handler=run_report)


def run_report(args: argparse.Namespace, settings: Settings) -> int:
    """Print the report (the read is audited like the dashboard's)."""
    from cli.data_commands import open_configured
    from models.evaluation import ReportOptions, build_report, parse_window
    from models.review_queue import audit_report_read
    from models.types import utcnow

    try:
        window = parse_window(args.since)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    now = utcnow()
    config = settings.evaluation
    options = ReportOptions(
        since=now - window, until=now, alpha=config.alpha,
        margin=config.margin if args.margin is None else args.margin,
        min_cases=config.min_cases if args.min_cases is None else args.min_cases)
    with open_configured(settings).transaction() as db:
        report = build_report(db, options)
        audit_report_read(db, actor_id=None, actor_kind="operator")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(render_text(report))
    return 0


def render_text(report: dict[str, Any]) -> str:
    """A plain-text table: one line per count, a column per language and kiosk."""
    columns = [("all", report["total"])]
    columns += [(f"lang {k}", v) for k, v in report["by_language"].items()]
    columns += [(f"kiosk {k}", v) for k, v in report["by_kiosk"].items()]
    keys = sorted(report["total"])
    width = max([len(k) for k in keys] + [10])
    lines = [f"Evaluation report {report['since'][:10]} to {report['until'][:10]} "
             f"(counts under {report['suppressed_below']} shown as '< 5')",
             "".ljust(width) + "".join(name[:14].rjust(16) for name, _ in columns)]
    for key in keys:
        lines.append(key.ljust(width) + "".join(str(col.get(key, 0)).rjust(16)
                                                for _, col in columns))
    lines.append("")
    acks = {**report["alert_acknowledgement"],
            **{f"kiosk {k}": v for k, v in report["alert_acknowledgement_by_kiosk"].items()}}
    for group, ack in acks.items():
        p50, p95 = ack["p50_s"], ack["p95_s"]
        timing = "withheld" if p50 is None else f"p50 {p50:.0f} s, p95 {p95:.0f} s"
        lines.append(f"alerts acknowledged ({group}): {ack['acknowledged']}, {timing}")
    lines.append("")
    for flag in report["disparities"] or []:
        a, b = flag["languages"]
        lines.append(f"DISPARITY {flag['rate']}: {a} vs {b}, difference {flag['difference']:+.2f}"
                     f" (p={flag['p_value']:.4f}); look at {flag['look_at']}")
    if not report["disparities"]:
        lines.append("No disparity between languages above the margin with enough data.")
    return "\n".join(lines)
