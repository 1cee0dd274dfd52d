"""Summaries a therapist can trust: self-feelings only, wants as focus, risk words kept."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.summary import ExtractiveSummarizer, TurnRecord


@pytest.fixture(scope="module")
def summarizer() -> ExtractiveSummarizer:
    return ExtractiveSummarizer(ContentStore())


def test_better_off_is_not_a_feeling(summarizer: ExtractiveSummarizer) -> None:
    turns = [TurnRecord(0, "Honestly everyone would be better off if I just wasn't here.",
                        level=1, categories=("suicide",))]
    summary = summarizer.summarize(turns, language="en")
    assert "better" not in {f.word for f in summary.feelings}
    assert summary.disclosures == [turns[0].text]  # the disclosure that matters is kept


def test_feelings_are_about_the_client(summarizer: ExtractiveSummarizer) -> None:
    turns = [TurnRecord(0, "My boss is always angry at everyone."),
             TurnRecord(1, "I feel so anxious before work.")]
    words = {f.word for f in summarizer.summarize(turns, language="en").feelings}
    assert "anxious" in words and "angry" not in words


def test_spanish_feelings_about_oneself(summarizer: ExtractiveSummarizer) -> None:
    turns = [TurnRecord(0, "La extraño mucho y me siento sola.", language="es"),
             TurnRecord(1, "Mi madre está triste.", language="es")]
    words = {f.word for f in summarizer.summarize(turns, language="es").feelings}
    assert "sola" in words and "triste" not in words


def test_wants_go_to_focus_not_feelings(summarizer: ExtractiveSummarizer) -> None:
    turns = [TurnRecord(0, "I want to sleep better and feel less tired.")]
    summary = summarizer.summarize(turns, language="en")
    assert "I want to sleep better" in summary.focus
    assert not any(f.word.startswith("I want") for f in summary.feelings)


def test_check_in_answer_and_questions_reach_the_summary() -> None:
    engine = ReflectionEngine.load(ContentStore())
    conversation = engine.new_conversation("en")
    list(conversation.respond("Sometimes I wish I could just disappear."))
    assert conversation.checked_in
    list(conversation.respond("No, I'm not going to do anything, I'm just so tired."))
    list(conversation.respond("Can you tell me if I'm depressed?"))
    list(conversation.respond("yes please"))
    summary = conversation.summary()
    assert "No, I'm not going to do anything, I'm just so tired." in summary.disclosures
    assert "Sometimes I wish I could just disappear." in summary.disclosures
    assert summary.questions == ["Can you tell me if I'm depressed?"]
