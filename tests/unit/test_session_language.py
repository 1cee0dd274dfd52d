"""Session language: short turns never flip it, the model is asked in it; others flagged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import ReplyDone
from reflection.language_id import LanguageScorer
from reflection.responders.base import ReplyRequest


@pytest.fixture(scope="module")
def scorer() -> LanguageScorer:
    return LanguageScorer.load(ContentStore())


@pytest.mark.parametrize("turn", ["No puedo dormir", "ok", "gracias"])
def test_short_turns_keep_a_spanish_session(turn: str) -> None:
    recorder = _Recorder()
    engine = ReflectionEngine.load(ContentStore(), responder=recorder)
    conversation = engine.new_conversation("es")
    list(conversation.respond(turn))
    assert recorder.languages == ["es"]


@pytest.mark.parametrize(
    ("sentence", "session", "blocked"),
    [("That sounds really painful.", "es", True), ("I see.", "es", True),
     ("You said \"no puedo más\", and that sounds exhausting.", "en", False),
     ("Parece que te cuesta descansar.", "es", False)],
)
def test_scorer_flags_replies_clearly_in_another_language(
    scorer: LanguageScorer, sentence: str, session: str, blocked: bool
) -> None:
    assert (scorer.clearly_other(sentence, session, ignore="no puedo más") is not None) is blocked


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
