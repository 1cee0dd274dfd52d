"""Measures each optional screening layer against the rules alone on the review sets, and p95."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import (
    REVIEW_SETS,
    context_screen,
    latency,
    load_review_tsv,
    score_review,
)
from reflection.screening import RiskScreener
from reflection.screening_model import ModelScreen

KEYS = ("recall_level2", "recall_level1", "fp_level0", "crisis_false_alarms", "en_es_gap")


def main(data_dir: Path = DEFAULT_DATA_DIR, names: tuple[str, ...] = ()) -> int:
    """Print rules alone and rules + model per set (all sets, or the named ones), then latency."""
    store = ContentStore()
    layers = {"rules": RiskScreener.load(store),
              "rules+model": RiskScreener.load(store, classifier=ModelScreen.load())}
    texts: list[str] = []
    for review in REVIEW_SETS:
        if names and review.name not in names:
            continue
        items = load_review_tsv(data_dir / review.file)
        texts += [i.text for i in items]
        for name, screener in layers.items():
            overall = score_review(context_screen(screener), items)["overall"]
            print(json.dumps({"set": review.name, "in_sample": review.in_sample, "layer": name,
                              **{k: overall[k] for k in KEYS}}))
    for name, screener in layers.items():
        # Noisy on a shared machine: printed, never asserted.
        print(json.dumps({"latency": name, **latency(screener, texts[:200], repeat=1)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(names=tuple(sys.argv[1:])))
