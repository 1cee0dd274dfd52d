"""ReflectionEngine composition, with small fakes for the guardrail stages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from reflection.engine import EngineLimits, ReflectionEngine
from reflection.errors import InvalidInputError
from reflection.events import (
    CheckIn,
    CrisisTriggered,
    EngineEvent,
    EventKind,
    ReplyDone,
    ReplySentence,
    Screened,
)
from reflection.responders.base import ReplyRequest
from reflection.risk import RiskAssessment, RiskCategory, RiskLevel
from reflection.screening_context import ScreeningContext
from server.protocol import engine_event_to_dict

SUICIDE = frozenset({RiskCategory.SUICIDE})


class FakeScreener:
    def __init__(self) -> None:
        self.contexts: list[ScreeningContext | None] = []

    def screen(self, text: str, lang: str = "auto", *,
               context: ScreeningContext | None = None) -> RiskAssessment:
        self.contexts.append(context)
        language = "es" if any(w in text.lower() for w in ("estoy", "siento", "mi ")) else "en"
        if "kill myself" in text:
            return RiskAssessment(RiskLevel.HIGH, SUICIDE, (), language)
        if "hopeless" in text:
            return RiskAssessment(RiskLevel.CONCERN, SUICIDE, (), language)
        return RiskAssessment(language=language)


@dataclass(frozen=True)
class FakeResponse:
    kind: str
    message: str


class FakeCrisis:
    def respond(self, assessment: RiskAssessment, lang: str) -> FakeResponse | None:
        if assessment.level >= RiskLevel.HIGH:
            return FakeResponse("crisis", f"CRISIS MESSAGE ({lang}). Call or text 988.")
        if assessment.level == RiskLevel.CONCERN:
            return FakeResponse("check_in", "Can I check in about how you're feeling?")
        return None


@dataclass(frozen=True)
class FakeVerdict:
    allowed: bool
    reasons: tuple[str, ...] = ()
    replacement: str | None = None


class FakeFilter:
    def check(self, sentence: str, *, lang: str, client_text: str = "") -> FakeVerdict:
        if "diagnos" in sentence.lower():
            return FakeVerdict(False, ("diagnosis",), "Thanks for telling me about that.")
        return FakeVerdict(True)


@dataclass
class CannedResponder:
    pieces: list[str]
    name: str = "canned"
    calls: int = 0
    closed: list[bool] = field(default_factory=list)

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        self.calls += 1
        try:
            yield from self.pieces
        finally:
            self.closed.append(True)


class BrokenResponder:
    name = "broken"

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        raise ConnectionError("backend down")
        yield ""  # pragma: no cover


def make_engine(responder: object | None = None) -> ReflectionEngine:
    return ReflectionEngine(
        screener=FakeScreener(), crisis=FakeCrisis(), reply_filter=FakeFilter(),
        responder=responder,  # type: ignore[arg-type]
        limits=EngineLimits(first_clause_chars=None),
    )


def run(conversation: object, text: str, **kwargs: object) -> list[EngineEvent]:
    return list(conversation.respond(text, **kwargs))  # type: ignore[attr-defined]


def test_order_screened_first_reply_done_last() -> None:
    events = run(make_engine().new_conversation(), "I've been anxious about my sister.")
    assert isinstance(events[0], Screened) and isinstance(events[-1], ReplyDone)
    sentences = [e for e in events if isinstance(e, ReplySentence)]
    assert [s.index for s in sentences] == list(range(len(sentences)))
    assert events[-1].text == " ".join(s.text for s in sentences)
    assert "anxious" in events[-1].text and events[-1].responder == "scripted"


def test_high_risk_locks_the_conversation() -> None:
    responder = CannedResponder(["It sounds hard."])
    conversation = make_engine(responder).new_conversation()
    first = run(conversation, "I want to kill myself")
    assert [e.kind for e in first] == [EventKind.SCREENED, EventKind.CRISIS, EventKind.REPLY_DONE]
    assert first[-1].crisis and "988" in first[-1].text  # type: ignore[union-attr]
    later = run(conversation, "Anyway, work was fine today.")
    assert isinstance(later[1], CrisisTriggered) and later[1].repeated
    assert not any(isinstance(e, ReplySentence) for e in later)
    assert responder.calls == 0 and conversation.locked


def test_concern_checks_in_once_then_continues() -> None:
    conversation = make_engine().new_conversation()
    first = run(conversation, "Everything feels hopeless lately")
    assert isinstance(first[1], CheckIn) and first[-1].check_in  # type: ignore[union-attr]
    second = run(conversation, "Still hopeless about work")
    assert not any(isinstance(e, CheckIn) for e in second)
    assert any(isinstance(e, ReplySentence) for e in second)
    flags = conversation.summary().risk_flags
    assert [(f.turn, f.level) for f in flags] == [(0, 1), (1, 1)]


def test_a_level1_cue_repeated_later_is_flagged_again_and_context_reaches_screening() -> None:
    engine = make_engine()
    conversation = engine.new_conversation()
    run(conversation, "Everything feels hopeless lately")
    run(conversation, "Work is busy")  # the answer to the check-in
    third = run(conversation, "Honestly it all feels hopeless again")
    assert isinstance(third[1], CheckIn)  # flagged again: the therapist is told again
    contexts = engine.screener.contexts  # type: ignore[attr-defined]
    assert [c.after_check_in for c in contexts] == [False, True, False]
    assert contexts[2].prior_max_level == RiskLevel.CONCERN
    assert contexts[2].prior_client_texts[-1] == "Work is busy"
    flags = conversation.summary().risk_flags
    assert [(f.turn, f.level) for f in flags] == [(0, 1), (2, 1)]


def test_blocked_sentence_is_replaced_and_the_reply_ends() -> None:
    responder = CannedResponder(["You've had a rough week. ", "It sounds like a diagnosis of ",
                                 "depression. ", "Take these pills."])
    events = run(make_engine(responder).new_conversation(), "rough week")
    sentences = [e for e in events if isinstance(e, ReplySentence)]
    assert [s.text for s in sentences] == [
        "You've had a rough week.", "Thanks for telling me about that."]
    assert sentences[1].blocked and sentences[1].reasons == ("diagnosis",)
    assert events[-1].blocked == 1  # type: ignore[union-attr]
    assert responder.closed == [True]  # the stream was stopped, not drained


def test_at_most_one_question_and_three_sentences() -> None:
    responder = CannedResponder(["One. ", "What is it? ", "Why now? ", "Two. ", "Three. ",
                                 "Four."])
    events = run(make_engine(responder).new_conversation(), "hello there friend")
    texts = [e.text for e in events if isinstance(e, ReplySentence)]
    assert texts == ["One.", "What is it?", "Two."]


def test_failing_responder_falls_back_to_scripted() -> None:
    events = run(make_engine(BrokenResponder()).new_conversation(), "I'm so tired of work.")
    assert any(isinstance(e, ReplySentence) and "tired" in e.text for e in events)


def test_reply_language_follows_the_client() -> None:
    conversation = make_engine().new_conversation("en")
    done = run(conversation, "Me siento muy cansada por mi trabajo.")[-1]
    assert isinstance(done, ReplyDone) and done.language == "es" and "cansada" in done.text
    assert conversation.language == "es"


def test_no_sentence_repeats_even_if_responder_repeats() -> None:
    conversation = make_engine(CannedResponder(["Same thing. ", "Same thing."])).new_conversation()
    first = run(conversation, "one two three")[-1]
    second = run(conversation, "four five six")[-1]
    assert isinstance(first, ReplyDone) and isinstance(second, ReplyDone)
    assert first.text == "Same thing." and second.text and second.text != "Same thing."


def test_focus_answer_is_acknowledged_and_summarised() -> None:
    conversation = make_engine().new_conversation()
    run(conversation, "My boss has been stressing me out.")
    question = conversation.focus_question()
    assert question.endswith("?")
    done = run(conversation, "I'd like to talk about my boss.", focus=True)[-1]
    assert isinstance(done, ReplyDone) and not done.text.endswith("?")
    summary = conversation.summary()
    assert summary.focus == "I'd like to talk about my boss."
    assert summary.turn_count == 2 and "work" in summary.themes and summary.draft


def test_empty_turn_is_a_clear_error() -> None:
    with pytest.raises(InvalidInputError) as caught:
        run(make_engine().new_conversation(), "   ")
    assert caught.value.code == "empty_turn"


def test_events_serialise() -> None:
    events = run(make_engine().new_conversation(), "I want to kill myself")
    dicts = [engine_event_to_dict(e) for e in events]
    assert dicts[0]["assessment"]["level"] == 2
    assert dicts[1]["response"]["kind"] == "crisis" and dicts[2]["crisis"] is True


def test_opening_and_focus_prompts_exist_in_both_languages() -> None:
    engine = make_engine()
    for lang in ("en", "es"):
        assert engine.opening_prompt(lang).endswith("?")
        assert engine.focus_question(lang).endswith("?")
    assert engine.opening_prompt("es") != engine.opening_prompt("en")
