"""Embedded reply classifier: logistic regression over multilingual USE sentence embeddings."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

WEIGHTS = Path(__file__).parent / "reply_model" / "weights.npz"
ALLOW = "allow"


@lru_cache(maxsize=1)
def shared_encoder() -> Any:
    """The bundled multilingual encoder (screening's loader), loaded once per process."""
    from reflection.screening_model import load_encoder

    return load_encoder(threads=1)


def embed(encoder: Any, texts: list[str]) -> NDArray[np.float64]:
    """Unit-length sentence vectors (the encoder's own output, renormalised for safety)."""
    vectors = np.asarray(encoder.encode(texts), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-9), dtype=np.float64)


@dataclass(frozen=True)
class ReplyModel:
    """Withholds a sentence when P(allow) falls under `threshold`; it never allows anything."""

    weights: NDArray[np.float64]
    bias: NDArray[np.float64]
    classes: tuple[str, ...]
    threshold: float
    encoder: Any

    @classmethod
    def load(cls, path: Path = WEIGHTS, *, encoder: Any = None) -> ReplyModel:
        """Load committed weights (see reflection/reply_embed_train.py for how they are made)."""
        with np.load(path, allow_pickle=False) as data:
            weights = np.asarray(data["weights"], dtype=np.float64)
            bias = np.asarray(data["bias"], dtype=np.float64)
            classes = tuple(str(c) for c in data["classes"])
            threshold = float(data["threshold"])
        return cls(weights, bias, classes, threshold,
                   encoder if encoder is not None else shared_encoder())

    def probabilities(self, sentence: str) -> dict[str, float]:
        """Class probabilities for one sentence."""
        logits = embed(self.encoder, [sentence])[0] @ self.weights + self.bias
        exp = np.exp(logits - logits.max())
        probs = exp / exp.sum()
        return {name: float(p) for name, p in zip(self.classes, probs, strict=True)}

    def withhold(self, sentence: str) -> str | None:
        """The most likely block reason when the sentence should be withheld, else None."""
        probs = self.probabilities(sentence)
        if probs[ALLOW] >= self.threshold:
            return None
        return max((c for c in self.classes if c != ALLOW), key=lambda c: probs[c])
