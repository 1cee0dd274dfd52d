"""The performance budget (DESIGN.md, issue 7) and pass/miss verdicts on measured results."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """One budget line: `path` into the results must be <= `limit`."""

    name: str
    path: tuple[str, ...]
    limit: float
    unit: str


TARGETS: tuple[Target, ...] = (
    Target("response latency p50 (1 kiosk)", ("voice_to_voice", "response_ms", "p50"), 600, "ms"),
    Target("response latency p95 (1 kiosk)", ("voice_to_voice", "response_ms", "p95"), 1000, "ms"),
    Target("stretch: response latency p50", ("voice_to_voice", "response_ms", "p50"), 350, "ms"),
    Target("crisis alert delay p95", ("crisis", "alert_delay_ms", "p95"), 2000, "ms"),
    Target("4 kiosks p95 / 1 kiosk p95", ("concurrency", "4", "p95_ratio_to_single"), 2.0, "x"),
    Target("STT real-time factor p50 (tiny.en)", ("stages", "stt_rtf[tiny.en]", "p50"), 0.15, ""),
    Target("TTS first audio p50", ("stages", "tts_first_audio_ms", "p50"), 250, "ms"),
    Target("peak RSS", ("resources", "rss_peak_mb"), 700, "MB"),
    Target("time to ready", ("resources", "ready_s"), 10, "s"),
)


def lookup(results: Mapping[str, Any], path: tuple[str, ...]) -> float | None:
    """The number at `path`, or None when any step is missing."""
    node: Any = results
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


def verdicts(results: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each target with its measured value, whether it is met, and by how much it is missed."""
    out = []
    for target in TARGETS:
        value = lookup(results, target.path)
        met = None if value is None else value <= target.limit
        miss = None if value is None or met else round(value / target.limit, 2)
        out.append({"target": target.name, "limit": target.limit, "unit": target.unit,
                    "value": value, "met": met, "miss_factor": miss})
    return out


def within_budget(p50: float | None, p95: float | None) -> bool:
    """Whether a latency pair (ms) meets the single-kiosk response budget."""
    return p50 is not None and p95 is not None and p50 <= 600 and p95 <= 1000


def last_level_within(levels: Mapping[str, Mapping[str, Any]], key: str) -> int | None:
    """The largest kiosk count, checked in order, before the first level where `key` is false."""
    best = None
    for count in sorted(levels, key=int):
        if not levels[count].get(key):
            break
        best = int(count)
    return best
