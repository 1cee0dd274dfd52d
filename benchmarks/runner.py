"""Runs every benchmark phase and assembles one results object."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

from benchmarks import corpus as corpus_mod
from benchmarks import experiments, server_proc, stage_timings
from benchmarks.budget import last_level_within, verdicts
from benchmarks.corpus import SpokenUtterance
from benchmarks.v2v import VoiceBench, concurrency_summary
from server.config import Settings

MB = 1024 * 1024
Progress = Callable[[str], None]


@dataclass(frozen=True)
class BenchOptions:
    """What to run; `quick` trades samples for time."""

    quick: bool = False
    kiosks: tuple[int, ...] = (1, 2, 4, 8)
    models: tuple[str, ...] = ("tiny.en", "base")
    utterances: int = len(corpus_mod.UTTERANCES)
    other_model_utterances: int = 10
    per_kiosk: int = 4
    crisis_sessions: int = 4
    stages: bool = True
    profile_dir: str | None = None

    @classmethod
    def make(cls, *, quick: bool, kiosks: Sequence[int] | None = None,
             models: Sequence[str] | None = None, stages: bool = True,
             profile_dir: str | None = None) -> BenchOptions:
        """Defaults for a full or a quick run, with the caller's kiosk counts and models."""
        if quick:
            return cls(True, tuple(kiosks or (1, 2)), tuple(models or ("tiny.en",)), 6, 4, 2, 1,
                       stages, profile_dir)
        return cls(False, tuple(kiosks or (1, 2, 4, 8)), tuple(models or ("tiny.en", "base")),
                   stages=stages, profile_dir=profile_dir)


def machine() -> dict[str, Any]:
    """Where the numbers came from."""
    model = platform.processor() or platform.machine()
    with_model = Path("/proc/cpuinfo")
    if with_model.exists():
        for line in with_model.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu_model": model,
        "logical_cpus": psutil.cpu_count(),
        "memory_mb": round(psutil.virtual_memory().total / MB),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def _server_phases(
    settings: Settings, model: str, options: BenchOptions, corpus: Sequence[SpokenUtterance],
    crisis: Sequence[SpokenUtterance], primary: bool, progress: Progress,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="reflect-bench-") as tmp:
        progress(f"server: starting with STT model {model}")
        server = server_proc.start(settings, Path(tmp), model)
        out: dict[str, Any] = {
            "ready_s": round(server.ready_s, 2),
            "server_reported_ready_s": server.health.get("ready_s"),
            "model_load_ms": server.health.get("models", {}).get("load_ms"),
            "rss_ready_mb": round(server.rss_ready / MB),
        }
        try:
            asyncio.run(_talk(server, options, corpus, crisis, primary, progress, out))
        finally:
            out["rss_peak_mb"] = round(max(server.monitor.peak_rss, server.monitor.rss()) / MB)
            server.stop()
    return out


async def _talk(
    server: server_proc.BenchServer, options: BenchOptions, corpus: Sequence[SpokenUtterance],
    crisis: Sequence[SpokenUtterance], primary: bool, progress: Progress, out: dict[str, Any],
) -> None:
    profile = Path(options.profile_dir) if options.profile_dir and primary else None
    bench = VoiceBench(server, progress, profile)
    if not primary:
        out["voice_to_voice"] = await bench.single(corpus[: options.other_model_utterances])
        return
    # The peak so far after each phase: which part of the run the memory budget goes to.
    peaks: dict[str, int] = {}
    out["rss_peak_after_mb"] = peaks
    single = await bench.single(corpus)
    out["voice_to_voice"] = single
    peaks["voice_to_voice"] = round(server.monitor.peak_rss / MB)
    out["crisis"] = await bench.crisis(crisis)
    peaks["crisis"] = round(server.monitor.peak_rss / MB)
    levels: dict[str, dict[str, Any]] = {}
    for count in options.kiosks:
        levels[str(count)] = single if count == 1 else await bench.concurrent(
            corpus, count, options.per_kiosk)
        peaks[f"{count}_kiosks"] = round(server.monitor.peak_rss / MB)
    out["concurrency"] = concurrency_summary(levels, single["response_ms"]["p95"])


def run(settings: Settings, options: BenchOptions, progress: Progress) -> dict[str, Any]:
    """Every phase; the first model gets the full treatment, the others STT + one kiosk."""
    started = time.monotonic()
    results: dict[str, Any] = {"machine": machine(), "options": asdict(options)}
    progress("corpus: speaking the utterances with espeak-ng")
    corpus = corpus_mod.build(corpus_mod.pick(corpus_mod.UTTERANCES, options.utterances))
    crisis = corpus_mod.build(corpus_mod.CRISIS_UTTERANCES[: options.crisis_sessions])
    durations = [u.duration_s for u in corpus]
    results["corpus"] = {"utterances": len(corpus), "seconds_min": round(min(durations), 1),
                         "seconds_max": round(max(durations), 1),
                         "seconds_total": round(sum(durations), 1)}
    if options.stages:
        results["stages"] = stage_timings.run(settings, corpus, options.models, progress)
        window: dict[str, Any] = {}
        for model in options.models:
            progress(f"experiment: short encoder window, {model}")
            window[model] = experiments.stt_window(settings, model, corpus)
        results["experiments"] = {"stt_window": window}
    per_model: dict[str, Any] = {}
    for index, model in enumerate(options.models):
        per_model[model] = _server_phases(
            settings, model, options, corpus, crisis, index == 0, progress)
    primary = per_model[options.models[0]]
    results["voice_to_voice"] = primary.get("voice_to_voice")
    results["crisis"] = primary.get("crisis")
    results["concurrency"] = primary.get("concurrency")
    results["resources"] = {k: primary[k] for k in (
        "ready_s", "server_reported_ready_s", "model_load_ms", "rss_ready_mb", "rss_peak_mb",
        "rss_peak_after_mb") if k in primary}
    results["models"] = {model: _model_row(model, data, results.get("stages") or {})
                         for model, data in per_model.items()}
    levels = results["concurrency"] or {}
    results["max_kiosks_within_budget"] = last_level_within(levels, "within_budget")
    results["max_kiosks_within_2x_single"] = last_level_within(levels, "within_2x_single")
    results["budget"] = verdicts(results)
    results["elapsed_s"] = round(time.monotonic() - started, 1)
    return results


def _model_row(model: str, data: dict[str, Any], stage: dict[str, Any]) -> dict[str, Any]:
    v2v = data.get("voice_to_voice") or {}
    return {
        "ready_s": data["ready_s"], "server_reported_ready_s": data["server_reported_ready_s"],
        "model_load_ms": data["model_load_ms"], "rss_ready_mb": data["rss_ready_mb"],
        "rss_peak_mb": data["rss_peak_mb"], "errors": v2v.get("errors"),
        "stt_ms": stage.get(f"stt_ms[{model}]"), "stt_rtf": stage.get(f"stt_rtf[{model}]"),
        "response_ms": v2v.get("response_ms"), "felt_ms": v2v.get("felt_ms"),
        "utterances": v2v.get("utterances"),
    }
