"""The extractive summary keeps self-evaluations, hopeless words, and wants in the focus."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.summary import ExtractiveSummarizer, TurnRecord, focus_text
from tests.unit.test_scripted_listening import SIX


@pytest.fixture(scope="module")
def summarizer() -> ExtractiveSummarizer:
    return ExtractiveSummarizer(ContentStore())


@pytest.mark.parametrize(("lang", "expected", "focus"), [
    ("en", {"anxious", "not good enough", "pointless"},
     "I want to talk about my mom today; I want to feel more confident"),
    ("es", {"ansiosa", "no soy suficiente", "no tiene sentido"},
     "quiero hablar de mi mamá; Quiero sentirme más segura"),
])
def test_six_turns_without_a_focus_question(
    summarizer: ExtractiveSummarizer, lang: str, expected: set[str], focus: str
) -> None:
    turns = [TurnRecord(i, t, language=lang) for i, t in enumerate(SIX[lang])]
    summary = summarizer.summarize(turns, language=lang)
    words = {f.word for f in summary.feelings}
    assert expected <= words, words
    said = " ".join(SIX[lang])
    assert all(w in said for w in words)  # every entry is the client's own words
    # An explicit "I want to talk about..." is the focus; wants follow it (issue 12: wants
    # are not feelings).
    assert summary.focus == focus
    assert not any(w.word.lower().startswith(("i want", "quiero")) for w in summary.feelings)
    assert summary.themes[:2] == (["family", "work"] if lang == "en" else ["familia", "trabajo"])
    assert any("not good enough" in p or "no soy suficiente" in p for p in summary.key_phrases)


def test_focus_answer_comes_first_then_statements(summarizer: ExtractiveSummarizer) -> None:
    turns = [
        TurnRecord(0, "I'd like to talk about my sister at some point."),
        TurnRecord(1, "Work is exhausting."),
        TurnRecord(2, "Mostly my boss, I think.", is_focus=True),
    ]
    summary = summarizer.summarize(turns, language="en")
    assert summary.focus == ("Mostly my boss, I think.; "
                             "I'd like to talk about my sister at some point")
    assert focus_text(turns) == "Mostly my boss, I think."  # the focus answer alone


def test_negated_and_harmful_wants_are_not_listed(summarizer: ExtractiveSummarizer) -> None:
    turns = [TurnRecord(0, "I don't want to talk about my dad."),
             TurnRecord(1, "I want to punch him sometimes.")]
    summary = summarizer.summarize(turns, language="en")
    assert summary.focus == ""
    assert not any("punch" in f.word for f in summary.feelings)


def test_self_evaluation_intensity(summarizer: ExtractiveSummarizer) -> None:
    summary = summarizer.summarize([TurnRecord(0, "I'm really a failure, honestly.")],
                                   language="en")
    assert {f.word: f.intensity for f in summary.feelings}["a failure"] == "high"
