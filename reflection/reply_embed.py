"""Embedded reply classifier: logistic regression over multilingual USE sentence embeddings."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

WEIGHTS = Path(__file__).parent / "reply_model" / "weights.npz"
ALLOW = "allow"
# Neighbours consulted by the memory layer (see `ReplyModel.neighbour_margin`).
KNN_K = 3
# Stored unit vectors are int8 (x 127): cosine error under 1%, a quarter of float32's size.
MEMORY_SCALE = 127.0
# The memory layer is a second opinion where the regression is unsure: it never withholds a
# sentence the regression finds clearly good (P(allow) at or above this).
MEMORY_MAX_ALLOW = 0.2


def neighbour_margin(sims: NDArray[np.float64], is_bad: NDArray[np.bool_],
                     k: int = KNN_K) -> NDArray[np.float64]:
    """Per row of `sims` (cosines to the memory): mean of the k nearest bad minus k nearest good.

    Positive when the sentence sits closer to labelled bad sentences than to good ones.
    """
    bad = np.sort(np.where(is_bad[None, :], sims, -1.0), axis=1)[:, -k:].mean(axis=1)
    good = np.sort(np.where(~is_bad[None, :], sims, -1.0), axis=1)[:, -k:].mean(axis=1)
    return np.asarray(bad - good, dtype=np.float64)


class RecentVectors:
    """An encoder that remembers its last `size` sentences' vectors. A reply sentence is
    checked twice (the scripted reflector's own check, then the engine's before release) and
    each encode costs tens of milliseconds on a busy CPU; a repeat gets the same vector."""

    def __init__(self, encoder: Any, size: int = 256) -> None:
        self._encoder = encoder
        self._size = size
        self._vectors: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._lock = threading.Lock()  # worker threads share it

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Vectors for `texts`, one row each (the wrapped encoder's own output)."""
        texts = list(texts)
        with self._lock:
            known = {t: self._vectors[t] for t in texts if t in self._vectors}
            for text in known:
                self._vectors.move_to_end(text)
        missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = np.asarray(self._encoder.encode(missing), dtype=np.float32)
            with self._lock:
                for text, vector in zip(missing, fresh, strict=True):
                    known[text] = vector
                    self._vectors[text] = vector
                while len(self._vectors) > self._size:
                    self._vectors.popitem(last=False)
        return np.stack([known[t] for t in texts])


@lru_cache(maxsize=1)
def shared_encoder() -> Any:
    """The bundled multilingual encoder (screening's loader), loaded once per process."""
    from reflection.screening_model import load_encoder

    return RecentVectors(load_encoder(threads=1))


def embed(encoder: Any, texts: list[str]) -> NDArray[np.float64]:
    """Unit-length sentence vectors (the encoder's own output, renormalised for safety)."""
    vectors = np.asarray(encoder.encode(texts), dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return np.asarray(vectors / np.maximum(norms, 1e-9), dtype=np.float64)


@dataclass(frozen=True)
class ReplyModel:
    """Withholds a sentence when P(allow) falls under `threshold`, or, while P(allow) stays
    under MEMORY_MAX_ALLOW, when it sits nearer to labelled bad sentences than to good ones by
    more than `memory_threshold` (the memory layer: k nearest neighbours over the training
    sentences). It never allows anything."""

    weights: NDArray[np.float64]
    bias: NDArray[np.float64]
    classes: tuple[str, ...]
    threshold: float
    encoder: Any
    memory: NDArray[np.float32] | None = None
    memory_labels: NDArray[np.int64] | None = None
    memory_threshold: float = float("inf")

    @classmethod
    def load(cls, path: Path = WEIGHTS, *, encoder: Any = None) -> ReplyModel:
        """Load committed weights (see reflection/reply_embed_train.py for how they are made)."""
        with np.load(path, allow_pickle=False) as data:
            weights = np.asarray(data["weights"], dtype=np.float64)
            bias = np.asarray(data["bias"], dtype=np.float64)
            classes = tuple(str(c) for c in data["classes"])
            threshold = float(data["threshold"])
            memory = labels = None
            memory_threshold = float("inf")
            if "memory" in data.files:
                memory = np.asarray(data["memory"], dtype=np.float32) / MEMORY_SCALE
                labels = np.asarray(data["memory_labels"], dtype=np.int64)
                memory_threshold = float(data["memory_threshold"])
        return cls(weights, bias, classes, threshold,
                   encoder if encoder is not None else shared_encoder(),
                   memory, labels, memory_threshold)

    def _probabilities(self, vector: NDArray[np.float64]) -> dict[str, float]:
        logits = vector @ self.weights + self.bias
        exp = np.exp(logits - logits.max())
        probs = exp / exp.sum()
        return {name: float(p) for name, p in zip(self.classes, probs, strict=True)}

    def probabilities(self, sentence: str) -> dict[str, float]:
        """Class probabilities for one sentence."""
        return self._probabilities(embed(self.encoder, [sentence])[0])

    def _memory_reason(self, vector: NDArray[np.float64]) -> str | None:
        """The commonest class among the nearest bad neighbours when the margin is over."""
        if self.memory is None or self.memory_labels is None:
            return None
        sims = (self.memory @ vector.astype(np.float32)).astype(np.float64)[None, :]
        is_bad = self.memory_labels != 0
        if float(neighbour_margin(sims, is_bad)[0]) <= self.memory_threshold:
            return None
        bad_idx = np.flatnonzero(is_bad)
        nearest = bad_idx[np.argsort(sims[0, bad_idx])[-KNN_K:]]
        counts = np.bincount(self.memory_labels[nearest], minlength=len(self.classes))
        return self.classes[int(np.argmax(counts))]

    def withhold(self, sentence: str) -> str | None:
        """The most likely block reason when the sentence should be withheld, else None."""
        vector = embed(self.encoder, [sentence])[0]
        probs = self._probabilities(vector)
        if probs[ALLOW] >= MEMORY_MAX_ALLOW:
            return None
        if probs[ALLOW] >= self.threshold:
            return self._memory_reason(vector)
        return max((c for c in self.classes if c != ALLOW), key=lambda c: probs[c])
