"""Compositions in honesty_examples.toml: expansion, no leak of evaluation lines, and the
retrained model on wordings that are in no set (plus hard negatives about people in a life)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from reflection.content_files import ContentStore
from reflection.honesty import HonestAnswers
from reflection.honesty_embed import MAX_COMPOSED, compose, examples

DATA = Path(__file__).resolve().parent.parent / "data"


def test_compose_joins_every_class_and_keeps_a_fixed_sample() -> None:
    spec = {"parts": [["is there", "is it"], ["", "really"], ["a person?", "a bot?"]], "keep": 3}
    first = compose(spec, "en:0:identity")
    assert first == compose(spec, "en:0:identity") and len(first) == 3
    full = compose({**spec, "keep": 99}, "x")
    assert sorted(full) == sorted(["is there a person?", "is there a bot?", "is it a person?",
                                   "is it a bot?", "is there really a person?",
                                   "is there really a bot?", "is it really a person?",
                                   "is it really a bot?"])
    big = {"parts": [[str(i) for i in range(20)], [str(i) for i in range(20)]], "keep": 500}
    assert len(compose(big, "y")) == MAX_COMPOSED


def test_composed_examples_are_no_evaluation_line() -> None:
    from rapidfuzz import fuzz

    listed = set()
    store = ContentStore()
    for lang in ("en", "es"):
        for name, items in store.load(lang, "honesty_examples").items():
            if isinstance(items, list) and name != "compose":
                listed |= {str(t) for t in items}
    composed = [t for t, _, _ in examples(store) if t not in listed]
    assert len(composed) > 500
    lines = []
    for path in sorted(DATA.glob("honesty_*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            lines += [r["text"].lower() for r in csv.DictReader(handle, delimiter="\t")]
    near = [(t, e) for t in composed for e in lines if fuzz.ratio(t.lower(), e) > 85]
    assert near == []


@pytest.fixture(scope="module")
def answers() -> HonestAnswers:
    return HonestAnswers(ContentStore())


@pytest.mark.parametrize(("text", "lang", "intent"), [
    ("is an actual person sat somewhere writing what you say to me", "en", "identity"),
    ("¿me responde una persona o lo genera un programa?", "es", "identity"),
    ("could my landlord ever get to read what I say in this", "en", "privacy"),
    ("¿mi suegra se podría enterar de algo de esto?", "es", "privacy"),
    ("does it save a recording of me talking", "en", "recording"),
    ("¿esto queda grabado cuando me levante?", "es", "recording"),
    ("I'd like this bit to stay between me and you, can it?", "en", "secret"),
])
def test_the_retrained_model_reads_new_wordings(answers: HonestAnswers, text: str, lang: str,
                                                intent: str) -> None:
    got = answers.intent(text, lang)
    assert got == intent or (intent == "recording" and got == "retention"), got


@pytest.mark.parametrize(("text", "lang"), [
    ("my uncle tapes every family dinner on his phone", "en"),
    ("my therapist keeps notes in a little red book", "en"),
    ("nobody in my flat ever hears me come in", "en"),
    ("mi cuñado guarda todos los audios que le mando", "es"),
    ("mi psicólogo anterior era muy buena persona", "es"),
    ("¿alguien en esta familia me hace caso alguna vez?", "es"),
])
def test_statements_about_people_in_a_life_ask_nothing(answers: HonestAnswers, text: str,
                                                       lang: str) -> None:
    assert answers.intent(text, lang) is None
