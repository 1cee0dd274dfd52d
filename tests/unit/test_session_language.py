"""Session language: short turns never flip it; clear turns do; the model is asked in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import ReplyDone
from reflection.language_id import LanguageScorer, SessionLanguage
from reflection.responders.base import ReplyRequest


@pytest.fixture(scope="module")
def scorer() -> LanguageScorer:
    return LanguageScorer.load(ContentStore())


@pytest.mark.parametrize("turn", ["No puedo dormir", "ok", "gracias", "I can't sleep"])
def test_short_turns_keep_a_spanish_session(scorer: LanguageScorer, turn: str) -> None:
    assert SessionLanguage(scorer, "es").observe(turn) == "es"


def test_a_clear_long_turn_switches_the_session(scorer: LanguageScorer) -> None:
    session = SessionLanguage(scorer, "en")
    assert session.observe("No puedo dormir") == "en"
    assert session.observe("Estoy muy cansada y no puedo dormir por el trabajo") == "es"
    assert session.observe("ok thanks") == "es"


def test_auto_takes_the_first_turn_with_evidence(scorer: LanguageScorer) -> None:
    session = SessionLanguage(scorer, "en", decided=False)
    assert session.observe("ok") == "en" and not session.decided
    assert session.observe("No puedo dormir") == "es" and session.decided


class _Recorder:
    """A responder that records the language it was asked in."""

    name = "recorder"

    def __init__(self) -> None:
        self.languages: list[str] = []

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        self.languages.append(request.language)
        yield "Parece que te cuesta descansar." if request.language == "es" else "That sounds hard."


def test_the_model_is_prompted_in_the_session_language() -> None:
    recorder = _Recorder()
    engine = ReflectionEngine.load(ContentStore(), responder=recorder)
    conversation = engine.new_conversation("es")
    done = [e for e in conversation.respond("No puedo dormir") if isinstance(e, ReplyDone)]
    assert recorder.languages == ["es"] and done[0].language == "es"
    assert done[0].text == "Parece que te cuesta descansar."
