"""Risk levels, categories and the assessment produced by screening every client utterance."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum


class RiskLevel(IntEnum):
    """Clinical risk level; higher is more urgent (see docs/guardrails.md)."""

    NONE = 0
    CONCERN = 1  # passive death wish, hopelessness, past attempt, ambiguous
    HIGH = 2  # active ideation, current self-harm, intent to harm others, abuse/danger
    IMMINENT = 3  # plan, means, timeline, attempt in progress


class RiskCategory(StrEnum):
    """What the risk is about."""

    SUICIDE = "suicide"
    SELF_HARM = "self_harm"
    HARM_OTHERS = "harm_others"
    ABUSED = "abused"


@dataclass(frozen=True)
class Evidence:
    """A span of the original text that triggered a rule."""

    start: int
    end: int
    text: str
    rule: str


@dataclass(frozen=True)
class RiskAssessment:
    """The screening result for one utterance."""

    level: RiskLevel = RiskLevel.NONE
    categories: frozenset[RiskCategory] = field(default_factory=frozenset)
    evidence: tuple[Evidence, ...] = ()
    language: str = "en"

    @property
    def is_crisis(self) -> bool:
        """True when the crisis protocol must take over (level >= HIGH)."""
        return self.level >= RiskLevel.HIGH

    @property
    def model_only(self) -> bool:
        """True when only a model layer found risk: no rule, concept or context reading did."""
        return bool(self.evidence) and all(e.rule.startswith("model.") for e in self.evidence)

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready view (evidence spans included, for the therapist alert)."""
        return {
            "level": int(self.level),
            "categories": sorted(c.value for c in self.categories),
            "language": self.language,
            "evidence": [
                {"start": e.start, "end": e.end, "text": e.text, "rule": e.rule}
                for e in self.evidence
            ],
        }


NO_RISK = RiskAssessment()
