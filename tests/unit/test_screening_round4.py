"""Round 4 concepts and modifiers, on sentences written for these tests (not the eval sets)."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.risk import RiskCategory, RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_concepts import clause_index
from reflection.screening_repair import WordRepair
from reflection.screening_text import normalise


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


def test_one_transposition_in_a_longer_word_is_repaired() -> None:
    repair = WordRepair.build("en", {}, ["myself", "suicidal", "killing"])
    assert repair("myslef") == ("myself",)
    assert repair("sucidal") == ("suicidal",)
    assert repair("mylfes") == ("mylfes",)  # two swaps from "myself": left alone


def test_comma_and_but_make_one_clause_break() -> None:
    text = normalise("I was sad, but it passed", "en")
    clauses = clause_index(text, frozenset({"but"}))
    assert clauses[0] == 0 and clauses[-1] == 1


@pytest.mark.parametrize(("text", "level", "category"), [
    ("I'm going to swallow all of my sleeping pills tonight", 3, "suicide"),
    ("Esta noche me voy a tomar todas mis pastillas", 3, "suicide"),
    ("I took a lot more of my pills than prescribed, on purpose", 3, "suicide"),
    ("how far would I have to fall to not survive", 2, "suicide"),
    ("¿qué tan alto tiene que ser un puente para no sobrevivir?", 2, "suicide"),
    ("I left notes for my kids for when I'm gone", 2, "suicide"),
    ("Dejé mensajes para mi mamá para cuando me muera", 2, "suicide"),
    ("I keep covering up the cuts with makeup", 2, "self_harm"),
    ("Me tapo las cicatrices nuevas con pulseras", 2, "self_harm"),
    ("My son told me his uncle touches him at night", 2, "abused"),
    ("Mi hijo me dijo que su tío lo toca en la noche", 2, "abused"),
    ("I got slapped by my girlfriend again last night", 2, "abused"),
    ("Fui golpeada por mi pareja otra vez", 2, "abused"),
    ("I'm taking my gun to school tomorrow", 2, "harm_others"),
    ("Voy a llevar mi pistola a la escuela", 2, "harm_others"),
])
def test_round_4_concepts(screener: RiskScreener, text: str, level: int, category: str) -> None:
    result = screener.screen(text)
    assert result.level >= level and RiskCategory(category) in result.categories


@pytest.mark.parametrize("text", [
    "I took 2 Tylenol for a headache this morning",
    "Me tomé un paracetamol para la cabeza",
    "We're giving away the kids' old toys to charity",
    "Estoy regalando mi ropa vieja a la iglesia",
    "The news said someone jumped from the overpass",
])
def test_round_4_modifiers_lower_what_they_govern(screener: RiskScreener, text: str) -> None:
    assert screener.screen(text).level == RiskLevel.NONE


def test_a_dose_is_not_an_overdose_but_twenty_is(screener: RiskScreener) -> None:
    assert screener.screen("I took 20 Tylenol an hour ago").level == RiskLevel.IMMINENT


def test_recovery_caps_only_the_clause_it_refers_to(screener: RiskScreener) -> None:
    assert screener.screen("I wanted to kill myself last winter, but that passed").level \
        == RiskLevel.CONCERN
    assert screener.screen("Quería matarme el invierno pasado, pero ya pasó").level \
        == RiskLevel.CONCERN
    # The recovery comes first; the risk said after it is not what it refers to.
    assert screener.screen("It passed for a while, but now I want to kill myself again").level \
        >= RiskLevel.HIGH


def test_hyperbole_about_someone_else_is_a_check_in_not_a_crisis(screener: RiskScreener
                                                                 ) -> None:
    assert screener.screen("Honestly I could strangle my sister sometimes").level \
        <= RiskLevel.CONCERN
