"""`reflect bench`: the performance benchmark (progress on stderr, one JSON line on stdout)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.config import Settings


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected numbers like 1,2,4: {text!r}") from exc
    if not values or any(not 1 <= v <= 32 for v in values):
        raise argparse.ArgumentTypeError("kiosk counts must be between 1 and 32")
    return values


def _name_list(text: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError("name at least one model")
    return names


def register(sub: Any) -> None:
    """Add the bench command."""
    bench: argparse.ArgumentParser = sub.add_parser(
        "bench", help="measure latency, concurrency and memory (real models, loopback server)")
    bench.add_argument("--quick", action="store_true", help="fewer samples (about 3 minutes)")
    bench.add_argument("--kiosks", type=_int_list, default=None,
                       help="simulated kiosk counts, e.g. 1,2,4,8")
    bench.add_argument("--models", type=_name_list, default=None,
                       help="STT models, e.g. tiny.en,base (the first gets every phase)")
    bench.add_argument("--accuracy", action="store_true",
                       help="speech accuracy instead: every decoding path vs plain faster-whisper")
    bench.add_argument("--fresh", action="store_true",
                       help="with --accuracy: the first-contact set (new answers, voices, rates), "
                            "default pipeline vs plain faster-whisper")
    bench.add_argument("--pipeline-only", action="store_true",
                       help="with --accuracy: decode only the default pipeline and the reference")
    bench.add_argument("--no-stages", action="store_true", help="skip the per-stage timings")
    bench.add_argument("--out", type=Path, default=None, help="also write the results here")
    bench.add_argument("--turns", action="store_true",
                       help="only the turn-taking benchmark: cut-offs and felt latency, "
                            "fixed silence vs the turn decider (in process, about 5 minutes)")
    bench.add_argument("--first-contact", type=int, nargs="?", const=1, default=0,
                       choices=(1, 2), metavar="N",
                       help="with --turns: held-apart sentences and voices, never tuned on "
                            "(1, the default: the first such set; 2: the second)")
    bench.add_argument("--turns-cache", type=Path, default=None, metavar="DIR",
                       help="with --turns: reuse the corpus and model results kept in DIR "
                            "(to iterate on the decider; record figures without it)")
    bench.add_argument("--servers", type=int, choices=(1, 2), default=1,
                       help="2: 8 kiosks on one process, then over two processes sharing "
                            "PostgreSQL (database.url) and Redis (redis.url)")
    bench.add_argument("--writes", action="store_true",
                       help="only the write queue under load: busy typed kiosks (--kiosks N, "
                            "default 3) and a crisis; backlog, drain time, alert delays")
    bench.add_argument("--profile", type=Path, default=None, metavar="DIR",
                       help="sample the server with py-spy during the kiosk phases into DIR")
    bench.set_defaults(handler=run_bench)


def run_bench(args: argparse.Namespace, settings: Settings) -> int:
    """Run the benchmark; exit 1 if it could not run, 0 otherwise (misses are reported)."""
    import httpx
    from websockets.exceptions import WebSocketException

    from benchmarks.corpus import espeak_available
    from benchmarks.report import human_summary
    from benchmarks.runner import BenchOptions, run

    if not espeak_available():
        print("error [espeak_missing]: the benchmark speaks its corpus with espeak-ng; "
              "install it (apt install espeak-ng)", file=sys.stderr)
        return 1
    if args.accuracy:
        return _run_accuracy(args, settings)
    if args.turns:
        return _run_turns(args, settings)
    if args.servers == 2:
        return _run_servers(args, settings)
    if args.writes:
        return _run_writes(args, settings)
    # One line per HTTP request would bury the progress lines.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    options = BenchOptions.make(quick=args.quick, kiosks=args.kiosks, models=args.models,
                                stages=not args.no_stages,
                                profile_dir=str(args.profile) if args.profile else None)
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    try:
        results = run(settings, options, progress)
    except (RuntimeError, OSError, TimeoutError, httpx.HTTPError, WebSocketException) as exc:
        # Expected failures get a code; anything else is a bug and keeps its traceback.
        print(f"error [bench_failed]: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(human_summary(results), file=sys.stderr)
    line = json.dumps(results, separators=(",", ":"))
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(line, flush=True)
    return 0


def _progress() -> Callable[[str], None]:
    """Progress lines on stderr, stamped with the seconds since the benchmark started."""
    started = time.monotonic()

    def progress(message: str) -> None:
        print(f"[{time.monotonic() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    return progress


def _emit(args: argparse.Namespace, results: Any) -> int:
    """Results as one JSON line on stdout (and in --out)."""
    if args.out is not None:
        args.out.write_text(json.dumps(results, indent=1) + "\n")
    print(json.dumps(results, separators=(",", ":")), flush=True)
    return 0


def _run_accuracy(args: argparse.Namespace, settings: Settings) -> int:
    """The speech accuracy benchmark: markdown table on stderr, one JSON line on stdout."""
    from benchmarks.accuracy import markdown, run

    models = args.models or (("tiny.en",) if args.quick else ("tiny.en", "base"))
    if args.fresh:
        from benchmarks.accuracy_fresh import run_fresh

        results = run_fresh(settings, models=models, progress=_progress())
    else:
        results = run(settings, quick=args.quick, models=models, progress=_progress(),
                      pipeline_only=args.pipeline_only)
    print(markdown(results), file=sys.stderr)
    return _emit(args, results)


def _run_turns(args: argparse.Namespace, settings: Settings) -> int:
    """`reflect bench --turns`: the turn-taking table on stderr, JSON on stdout."""
    from benchmarks import turns_bench

    results = turns_bench.run(settings, quick=args.quick, progress=_progress(),
                              first_contact=args.first_contact, cache_dir=args.turns_cache)
    print(turns_bench.human(results), file=sys.stderr)
    return _emit(args, results)


def _run_writes(args: argparse.Namespace, settings: Settings) -> int:
    """`reflect bench --writes`: the write queue under busy kiosks and a crisis."""
    from benchmarks import write_load

    logging.getLogger("httpx").setLevel(logging.WARNING)
    busy = args.kiosks[-1] if args.kiosks else 3
    results = write_load.run(settings, busy=busy, seconds=20 if args.quick else 60,
                             progress=_progress())
    print(write_load.human(results), file=sys.stderr)
    return _emit(args, results)


def _run_servers(args: argparse.Namespace, settings: Settings) -> int:
    """`reflect bench --servers 2`: one process vs two (table on stderr, JSON on stdout)."""
    from benchmarks import multi_bench

    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        # `--kiosks N`: another kiosk count than the 8 (the last one given).
        kiosks = args.kiosks[-1] if args.kiosks else 8
        results = multi_bench.run(settings, quick=args.quick, progress=_progress(),
                                  kiosks=kiosks)
    except multi_bench.MultiBenchError as exc:
        print(f"error [bench_setup]: {exc}", file=sys.stderr)
        return 1
    print(multi_bench.human(results), file=sys.stderr)
    return _emit(args, results)
