"""SentenceSplitter: incremental, abbreviation-aware, Spanish-aware sentence boundaries."""

from __future__ import annotations

import pytest

from reflection.sentences import SentenceSplitter


def split_streamed(text: str, step: int, **kwargs: int | None) -> list[str]:
    splitter = SentenceSplitter(**kwargs)  # type: ignore[arg-type]
    out: list[str] = []
    for i in range(0, len(text), step):
        out += splitter.feed(text[i : i + step])
    return out + splitter.flush()


@pytest.mark.parametrize("step", [1, 3, 1000])
def test_abbreviations_decimals_and_ellipses_do_not_end_sentences(step: int) -> None:
    text = "Dr. Lee said it was 3.5 hours, e.g. most of the day. That's long! Well... maybe not."
    assert split_streamed(text, step) == [
        "Dr. Lee said it was 3.5 hours, e.g. most of the day.",
        "That's long!",
        "Well... maybe not.",
    ]


def test_spanish_inverted_marks_start_new_sentences() -> None:
    text = "Entiendo. ¿Cómo te sientes hoy? ¡Qué semana! Por ej. el trabajo."
    assert split_streamed(text, 2) == [
        "Entiendo.", "¿Cómo te sientes hoy?", "¡Qué semana!", "Por ej. el trabajo.",
    ]


def test_sentence_is_released_only_once_the_next_one_begins() -> None:
    splitter = SentenceSplitter()
    assert splitter.feed("You've been feeling tired.") == []
    assert splitter.feed(" What") == ["You've been feeling tired."]
    assert splitter.flush() == ["What"]


def test_long_first_sentence_is_cut_at_a_clause() -> None:
    text = ("It sounds like you've been carrying a great deal lately, between work and your "
            "sister and everything at home. What matters most?")
    out = split_streamed(text, 4, first_clause_chars=60)
    assert out[0] == "It sounds like you've been carrying a great deal lately,"
    assert out[1:] == ["between work and your sister and everything at home.", "What matters most?"]
    assert split_streamed(text, 4, first_clause_chars=None)[0].endswith("at home.")
