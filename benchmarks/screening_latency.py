"""Screening time per utterance, rules alone and rules + model: prints p50/p95, never asserts."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import REVIEW_SETS, load_review_tsv
from reflection.screening import RiskScreener
from reflection.screening_model import ModelScreen


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """p50, p95 and max of per-utterance times in ms."""
    ordered = sorted(samples)
    if not ordered:
        return {"p50_ms": 0.0, "p95_ms": 0.0, "max_ms": 0.0}
    return {"p50_ms": round(ordered[len(ordered) // 2], 2),
            "p95_ms": round(ordered[max(0, int(len(ordered) * 0.95) - 1)], 2),
            "max_ms": round(ordered[-1], 2)}


def measure(screener: RiskScreener, texts: Sequence[str], repeat: int) -> dict[str, object]:
    """Wall time and this process's CPU time per screen() call (CPU time is what a loaded,
    shared machine inflates least)."""
    wall: list[float] = []
    cpu: list[float] = []
    for text in texts[:20]:  # warm caches (lemmas, fuzzy repair, encoder graph)
        screener.screen(text, "auto")
    for _ in range(repeat):
        for text in texts:
            w, c = time.perf_counter(), time.process_time()
            screener.screen(text, "auto")
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    return {"n": len(wall), "wall": percentiles(wall), "cpu": percentiles(cpu)}


def main(data_dir: Path = DEFAULT_DATA_DIR, repeat: int = 2) -> int:
    """Every utterance of the review sets (round 1, first-contact 1-6), `repeat` times."""
    texts = [i.text for r in REVIEW_SETS if (data_dir / r.file).exists()
             for i in load_review_tsv(data_dir / r.file)]
    store = ContentStore()
    layers = {"rules": RiskScreener.load(store),
              "rules+model": RiskScreener.load(store, classifier=ModelScreen.load())}
    for name, screener in layers.items():
        print(json.dumps({"layer": name, **measure(screener, texts, repeat)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(repeat=int(sys.argv[1]) if len(sys.argv) > 1 else 2))
