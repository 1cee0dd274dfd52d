"""Round 6: ASR-split risk words are rejoined, and Spanish negation scope is read better.

The wordings here are in neither first-contact set 9 nor probe set 10.
"""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import REVIEW_SETS, load_review_tsv
from reflection.risk import RiskLevel
from reflection.screening import RiskScreener


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


@pytest.mark.parametrize(("text", "lang", "word"), [
    ("a veces pienso en el sui cidio", "es", "suicidio"),
    ("quiero sui sidarme ya", "es", "suicidarme"),
    ("I think about sui cide a lot", "en", "suicide"),
])
def test_split_risk_word_is_rejoined(screener: RiskScreener, text: str, lang: str,
                                     word: str) -> None:
    assert word in screener.lexicons[lang].normalise(text).text.split()
    assert screener.screen(text, lang).level >= RiskLevel.HIGH


@pytest.mark.parametrize(("text", "lang"), [
    ("para dos personas por favor", "es"),  # two real words are never fused
    ("la protagonista se suicida al final del libro", "es"),  # not "suicidal" in English
    ("I'm not suicidal or anything, just tired", "en"),  # "suicidal or" is no split word
])
def test_real_words_are_not_fused(screener: RiskScreener, text: str, lang: str) -> None:
    assert screener.screen(text, lang).level == RiskLevel.NONE


@pytest.mark.parametrize("text", [
    "no paro de pensar en matarme",  # "I can't stop thinking of": affirms, not denies
    "no puedo dejar de pensar en cortarme",
    "no es que quiera matarme, pero ya no aguanto",  # a softener, not a denial
])
def test_spanish_double_negation_stays_risky(screener: RiskScreener, text: str) -> None:
    assert screener.screen(text, "es").level >= RiskLevel.HIGH


@pytest.mark.parametrize("text", [
    "suicidarme no es una opción, solo estoy cansada",  # act named, then denied
    "cortarme nunca ha sido lo mío",
    "nunca he pensado en matarme",
    "él jamás me ha pegado",
    "no dejo de pensar en mi examen",
])
def test_spanish_denials_do_not_alarm(screener: RiskScreener, text: str) -> None:
    assert screener.screen(text, "es").level == RiskLevel.NONE


def test_probe_set10_is_held_out_and_balanced() -> None:
    entry = {r.name: r for r in REVIEW_SETS}["first_contact_10"]
    assert entry.in_sample is False
    items = load_review_tsv(DEFAULT_DATA_DIR / entry.file)
    assert len(items) == 70
    assert sum(i.lang == "en" for i in items) == sum(i.lang == "es" for i in items) == 35
    assert sum(i.levels == frozenset({0}) for i in items) >= 25
    assert len({i.text for i in items}) == len(items)
