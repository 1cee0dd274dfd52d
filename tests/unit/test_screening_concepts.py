"""Concept screening: word repair, scoped modifiers, combos, and check-in context."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.risk import RiskCategory, RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_context import ScreeningContext
from reflection.screening_repair import WordRepair

AFTER = ScreeningContext(after_check_in=True)


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


def test_word_repair_slang_repeats_and_fuzzy() -> None:
    repair = WordRepair.build("en", {"kms": "kill myself"}, ["suicidal", "kill"], {"si": "x y"})
    assert repair("kms") == ("kill", "myself")
    assert repair("suicidle") == ("suicidal",)
    assert repair("kil") == ("kill",)
    assert repair("sooo") == ("so",)
    assert repair("killian") == ("killian",)  # below the cutoff: never a new risk word
    assert repair("si", "SI") == ("x", "y") and repair("si", "si") == ("si",)


@pytest.mark.parametrize("text", [
    "i feel so suicidle", "I've been thinking about sue side a lot", "I want to kil my self",
    "i want to end my lfe", "lowkey I wanna kms fr", "SI has been bad this week",
    "estoy pensando en suisidarme", "kiero morirme", "quiero matar me",
])
def test_misspellings_slang_and_asr_errors_are_screened(screener: RiskScreener, text: str
                                                         ) -> None:
    assert screener.screen(text).level >= RiskLevel.CONCERN


@pytest.mark.parametrize("text", [
    "I need to cut myself some slack", "I've never self harmed and I'm not about to start",
    "I took all my meds this morning like I'm supposed to", "I want to dye my hair",
    "No estoy pensando en suicidarme, solo estoy cansada", "Vimos la película Escuadrón Suicida",
    "Me corté el pelo ayer", "My favorite song right now is Kill Bill",
])
def test_denials_idioms_media_and_medication_are_zero(screener: RiskScreener, text: str
                                                       ) -> None:
    assert screener.screen(text).level == RiskLevel.NONE


@pytest.mark.parametrize(("text", "level"), [
    ("I'm not going to kill myself, but honestly I feel hopeless most days", 1),
    ("I'm not the type to hurt anyone, but last week I cut myself", 2),
    ("I take my meds like I'm supposed to, but I've been saving the extra ones just in case", 2),
    ("No me voy a matar, pero me siento sin esperanza casi todos los días", 1),
    ("No soy de lastimar a nadie, pero la semana pasada me corté", 2),
])
def test_a_modifier_lowers_only_its_own_clause(screener: RiskScreener, text: str, level: int
                                               ) -> None:
    assert screener.screen(text).level == level


@pytest.mark.parametrize(("text", "level", "category"), [
    ("I bought a gun last week and I've decided this weekend is when I end it", 3, "suicide"),
    ("I've been looking up how many of my pills it would take", 2, "suicide"),
    ("My stepdad has been touching me and I don't know what to do", 2, "abused"),
    ("Me corté otra vez anoche", 2, "self_harm"),
    ("I took a bunch of my sleeping pills before I came here", 3, "suicide"),
    ("Sometimes I stand near the train tracks and think about jumping", 2, "suicide"),
    ("Las voces me dicen que me mate", 2, "suicide"),
])
def test_concept_combinations(screener: RiskScreener, text: str, level: int, category: str
                              ) -> None:
    result = screener.screen(text)
    assert result.level == level and RiskCategory(category) in result.categories
    assert any(".concept." in e.rule or "." in e.rule for e in result.evidence)


@pytest.mark.parametrize("text", [
    "Yes, sometimes I think they'd be better off if I just wasn't here", "Sometimes, yeah.",
    "I don't know", "Sí, a veces.", "Un poco, en los días malos.",
])
def test_yes_or_unsure_after_the_check_in_escalates(screener: RiskScreener, text: str) -> None:
    result = screener.screen(text, context=AFTER)
    assert result.level == RiskLevel.HIGH and RiskCategory.SUICIDE in result.categories
    assert screener.screen("Sometimes, yeah.").level == RiskLevel.NONE  # no check-in before


@pytest.mark.parametrize("text", [
    "No, nothing like that, I'm just stressed", "Not really.", "No, estoy bien, solo cansado.",
    "Pues no, la verdad", "Well no, not really",
])
def test_no_after_the_check_in_does_not_escalate(screener: RiskScreener, text: str) -> None:
    assert screener.screen(text, context=AFTER).level == RiskLevel.NONE
