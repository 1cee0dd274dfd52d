"""Who writes the replies is asked as an identity question; reading, or someone writing
something else, is not (reflection/intents.py `question_pairs`, content/*/honesty.toml)."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.honesty import HonestAnswers


@pytest.fixture(scope="module")
def answers() -> HonestAnswers:
    return HonestAnswers(ContentStore())


@pytest.mark.parametrize(("text", "lang"), [
    ("is a volunteer in another room typing this to me?", "en"),
    ("be straight with me, does an employee come up with these answers", "en"),
    ("so who is typing right now", "en"),
    ("¿una enfermera me está escribiendo desde otra sala?", "es"),
    ("¿el personal escribe estas respuestas o sale solo?", "es"),
    ("¿quién teclea lo que me sale en la pantalla?", "es"),
])
def test_a_question_about_who_writes_the_replies_gets_the_disclosure(
    answers: HonestAnswers, text: str, lang: str
) -> None:
    assert answers.intent(text, lang) in {"identity", "purpose"}


@pytest.mark.parametrize(("text", "lang"), [
    ("do you think someone wrote that letter to scare me?", "en"),
    ("why does nobody at work ever answer me when I ask for help?", "en"),
    ("my sister is always typing to someone on her phone", "en"),
    ("my nurse writes everything down at the hospital and it bugs me", "en"),
    ("¿crees que alguien escribió esa carta para asustarme?", "es"),
    ("mi hermano siempre está escribiendo a alguien en el móvil", "es"),
])
def test_someone_writing_something_else_is_no_question_about_the_kiosk(
    answers: HonestAnswers, text: str, lang: str
) -> None:
    assert answers.intent(text, lang) not in {"identity", "purpose"}
