"""Screen what the client probably said, not only what the recogniser printed (raise-only).

When speech recognition was unsure it hands over other plausible readings of the same audio
(another decode, the beam's other hypotheses). Each is screened, and so is each reading with
known recogniser confusions of risk words put back ("I want tonight" -> "I want to die",
from `content/<lang>/confusions.toml`). The highest level wins; an alternative can only add a
check-in or an alert, never remove one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reflection.content_files import ContentStore, base_language
from reflection.risk import RiskAssessment

MAX_READINGS = 12  # bounds the screening work per utterance


@dataclass(frozen=True)
class Confusion:
    """A phrase the recogniser prints for a risk phrase it misheard."""

    heard: re.Pattern[str]
    meant: str


def load_confusions(store: ContentStore, lang: str | None) -> tuple[Confusion, ...]:
    """The confusions listed for a language (content file `confusions.toml`)."""
    data = store.load(base_language(lang), "confusions")
    return tuple(
        Confusion(re.compile(rf"\b{re.escape(str(row['heard']))}\b", re.IGNORECASE),
                  str(row["meant"]))
        for row in data.get("confusion", ())
    )


def readings(text: str, alternatives: Sequence[str],
             confusions: Sequence[Confusion] = ()) -> tuple[str, ...]:
    """Distinct other readings: the alternatives, then confusions put back in each."""
    seen = {text.strip().lower()}
    out: list[str] = []
    for candidate in (text, *alternatives):
        for variant in (candidate, *_confused(candidate, confusions)):
            key = variant.strip().lower()
            if key and key not in seen:
                seen.add(key)
                out.append(variant)
    return tuple(out[:MAX_READINGS])


def _confused(text: str, confusions: Sequence[Confusion]) -> list[str]:
    return [c.heard.sub(c.meant, text) for c in confusions if c.heard.search(text)]


def screen_with_alternatives(
    screen_fn: Callable[[str], RiskAssessment], text: str, alternatives: Sequence[str],
    *, confusions: Sequence[Confusion] = (), primary: RiskAssessment | None = None,
) -> RiskAssessment:
    """The highest-level assessment of `text` and its other readings (`text` wins ties)."""
    return best_reading(screen_fn, text, alternatives, confusions=confusions,
                        primary=primary)[0]


def best_reading(
    screen_fn: Callable[[str], RiskAssessment], text: str, alternatives: Sequence[str],
    *, confusions: Sequence[Confusion] = (), primary: RiskAssessment | None = None,
) -> tuple[RiskAssessment, bool]:
    """As `screen_with_alternatives`, plus whether another reading raised the level."""
    best = primary if primary is not None else screen_fn(text)
    raised = False
    for reading in readings(text, alternatives, confusions):
        assessment = screen_fn(reading)
        if assessment.level > best.level:
            best, raised = assessment, True
    return best, raised
