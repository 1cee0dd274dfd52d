"""A concern only a model layer saw, on a question about the tool, gets the true answer; the
crisis message does not thank the client twice after a check-in already did."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reflection.content_files import ContentStore
from reflection.engine import Conversation, ReflectionEngine
from reflection.events import CheckIn, CrisisTriggered, EngineEvent, ReplyDone, Screened
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel
from reflection.screening import RiskScreener


class ConcernedModel:
    """A fake model layer that reads every utterance as a level-1 concern."""

    def __init__(self, category: RiskCategory = RiskCategory.SUICIDE) -> None:
        self.category = category

    def classify(self, text: str, lang: str) -> RiskAssessment:
        return RiskAssessment(RiskLevel.CONCERN, frozenset({self.category}),
                              (Evidence(0, 0, "", "model.fake"),), lang)


def conversation(lang: str, *, model: bool,
                 category: RiskCategory = RiskCategory.SUICIDE) -> Conversation:
    store = ContentStore()
    screener = RiskScreener.load(store, classifier=ConcernedModel(category) if model else None)
    engine = ReflectionEngine.load(store)
    engine.screener = screener
    return engine.new_conversation(lang)


def events(conv: Conversation, text: str, lang: str) -> list[EngineEvent]:
    out: Iterator[EngineEvent] = conv.respond(text, lang)
    return list(out)


@pytest.mark.parametrize(("text", "lang"), [
    ("how long do you keep what I say?", "en"),
    ("¿cuánto tiempo guardan lo que escribo?", "es"),
])
def test_a_tool_question_only_the_model_flagged_gets_its_answer(text: str, lang: str) -> None:
    found = events(conversation(lang, model=True), text, lang)
    screened = next(e for e in found if isinstance(e, Screened))
    done = found[-1]
    assert isinstance(done, ReplyDone)
    assert screened.assessment.level == RiskLevel.CONCERN  # kept on the turn and the summary
    assert not any(isinstance(e, CheckIn) for e in found)
    assert done.responder != "check_in" and done.text


def test_rules_evidence_still_asks_the_check_in() -> None:
    # The rules read a passive death wish: a check-in, even inside a question about the tool.
    text = "will you tell anyone if I say I wish I could just disappear forever?"
    found = events(conversation("en", model=True), text, "en")
    assert any(isinstance(e, CheckIn) for e in found)


def test_the_crisis_after_a_check_in_does_not_thank_twice() -> None:
    # The model's concern opens the abuse check-in, which starts with the same thanks.
    conv = conversation("en", model=True, category=RiskCategory.ABUSED)
    first = events(conv, "my husband scares me when he drinks", "en")
    assert any(isinstance(e, CheckIn) for e in first)
    said_first = first[-1]
    assert isinstance(said_first, ReplyDone) and said_first.text.startswith("Thank you")
    crisis = events(conv, "I want to kill myself", "en")
    assert any(isinstance(e, CrisisTriggered) for e in crisis)
    done = crisis[-1]
    assert isinstance(done, ReplyDone) and done.crisis
    assert not done.text.startswith("Thank you for telling me.")
    assert "therapist" in done.text  # the notification itself is never dropped
