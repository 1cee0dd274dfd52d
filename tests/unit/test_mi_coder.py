"""The rule-based MI coder on hand-coded examples (codes agreed by reading MITI 4.2)."""

from __future__ import annotations

import pytest

from reflection.conversation_checks import Reply, Run
from reflection.mi_coder import code_reply, code_run, code_sentence, total

CLIENT = "I've been really stressed about work and I can't sleep."


@pytest.mark.parametrize(("sentence", "lang", "code"), [
    ("What's been the hardest part of your week?", "en", "open_question"),
    ("If you picked one word for today, what would it be?", "en", "open_question"),
    ("Would you like to try a short exercise?", "en", "closed_question"),
    ("¿Cómo ha sido tu semana?", "es", "open_question"),
    ("Si eligieras una palabra para hoy, ¿cuál sería?", "es", "open_question"),
    ("¿Quieres que lo añada a tu resumen?", "es", "closed_question"),
    ("It takes courage to put that into words.", "en", "affirmation"),
    ("Hace falta valor para decir eso.", "es", "affirmation"),
    ("You've been stressed about work.", "en", "simple_reflection"),
    ("It sounds like you've been running on empty.", "en", "complex_reflection"),
    ("Part of you wants to rest, and part of you feels you should keep going.", "en",
     "complex_reflection"),
    ("I'm a computer program, not a person and not a therapist.", "en", "other"),
    ("Thank you for sharing that.", "en", "other"),
])
def test_hand_coded_sentences(sentence: str, lang: str, code: str) -> None:
    assert code_sentence(sentence, CLIENT, lang) == code


def test_a_reply_is_coded_sentence_by_sentence() -> None:
    coded = code_reply("You've been stressed about work. What helps, even a little?", CLIENT)
    assert [c.code for c in coded] == ["simple_reflection", "open_question"]


def test_figures_per_conversation_and_over_a_set() -> None:
    run = Run("x", "en", [
        Reply(0, CLIENT, "You've been stressed about work. What tends to bring that on?"),
        Reply(1, "My boss yells.", "It sounds like something about this feels unfair."),
        Reply(2, "I want to die.", "Thank you for telling me. Call 988.", crisis=True),
        Reply(3, "are you real?", "I'm a computer program. Whenever you're ready, tell me "
              "what's on your mind today.", responder="honesty"),
    ])
    figures = code_run(run)
    assert figures.reflections == 2 and figures.questions == 1  # crisis text is not coded
    assert figures.r_to_q == 2.0 and figures.complex_share == 0.5
    assert figures.counts["other"] == 2  # fixed information about the tool
    both = total([figures, figures])
    assert both.reflections == 4 and both.r_to_q == 2.0
