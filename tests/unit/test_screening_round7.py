"""Round 7: media and third-party modifiers spare the client's own words, someone else's past
is not an alert, denials said after the act, and the new recall concepts (both languages).

The wordings here are in neither first-contact set 11 nor probe set 12.
"""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import REVIEW_SETS, load_review_tsv
from reflection.risk import RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_repair import _swaps_person


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


def level(screener: RiskScreener, text: str, lang: str) -> RiskLevel:
    return screener.screen(text, lang).level


@pytest.mark.parametrize(("text", "lang"), [
    # Someone else's act, told as past: history to note, not the client's crisis.
    ("my stepdad hanged himself when I was a teenager", "en"),
    ("my girlfriend used to burn herself back in school, she's fine now", "en"),
    ("mi suegro se disparó hace muchos años", "es"),
    ("mi prima se cortaba de chica pero ya está bien", "es"),
    # A talk, leaflet or programme about the topic.
    ("the clinic handed out a leaflet on suicide prevention", "en"),
    ("en el trabajo hubo un taller sobre prevención del suicidio", "es"),
    # The risk words are a title.
    ("my favourite song is called I Wanna Die Young", "en"),
    ("me encanta esa canción que se llama quiero morir contigo", "es"),
    # Denials said after the act they answer.
    ("killing myself is out of the question, I have a daughter", "en"),
    ("¿suicidarme? no, eso no va conmigo", "es"),
])
def test_hard_negatives_do_not_alarm(screener: RiskScreener, text: str, lang: str) -> None:
    assert level(screener, text, lang) == RiskLevel.NONE


@pytest.mark.parametrize(("text", "lang"), [
    # Media or someone else's story in the same breath as the client's own current risk.
    ("I was watching the news and honestly I want to kill myself", "en"),
    ("that documentary made me want to end my life", "en"),
    ("my sister died by suicide last spring and I want to kill myself too", "en"),
    ("la serie me hizo pensar en matarme", "es"),
    ("mi hermano se ahorcó el año pasado y yo quiero morirme", "es"),
    # Identifying with someone else's suicide.
    ("my dad shot himself and I think I'll do the same", "en"),
    ("mi tía se suicidó y quiero hacer lo mismo", "es"),
    # Not denials: an unsure answer, a retraction of the denial, a different verb.
    ("do I want to die? no, I don't know anymore", "en"),
    ("I want to kill myself, no, I really do", "en"),
    ("killing myself isn't something I'd tell my mother but I think about it daily", "en"),
    ("¿matarme? no sé, a lo mejor", "es"),
    # A bare "no" after the act is a denial only when what follows also denies.
    ("killing myself? no, I'm not scared of it anymore", "en"),
    ("hurting myself? no, I have not stopped", "en"),
    ("¿matarme? no, ya no me da miedo", "es"),
    ("¿cortarme? no, no he podido dejar de hacerlo", "es"),
    # "now" starts the present: the past marker before it caps only the past.
    ("years ago my friend killed herself and now I want to die too", "en"),
    ("in high school my sister cut herself and now I cut myself every night", "en"),
    ("hace años mi amiga se mató y ahora yo quiero morirme", "es"),
])
def test_own_risk_still_screens(screener: RiskScreener, text: str, lang: str) -> None:
    assert level(screener, text, lang) >= RiskLevel.HIGH


@pytest.mark.parametrize(("text", "lang"), [
    ("I tied an extension cord to the closet rod to see if it would hold", "en"),
    ("amarré un cable al tubo de la regadera para ver si resistía", "es"),
    ("I'm going to stab him, I'm not joking", "en"),
    ("a ese tipo lo mato, no es broma", "es"),
    ("her stepdad tells her it's their little secret when he gives her baths", "en"),
    ("my mother-in-law slaps my son when I'm not looking", "en"),
    ("mi suegra le pega a mis hijos cuando no estoy", "es"),
    ("swallowed the entire box of paracetamol an hour ago", "en"),
    ("me tomé una caja entera de ibuprofeno", "es"),
    ("mejor me muero y ya", "es"),
    ("I might as well be dead at this point", "en"),
])
def test_new_concepts_screen(screener: RiskScreener, text: str, lang: str) -> None:
    assert level(screener, text, lang) >= RiskLevel.HIGH


@pytest.mark.parametrize(("text", "lang"), [
    ("I told my daughter her birthday present is our little secret", "en"),
    ("my sister got into law school and I want to do the same", "en"),
    ("mi hermana aprendió a nadar y quiero hacer lo mismo", "es"),
    ("I hung a rope swing from the oak branch for the kids", "en"),
    ("took two paracetamol for the headache", "en"),
])
def test_new_concepts_leave_look_alikes_alone(screener: RiskScreener, text: str,
                                              lang: str) -> None:
    assert level(screener, text, lang) == RiskLevel.NONE


def test_clitic_is_not_a_typo(screener: RiskScreener) -> None:
    assert _swaps_person("ahorcarse", "ahorcarme") and _swaps_person("cortarte", "cortarme")
    assert not _swaps_person("ahorcarne", "ahorcarme")
    words = screener.lexicons["es"].normalise("el vecino intentó ahorcarse").text.split()
    assert "ahorcarse" in words and "ahorcarme" not in words
    # Someone else's attempt stays a level-1 concern; the same word after "quiero" is the
    # recogniser's slip for the client's own "ahorcarme" and escalates.
    assert level(screener, "mi hijo quiere ahorcarse", "es") == RiskLevel.CONCERN
    assert level(screener, "quiero ahorcarse ya", "es") >= RiskLevel.HIGH


@pytest.mark.parametrize("name", ["first_contact_11", "first_contact_12"])
def test_round7_sets_are_held_out_and_balanced(name: str) -> None:
    entry = {r.name: r for r in REVIEW_SETS}[name]
    assert entry.in_sample is False
    items = load_review_tsv(DEFAULT_DATA_DIR / entry.file)
    assert len(items) == {"first_contact_11": 120, "first_contact_12": 60}[name]
    assert sum(i.lang == "en" for i in items) == sum(i.lang == "es" for i in items)
    assert sum(i.lowest == 0 for i in items) >= len(items) * 0.4
    assert len({i.text for i in items}) == len(items)
