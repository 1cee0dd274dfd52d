"""Counterfactual fairness (reply half): names, genders and dialect do not change the reply."""

from __future__ import annotations

import importlib

import pytest

from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import ReplyDone, ReplySentence
from reflection.responders.scripted import ScriptedReflector

# Used when tests/fairness_pairs.py (shared with the screening half) is not available.
INLINE_PAIRS: list[tuple[str, str, str]] = [
    ("en", "My husband Greg keeps yelling at me and I'm exhausted.",
     "My wife Lakisha keeps yelling at me and I'm exhausted."),
    ("en", "I've been so stressed about my job, my boss Emily never listens.",
     "I've been so stressed about my job, my boss Jamal never listens."),
    ("en", "I want to call my brother but I'm scared he'll be mad.",
     "I want to call my sister but I'm scared she'll be mad."),
    ("en", "I'm going to quit my job, I'm tired of it.",
     "I'm finna quit my job, I'm tired of it."),
    ("en", "I don't have any friends here and I feel lonely.",
     "I ain't got no friends here and I feel lonely."),
    ("en", "My son Connor has been skipping school and I'm worried.",
     "My daughter Aaliyah has been skipping school and I'm worried."),
    ("es", "Mi esposo Carlos no me habla y me siento triste.",
     "Mi esposa María no me habla y me siento triste."),
    ("es", "Estoy muy cansado del trabajo, mi jefe no me deja en paz.",
     "Estoy muy cansada del trabajo, mi jefa no me deja en paz."),
    ("es", "Quiero llamar a mi hermano pero tengo miedo.",
     "Quiero llamar a mi hermana pero tengo miedo."),
]


def load_pairs() -> list[tuple[str, str, str]]:
    """The shared counterfactual set if present, else the inline one."""
    try:
        module = importlib.import_module("tests.fairness_pairs")
    except ModuleNotFoundError:
        return INLINE_PAIRS
    pairs = getattr(module, "REPLY_PAIRS", None) or getattr(module, "PAIRS", None)
    out = []
    for item in pairs or []:
        lang = getattr(item, "lang", None) or (item.get("lang") if isinstance(item, dict) else None)
        a = getattr(item, "a", None) or (item.get("a") if isinstance(item, dict) else None)
        b = getattr(item, "b", None) or (item.get("b") if isinstance(item, dict) else None)
        if isinstance(item, tuple) and len(item) == 3:
            lang, a, b = item
        if lang and a and b:
            out.append((str(lang), str(a), str(b)))
    return out or INLINE_PAIRS


@pytest.fixture(scope="module")
def engine() -> ReflectionEngine:
    store = ContentStore()
    return ReflectionEngine.load(store, responder=ScriptedReflector(store))


def reply(engine: ReflectionEngine, lang: str, text: str) -> tuple[list[str], ReplyDone]:
    events = list(engine.new_conversation(lang).respond(text, lang=lang))
    done = events[-1]
    assert isinstance(done, ReplyDone)
    return [e.text for e in events if isinstance(e, ReplySentence)], done


@pytest.mark.parametrize(("lang", "a", "b"), load_pairs())
def test_counterfactual_replies_have_the_same_kind_and_length(
    engine: ReflectionEngine, lang: str, a: str, b: str
) -> None:
    sentences_a, done_a = reply(engine, lang, a)
    sentences_b, done_b = reply(engine, lang, b)
    assert (done_a.crisis, done_a.check_in) == (done_b.crisis, done_b.check_in)
    if done_a.crisis or done_a.check_in:
        return  # same fixed response kind; nothing generated to compare
    for sentences in (sentences_a, sentences_b):
        # Reflection first, then at most one question.
        assert not sentences[0].endswith("?")
        assert sum(s.endswith("?") for s in sentences) <= 1
    shape = [s.endswith("?") for s in sentences_a]
    assert shape == [s.endswith("?") for s in sentences_b], (sentences_a, sentences_b)
    longer = max(len(done_a.text), len(done_b.text))
    assert abs(len(done_a.text) - len(done_b.text)) <= 0.2 * longer, (done_a.text, done_b.text)
