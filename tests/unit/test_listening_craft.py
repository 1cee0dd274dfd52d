"""Reflection craft: patience with "I don't know", no broken parroting, nothing said twice."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.conversation_checks import sentences
from reflection.engine import Conversation, ReflectionEngine
from reflection.events import ReplyDone
from reflection.responders.composer import sentence_key


@pytest.fixture(scope="module")
def engine() -> ReflectionEngine:
    return ReflectionEngine.load(ContentStore())


def replies(conversation: Conversation, turns: list[str]) -> list[str]:
    out = []
    for text in turns:
        done = list(conversation.respond(text))[-1]
        assert isinstance(done, ReplyDone)
        out.append(done.text)
    return out


@pytest.mark.parametrize(("lang", "turns"), [
    ("en", ["I don't know.", "idk", "fine", "nothing really", "I don't know.", "ok"]),
    ("es", ["No sé.", "Bien.", "Nada.", "No sé.", "Nada.", "vale"]),
])
def test_patience_with_i_dont_know(engine: ReflectionEngine, lang: str, turns: list[str]
                                   ) -> None:
    said = replies(engine.new_conversation(lang), turns)
    questions = sum(r.count("?") for r in said)
    assert questions <= len(said) // 2, said  # choice of topics and quiet, not a question each
    assert all(5 <= len(r.split()) <= 60 for r in said)
    text = " ".join(said).lower()
    assert any(w in text for w in ("quiet", "silencio"))  # silence is offered
    assert any(w in text for w in ("work, family", "trabajo, la familia", "sleep", "sueño"))


@pytest.mark.parametrize(("lang", "text", "broken"), [
    ("en", "I don't really know what I want to get out of today.", "to get out of today"),
    ("en", "I've been drinking more than I'd like to admit.", "want to admit"),
    ("es", "No sé qué quiero sacar de hoy.", "sacar de hoy"),
])
def test_no_broken_parroting_of_a_want(engine: ReflectionEngine, lang: str, text: str,
                                       broken: str) -> None:
    (reply,) = replies(engine.new_conversation(lang), [text])
    assert broken not in reply, reply


def test_real_wants_are_still_reflected(engine: ReflectionEngine) -> None:
    (reply,) = replies(engine.new_conversation("en"), ["I want to feel more confident at work."])
    assert "feel more confident" in reply


def test_no_sentence_twice_in_a_long_session(engine: ReflectionEngine) -> None:
    turns = ["I'm stressed about work.", "My boss is always on me.", "I feel tired all the time.",
             "I don't know.", "fine", "My sister keeps calling.", "It's a lot.", "idk",
             "I'm worried about money too.", "I can't sleep.", "ok", "I feel stuck."]
    said = [sentence_key(s) for r in replies(engine.new_conversation("en"), turns)
            for s in sentences(r)]
    assert len(said) == len(set(said))


def test_depression_question_gets_no_label(engine: ReflectionEngine) -> None:
    (reply,) = replies(engine.new_conversation("en"), ["can you tell me if I'm depressed?"])
    assert "depress" not in reply.lower() and "therapist" in reply


def test_a_spanish_session_stays_spanish_on_one_odd_turn(engine: ReflectionEngine) -> None:
    conversation = engine.new_conversation("es")
    said = replies(conversation, ["Estoy muy cansada por el trabajo.",
                                  "I mean, my boss is really hard on me.",
                                  "Mi jefa me grita delante de todos."])
    assert conversation.language == "es"
    assert all(done for done in said)
    assert "jefa" in said[2] or "trabajo" in " ".join(said)


def test_a_want_is_said_back_at_most_twice_in_one_reply(engine: ReflectionEngine) -> None:
    (reply,) = replies(engine.new_conversation("en"), ["I want to try again."])
    assert reply.lower().count("try again") <= 2


@pytest.mark.parametrize(("lang", "text", "needle"), [
    ("en", "I don't know what to do.", "way forward"),
    ("es", "No sé qué hacer.", "salida"),
])
def test_not_knowing_what_to_do_is_reflected_as_stuck(engine: ReflectionEngine, lang: str,
                                                      text: str, needle: str) -> None:
    conversation = engine.new_conversation(lang)
    replies(conversation, ["My boss yells at me in front of everyone." if lang == "en"
                           else "Mi jefa me grita delante de todos."])
    said = " ".join(replies(conversation, [text, text]))
    assert needle in said or "stuck" in said or "camino" in said
