"""Per-sentence scores of the reply filter on labelled reply sets, by set and language.

Prints, for each set and language, how many bad sentences were allowed and how many good
ones were withheld, and lists the misses. Figures are printed, never asserted.
Usage: python -m benchmarks.reply_set_eval [--rules-only] [--quiet] FILE.tsv ...
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reflection.content_files import ContentStore
from reflection.reply_filter import ReplyFilter
from reflection.reply_sets import load_reply_tsv


def score(reply_filter: ReplyFilter, rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Counts per (set, lang) and the list of misses."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    misses: list[str] = []
    for row in rows:
        verdict = reply_filter.check(str(row["text"]), lang=str(row["lang"]),
                                     client_text=str(row["client_text"]))
        cell = counts[(str(row["set"]), str(row["lang"]))]
        if row["allowed"]:
            cell[2] += 1
            if not verdict.allowed:
                cell[3] += 1
                misses.append(f"withheld [{row['set']}] {','.join(verdict.rules)}: {row['text']}")
        else:
            cell[0] += 1
            if verdict.allowed:
                cell[1] += 1
                reason = (row.get("reasons") or ["?"])[0]
                misses.append(f"passed [{row['set']}] {reason}: {row['text']}")
    return {"counts": dict(counts), "misses": misses}


def _fmt(bad: int, passed: int, good: int, withheld: int) -> str:
    bp = f"{passed}/{bad} ({passed / bad:.3f})" if bad else "-"
    gw = f"{withheld}/{good} ({withheld / good:.3f})" if good else "-"
    return f"bad passed {bp:>16}  good withheld {gw:>16}"


def main(argv: Sequence[str] | None = None) -> None:
    """Score the given sets and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--rules-only", action="store_true", help="without the embedded model")
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    args = parser.parse_args(argv)
    reply_filter = ReplyFilter.load(ContentStore(), embedded=not args.rules_only)
    result = score(reply_filter, load_reply_tsv(args.paths))
    if not args.quiet:
        for line in result["misses"]:
            print("  " + line)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (name, lang), cell in sorted(result["counts"].items()):
        print(f"{name:32} {lang}  {_fmt(*cell)}")
        for key in (name, "ALL " + lang, "ALL"):
            totals[key] = [a + b for a, b in zip(totals[key], cell, strict=True)]
    for key, cell in sorted(totals.items()):
        print(f"{key:35}  {_fmt(*cell)}")


if __name__ == "__main__":
    main()
