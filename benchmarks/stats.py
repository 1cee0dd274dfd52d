"""Percentiles and summaries of latency samples (pure functions)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation, like numpy's default."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} outside 0..100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summarize(values: Iterable[float | None], digits: int = 1) -> dict[str, float | int | None]:
    """n, p50, p95, mean and max of the samples that exist (None values are skipped)."""
    present = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not present:
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    return {
        "n": len(present),
        "p50": round(percentile(present, 50), digits),
        "p95": round(percentile(present, 95), digits),
        "mean": round(sum(present) / len(present), digits),
        "max": round(max(present), digits),
    }


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator rounded to 2 places, or None when either is missing or zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return round(float(numerator) / float(denominator), 2)
