"""Screening other readings of unsure speech: raise-only, confusions from the content files."""

from __future__ import annotations

import pytest

from reflection.alternatives import (
    MAX_READINGS,
    best_reading,
    load_confusions,
    readings,
    screen_with_alternatives,
)
from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import CrisisTriggered, Screened
from reflection.risk import RiskLevel
from reflection.screening import RiskScreener

STORE = ContentStore()
SCREENER = RiskScreener.load(STORE)


def screen_en(text: str):  # type: ignore[no-untyped-def]
    return SCREENER.screen(text, "en")


def test_an_alternative_reading_raises_the_level() -> None:
    assessment, raised = best_reading(screen_en, "I want tonight.", ["I want to die."])
    assert raised and assessment.level >= RiskLevel.HIGH


def test_alternatives_never_lower_the_level() -> None:
    text = "I want to die."
    assessment = screen_with_alternatives(screen_en, text, ["I want tonight.", "I want toys."])
    assert assessment == screen_en(text)
    _, raised = best_reading(screen_en, text, ["I want to kill myself."])
    assert not raised  # same level: the heard text's own assessment is kept


def test_known_confusions_are_put_back_only_where_they_occur() -> None:
    confusions = load_confusions(STORE, "en")
    assert "I want to die." in readings("I want tonight.", [], confusions)
    assert readings("I feel fine today.", [], confusions) == ()
    assessment, raised = best_reading(screen_en, "I want tonight.", ["I want tonight."],
                                      confusions=confusions)
    assert raised and assessment.level >= RiskLevel.HIGH


def test_spanish_confusions_exist_and_apply() -> None:
    confusions = load_confusions(STORE, "es")
    assert confusions
    assessment, raised = best_reading(lambda t: SCREENER.screen(t, "es"), "Me quiero mover.",
                                      ["Me quiero mover."], confusions=confusions)
    assert raised and assessment.level >= RiskLevel.HIGH


def test_readings_are_distinct_and_bounded() -> None:
    many = [f"reading number {n}" for n in range(40)]
    out = readings("reading number 0", [*many, "Reading number 1"], ())
    assert len(out) == MAX_READINGS and len(set(map(str.lower, out))) == len(out)
    assert "reading number 0" not in out


@pytest.mark.parametrize("alternatives", [(), ("I feel okay.",)])
def test_engine_respond_screens_heard_alternatives(alternatives: tuple[str, ...]) -> None:
    conversation = ReflectionEngine.load().new_conversation("en")
    events = list(conversation.respond("I want tonight.", "en",
                                       heard_alternatives=(*alternatives, "I want to die.")))
    screened = next(e for e in events if isinstance(e, Screened))
    assert screened.assessment.level >= RiskLevel.HIGH
    assert any(isinstance(e, CrisisTriggered) for e in events)
    assert conversation.alternative_raises == 1


def test_engine_without_alternatives_is_unchanged() -> None:
    conversation = ReflectionEngine.load().new_conversation("en")
    events = list(conversation.respond("I want tonight.", "en"))
    screened = next(e for e in events if isinstance(e, Screened))
    assert screened.assessment.level == RiskLevel.NONE
    assert conversation.alternative_raises == 0
