"""voice.turn_words: how finished a (speculative) transcript sounds, English and Spanish."""

from __future__ import annotations

import pytest

from voice.turn_words import Completeness, completeness, is_backchannel, turn_words


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I have been feeling", "en"),
        ("My mother and I", "en"),
        ("The thing is", "en"),
        ("I went to the store and", "en"),
        ("I want to talk about my", "en"),
        ("I went to the, um", "en"),
        ("I don't know if...", "en"),
        ("Me siento triste porque", "es"),
        ("Lo que pasa es que", "es"),
        ("Fui a ver a mi madre y", "es"),
        ("Mi padre y yo", "es"),
        ("Quiero hablar de la", "es"),
    ],
)
def test_unfinished_phrase_endings(text: str, lang: str) -> None:
    assert completeness(text, lang) is Completeness.UNFINISHED


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("I have been feeling very tired at work this week.", "en"),
        ("I don't know.", "en"),
        ("My sister called me yesterday.", "en"),
        ("Hoy me siento muy cansada.", "es"),
        ("No sé qué decirle.", "es"),
    ],
)
def test_complete_sentences(text: str, lang: str) -> None:
    assert completeness(text, lang) is Completeness.COMPLETE


@pytest.mark.parametrize(("text", "lang"), [("Um.", "en"), ("Uh, um...", "en"), ("Este...", "es"),
                                            ("Eh.", "es"), ("Mm.", "en")])
def test_fillers_alone(text: str, lang: str) -> None:
    assert completeness(text, lang) is Completeness.FILLER


def test_words_that_may_end_a_sentence_ask_for_more_evidence() -> None:
    assert completeness("That is who I talk to", "en") is Completeness.MAYBE_UNFINISHED
    assert completeness("Creo que estoy", "es") is Completeness.MAYBE_UNFINISHED


def test_nothing_heard_is_empty() -> None:
    assert completeness("", "en") is Completeness.EMPTY
    assert completeness(" ... ", "es") is Completeness.EMPTY


def test_other_languages_use_the_english_lists() -> None:
    assert turn_words("fr") == turn_words("en")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Mm-hm.", "en"), ("Yeah.", "en"), ("Yeah, yeah.", "en"), ("Okay.", "en"), ("Uh-huh.", "en"),
     ("Ajá.", "es"), ("Sí.", "es"), ("Sí, sí.", "es"), ("Vale.", "es"), ("Yeah.", "es"),
     ("", "en")],
)
def test_backchannels(text: str, lang: str) -> None:
    assert is_backchannel(text, lang)


@pytest.mark.parametrize(
    ("text", "lang"),
    [("Wait, I want to say something.", "en"), ("No, stop.", "en"), ("I feel awful.", "en"),
     ("Quiero irme.", "es"), ("No, espera.", "es")],
)
def test_real_speech_is_not_a_backchannel(text: str, lang: str) -> None:
    assert not is_backchannel(text, lang)
