"""A risk alert as the therapist sees it, built from reflection's screening and crisis events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from models import content
from reflection.events import CrisisEventType, CrisisTriggered, Screened, crisis_level


@dataclass(frozen=True)
class RiskAlert:
    """What one alert says: urgent (crisis) or not (check-in), the level, what was heard."""

    urgent: bool
    level: int
    categories: tuple[str, ...]
    evidence: tuple[dict[str, str], ...]
    kiosk_name: str
    # The same on the live and the stored copy, so a dashboard can merge them.
    key: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def of(cls, crisis: CrisisEventType, screened: Screened | None, kiosk_name: str
           ) -> RiskAlert:
        """The alert for a crisis or check-in event and the screening before it."""
        assessment = screened.assessment if screened is not None else None
        evidence = tuple({"text": e.text, "rule": e.rule}
                         for e in (assessment.evidence if assessment is not None else ()))
        categories = tuple(sorted(str(c) for c in assessment.categories)) if assessment else ()
        return cls(urgent=isinstance(crisis, CrisisTriggered),
                   level=crisis_level(crisis, screened), categories=categories,
                   evidence=evidence, kiosk_name=kiosk_name)

    def data(self) -> dict[str, Any]:
        """The therapist event's data (live, unsaved copy)."""
        return {
            "alert_key": self.key,
            "urgent": self.urgent,
            "level": self.level,
            "categories": list(self.categories),
            "evidence": list(self.evidence),
            "trigger_words": sorted({e["text"] for e in self.evidence if e["text"]}),
            "kiosk_name": self.kiosk_name,
        }

    def save(self, db: Session, session_id: uuid.UUID) -> str:
        """Store the alert; returns its id."""
        row = content.raise_alert(
            db, session_id=session_id, level=self.level, categories=self.categories,
            urgent=self.urgent, evidence=list(self.evidence),
        )
        return str(row.id)
