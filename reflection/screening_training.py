"""Trains the screening model (`reflect guard train`): corpus + in-sample sets, grouped CV."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reflection.content_files import SUPPORTED_LANGUAGES, ContentStore
from reflection.screening_corpus import load_corpus
from reflection.screening_model import (
    CATEGORIES,
    Matrix,
    ModelWeights,
    decide,
    fit_softmax,
    fold,
)

FOLDS = 5
# Budgets for the model alone on out-of-fold predictions of level-0 items. The rules already
# spend most of the hidden round's 0.05 / 0.03 limits, so the model gets a share. Round 8 raised
# them from 0.02 / 0.005: with sets 8, 10 and 12 each held out in turn, 0.04 / 0.01 caught more
# crisis items on all three (0.397 -> 0.471, 0.524 -> 0.548, 0.444 -> 0.481) with level-0 false
# alarms unchanged on 8 and 10 and one more crisis false alarm on set 12 (docs/guardrails.md).
FP_BUDGET = 0.04
CRISIS_BUDGET = 0.01
GRID1 = tuple(round(t, 2) for t in np.arange(0.30, 0.99, 0.02))
GRID2 = tuple(round(t, 2) for t in np.arange(0.40, 0.995, 0.02))


@dataclass(frozen=True)
class Sample:
    """One training utterance with the levels a reviewer would accept."""

    text: str
    label: int  # 0, 1 or 2 (>= 2)
    accept: frozenset[int]
    category: str
    group: str


def gather(store: ContentStore, data_dir: Path) -> list[Sample]:
    """The corpus plus the sets that train the model (no context-only items, no forecast set)."""
    from reflection.review_eval import REVIEW_SETS, load_jsonl, load_review_tsv

    out = [Sample(i.text, i.level, frozenset({0}) if i.level == 0 else
                  frozenset(range(i.level, 4)), i.category, i.group) for i in load_corpus(store)]
    for review in REVIEW_SETS:
        path = data_dir / review.file
        if review.trains_model and path.exists():
            out += [Sample(i.text, min(i.lowest, 2), i.levels,
                           "" if i.category == "none" else i.category, f"{review.name}.{n}")
                    for n, i in enumerate(load_review_tsv(path)) if not i.context]
    for n, row in enumerate(load_jsonl(sorted(data_dir.glob("screening_*.jsonl")))):
        level = int(row["level"])
        out.append(Sample(str(row["text"]), min(level, 2), frozenset({level}),
                          (row.get("categories") or [""])[0], f"jsonl.{n}"))
    return out


def gate_words(store: ContentStore) -> tuple[str, ...]:
    """Both languages' level-2 gate regexes from the corpus files."""
    return tuple(g for lang in SUPPORTED_LANGUAGES
                 for g in store.load(lang, "screening_corpus").get("level2_gate", []))


def _folds(samples: Sequence[Sample]) -> NDArray[np.int64]:
    groups = sorted({s.group for s in samples})
    rng = np.random.default_rng(7)
    which = dict(zip(groups, rng.permutation(len(groups)) % FOLDS, strict=True))
    return np.array([which[s.group] for s in samples])


def out_of_fold(x: Matrix, y: NDArray[np.int64], folds: NDArray[np.int64],
                fit: Callable[[Matrix, NDArray[np.int64]], Any]) -> Matrix:
    """Each sample's level probabilities from a model that never saw its group."""
    p = np.zeros((len(y), 3))
    for k in range(FOLDS):
        test = folds == k
        p[test] = fit(x[~test], y[~test]).probs(x[test])
    return p


def cv_figures(samples: Sequence[Sample], levels: NDArray[np.int64]) -> dict[str, float]:
    """Recall and false-alarm rates of predicted levels against the samples' labels."""
    label = np.array([s.label for s in samples])
    zero = label == 0
    wrong0 = np.array([int(lv) not in s.accept for s, lv in zip(samples, levels, strict=True)])
    return {"recall2": float((levels[label == 2] >= 2).mean()),
            "recall1": float((levels[label >= 1] >= 1).mean()),
            "fp0": float((wrong0 & zero).sum() / zero.sum()),
            "crisis_fa": float(((levels >= 2) & zero & np.array(
                [2 not in s.accept for s in samples])).sum() / zero.sum())}


def choose(samples: Sequence[Sample], p: Matrix, gated: Sequence[bool]
           ) -> tuple[float, float, dict[str, float]]:
    """The thresholds with the best recall whose out-of-fold false alarms fit the budgets."""
    best: tuple[float, float, float, dict[str, float]] = (-1.0, 0.99, 0.99, {})
    for t1 in GRID1:
        for t2 in GRID2:
            f = cv_figures(samples, decide(p, gated, t1, t2))
            if f["fp0"] <= FP_BUDGET and f["crisis_fa"] <= CRISIS_BUDGET:
                score = f["recall2"] + f["recall1"]
                if score > best[0]:
                    best = (score, t1, t2, f)
    return best[1], best[2], best[3]


def train(store: ContentStore, data_dir: Path, encoder: Any,
          log: Callable[[str], None] = print) -> ModelWeights:
    """Embed, cross-validate thresholds, fit both heads on everything; returns the weights."""
    samples = gather(store, data_dir)
    log(f"training utterances: {len(samples)} "
        f"(groups {len({s.group for s in samples})})")
    x = np.asarray(encoder.encode([s.text for s in samples]), dtype=float)
    y = np.array([s.label for s in samples])
    gates = gate_words(store)
    compiled = [re.compile(g) for g in gates]
    gated = [any(g.search(fold(s.text)) for g in compiled) for s in samples]
    p = out_of_fold(x, y, _folds(samples), lambda a, b: fit_softmax(a, b, 3))
    t1, t2, figures = choose(samples, p, gated)
    log(f"thresholds raise1={t1} raise2={t2}; out-of-fold model alone: {figures}")
    ungated = choose(samples, p, [True] * len(samples))
    log(f"without the gate: raise1={ungated[0]} raise2={ungated[1]}; {ungated[2]}")
    risky = np.array([s.category in {c.value for c in CATEGORIES} for s in samples])
    cat = np.array([[c.value for c in CATEGORIES].index(s.category) if r else 0
                    for s, r in zip(samples, risky, strict=True)])
    return ModelWeights(fit_softmax(x, y, 3), fit_softmax(x[risky], cat[risky], len(CATEGORIES)),
                        t1, t2, gates)
