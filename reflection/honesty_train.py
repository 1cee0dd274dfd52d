"""Train the honesty-intent model: `python -m reflection.honesty_train` (weights .npz).

Thresholds are chosen on out-of-fold predictions (5 folds): `threshold` is the lowest
P(not none) at which at most MAX_NONE_ANSWERED of the `none` examples would get an answer, and
`veto` the P(none) that at most MAX_INTENT_VETOED of the real questions reach.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from reflection.content_files import ContentStore
from reflection.honesty_embed import NONE, WEIGHTS_PATH, Normaliser, examples, fingerprint
from reflection.reply_embed import shared_encoder
from reflection.screening_model import fit_softmax

FOLDS = 5
MAX_NONE_ANSWERED = 0.03
MAX_INTENT_VETOED = 0.02


def main() -> None:
    """Embed the examples, cross-validate both thresholds, fit on everything, save."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args()
    store = ContentStore()
    rows = examples(store)
    normalise = Normaliser.load(store)
    classes = sorted({c for _, c, _ in rows}, key=lambda c: (c != NONE, c))
    y = np.array([classes.index(c) for _, c, _ in rows])
    x = np.asarray(shared_encoder().encode([normalise(t, lang) for t, _, lang in rows]),
                   dtype=float)
    folds = np.random.default_rng(12).permutation(len(y)) % FOLDS
    held = np.zeros((len(y), len(classes)))
    for fold in range(FOLDS):
        train = folds != fold
        held[~train] = fit_softmax(x[train], y[train], len(classes)).probs(x[~train])
    is_none = y == 0
    asked = 1.0 - held[:, 0]
    best = held[:, 1:].argmax(axis=1) + 1  # the best class other than none
    # The lowest threshold that answers at most MAX_NONE_ANSWERED of the none examples.
    ranked = np.sort(asked[is_none])
    allowed = int(MAX_NONE_ANSWERED * is_none.sum())
    threshold = max(float(ranked[-allowed - 1]) + 1e-6, 0.5)
    veto = max(float(np.quantile(held[~is_none, 0], 1 - MAX_INTENT_VETOED)), 0.6)
    answered = asked >= threshold
    recall = float(np.mean((best == y) & answered & ~is_none) / np.mean(~is_none))
    print(f"examples={len(y)} threshold={threshold:.3f} veto={veto:.3f} "
          f"cv_recall={recall:.3f} cv_none_answered={np.mean(answered[is_none]):.3f}")
    model = fit_softmax(x, y, len(classes))
    np.savez_compressed(args.out, weights=model.weights.astype(np.float32),
                        bias=model.bias.astype(np.float32), classes=np.array(classes),
                        thresholds=np.array([threshold, veto]),
                        fingerprint=np.array(fingerprint(rows)))


if __name__ == "__main__":
    main()
