"""Train the embedded reply classifier: `python -m reflection.reply_embed_train`."""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from reflection.content_files import ContentStore
from reflection.reply_embed import (
    ALLOW,
    MEMORY_SCALE,
    WEIGHTS,
    embed,
    neighbour_margin,
    shared_encoder,
)
from reflection.reply_filter import spoken_texts
from reflection.reply_sets import load_replies, load_reply_tsv

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
CORPUS = Path(__file__).parent / "reply_model" / "corpus.tsv"
# Fresh first-contact sets are scored once and never trained on.
HELD_OUT = ("replies_first_contact_3", "replies_first_contact_4", "replies_first_contact_5",
            "replies_first_contact_6", "replies_dev_probe_5", "replies_first_contact_7",
            "replies_first_contact_8", "replies_first_contact_9", "replies_first_contact_10")
# The language rule is exact (stop-word scores); a multilingual encoder cannot judge it.
SKIP_REASONS = ("language",)
MAX_GOOD_WITHHELD = 0.03
# The memory layer runs behind the regression: it may add at most 1% of good withheld.
MEMORY_MAX_GOOD_WITHHELD = 0.01
L2 = 1e-5
STEPS = 1500
RATE = 30.0
FOLDS = 5


def training_rows(data_dir: Path = DATA) -> tuple[list[str], list[str], int]:
    """Texts and labels (allow or first block reason): the kiosk's own lines, sets, corpus.

    The third value is how many leading rows are the kiosk's own scripted lines.
    """
    rows = [r for r in load_replies(data_dir) if r.get("set") not in HELD_OUT]
    rows += load_reply_tsv([CORPUS])
    texts, labels = [], []
    # What the kiosk says itself is good by definition (slots filled with a neutral word).
    for text in dict.fromkeys(spoken_texts(ContentStore())):
        if len(text.split()) < 2:
            continue
        texts.append(re.sub(r"\{\w*\}", "that", text))
        labels.append(ALLOW)
    scripted = len(texts)
    for row in rows:
        label = ALLOW if row["allowed"] else (row.get("reasons") or ["general"])[0]
        if label in SKIP_REASONS:
            continue
        texts.append(str(row["text"]))
        labels.append(label)
    return texts, labels, scripted


def fit(x: NDArray[np.float64], y: NDArray[np.int64], classes: int,
        steps: int = STEPS, rate: float = RATE, l2: float = L2
        ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Multinomial logistic regression by full-batch gradient descent (class-balanced)."""
    counts = np.bincount(y, minlength=classes).astype(np.float64)
    sample_w = (len(y) / (classes * np.maximum(counts, 1.0)))[y]
    weights = np.zeros((x.shape[1], classes))
    bias = np.zeros(classes)
    onehot = np.eye(classes)[y]
    for _ in range(steps):
        logits = x @ weights + bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        grad = (probs - onehot) * sample_w[:, None] / len(y)
        weights -= rate * (x.T @ grad + l2 * weights)
        bias -= rate * grad.sum(axis=0)
    return weights, bias


def allow_probability(x: NDArray[np.float64], weights: NDArray[np.float64],
                      bias: NDArray[np.float64], allow: int) -> NDArray[np.float64]:
    """P(allow) per row."""
    logits = x @ weights + bias
    logits -= logits.max(axis=1, keepdims=True)
    probs = np.exp(logits)
    return np.asarray(probs[:, allow] / probs.sum(axis=1))


def main() -> None:
    """Embed, cross-validate the threshold (good withheld <= 3%), fit on everything, save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument(
        "--keep-regression", action="store_true",
        help="keep the regression (weights, bias, threshold) already in --out and rebuild "
             "only the memory layer from the current training rows")
    args = parser.parse_args()
    texts, labels, scripted = training_rows()
    classes = sorted(set(labels), key=lambda c: (c != ALLOW, c))
    y = np.array([classes.index(label) for label in labels])
    x = embed(shared_encoder(), texts)
    if args.keep_regression:
        with np.load(args.out, allow_pickle=False) as old:
            if [str(c) for c in old["classes"]] != classes:
                raise SystemExit("classes changed: retrain the regression as well")
            kept = {key: old[key] for key in ("weights", "bias", "classes", "threshold")}
        save(args.out, kept, x, y, memory_layer_threshold(x, y, scripted))
        return
    folds = np.random.default_rng(11).permutation(len(y)) % FOLDS
    held = np.zeros(len(y))
    for fold in range(FOLDS):
        train = folds != fold
        weights, bias = fit(x[train], y[train], len(classes))
        held[~train] = allow_probability(x[~train], weights, bias, 0)
    # Labelled and corpus good sentences only: the kiosk's own lines are easy and exempt anyway.
    good = held[scripted:][y[scripted:] == 0]
    # The largest threshold whose cross-validated good-withheld rate stays within the target.
    threshold = float(np.quantile(good, MAX_GOOD_WITHHELD))
    bad_passed = float(np.mean(held[y != 0] >= threshold))
    print(f"rows={len(y)} good={len(good)} threshold={threshold:.3f} "
          f"cv_good_withheld={np.mean(good < threshold):.3f} cv_bad_passed={bad_passed:.3f}")
    weights, bias = fit(x, y, len(classes))
    regression = {"weights": weights.astype(np.float32), "bias": bias.astype(np.float32),
                  "classes": np.array(classes), "threshold": np.float64(threshold)}
    save(args.out, regression, x, y, memory_layer_threshold(x, y, scripted))


def save(out: Path, regression: dict[str, Any], x: NDArray[np.float64], y: NDArray[np.int64],
         memory_threshold: float) -> None:
    """The regression's arrays plus the memory layer (int8 unit vectors, labels, threshold)."""
    np.savez_compressed(out, **regression,
                        memory=np.round(x * MEMORY_SCALE).astype(np.int8),
                        memory_labels=y.astype(np.int8),
                        memory_threshold=np.float64(memory_threshold))


def memory_layer_threshold(x: NDArray[np.float64], y: NDArray[np.int64], scripted: int) -> float:
    """Neighbour-margin threshold: leave-one-out, at most MEMORY_MAX_GOOD_WITHHELD withheld.

    Each training sentence is judged by its neighbours among all the others (itself left
    out); the threshold is the margin that withholds at most the target share of the
    labelled good sentences (the kiosk's own lines are exempt at run time, as above).
    """
    sims = x @ x.T
    np.fill_diagonal(sims, -1.0)
    margins = neighbour_margin(sims, y != 0)
    good = margins[scripted:][y[scripted:] == 0]
    threshold = float(np.quantile(good, 1.0 - MEMORY_MAX_GOOD_WITHHELD))
    print(f"memory layer: threshold={threshold:.3f} "
          f"loo_bad_passed={np.mean(margins[y != 0] <= threshold):.3f}")
    return threshold


if __name__ == "__main__":
    main()
