"""Measures each optional screening layer against the rules alone on the first-contact set."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import (
    REVIEW_SETS,
    context_screen,
    load_review_tsv,
    score_review,
    training_examples,
)
from reflection.risk import RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_embed import EmbeddedScreen

KEYS = ("recall_level2", "recall_level1", "fp_level0", "crisis_false_alarms", "en_es_gap")


def main(data_dir: Path = DEFAULT_DATA_DIR) -> int:
    """Print rules alone, rules + embedded (capped at 1), rules + embedded (uncapped)."""
    first = [r for r in REVIEW_SETS if not r.in_sample]
    examples = training_examples(data_dir)
    store = ContentStore()
    layers = {
        "rules": RiskScreener.load(store),
        "rules+embedded(cap 1)": RiskScreener.load(
            store, classifier=EmbeddedScreen(examples, cap=RiskLevel.CONCERN)),
        "rules+embedded(cap 3)": RiskScreener.load(
            store, classifier=EmbeddedScreen(examples, cap=RiskLevel.IMMINENT)),
    }
    for review in first:
        items = load_review_tsv(data_dir / review.file)
        for name, screener in layers.items():
            overall = score_review(context_screen(screener), items)["overall"]
            print(json.dumps({"set": review.name, "layer": name,
                              **{k: overall[k] for k in KEYS}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
