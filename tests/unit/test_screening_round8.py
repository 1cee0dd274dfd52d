"""Round 8: harm to another person as who x act x intent, a short denial answering a question
about the act, winning a game, Spanish idioms of laughter and fright (both languages).

The wordings here are in no first-contact set and not in the round-4 held-out set (which the
developers have not read).
"""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.risk import RiskCategory, RiskLevel
from reflection.screening import RiskScreener


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


@pytest.mark.parametrize(("text", "lang"), [
    # An act behind an intent frame, the target named by a relation.
    ("lately I keep picturing myself smothering my stepmother while she sleeps", "en"),
    ("I'm about to drown my sister in law's kid if she keeps screaming", "en"),
    ("honestly I've thought about running my landlord over in the parking lot", "en"),
    ("he'd better watch out, I'll stick a knife in him", "en"),
    ("I've been thinking of slipping rat poison into my husband's soup", "en"),
    ("sometimes I see myself storming into the school with a shotgun", "en"),
    ("I had to stop myself from strangling my newborn last night", "en"),
    ("me imagino ahogando a mi hermana en la alberca", "es"),
    ("tengo ganas de dar una paliza a mi jefe hasta que no se levante", "es"),
    ("si vuelve a tocar a mis hijos lo atropello", "es"),
    ("le voy a meter un navajazo al novio de mi hija", "es"),
    ("quiero echarle veneno en la comida a mi cuñada", "es"),
    ("me veo entrando a la escuela con una escopeta", "es"),
    ("me tuve que aguantar para no ahorcarla, a mi propia hija", "es"),
])
def test_harm_to_a_named_person_is_a_crisis(screener: RiskScreener, text: str, lang: str) -> None:
    result = screener.screen(text, lang)
    assert result.level >= RiskLevel.HIGH, text
    assert RiskCategory.HARM_OTHERS in result.categories, text


@pytest.mark.parametrize(("text", "lang"), [
    # Games, errands and food: the same verbs, no violence.
    ("I'm going to beat my cousin at poker tonight", "en"),
    ("my dad and I are gonna kill them in the trivia night", "en"),
    ("I need to shoot my manager an email about Friday", "en"),
    ("I put some honey in my husband's tea when he's sick", "en"),
    ("we're going to throw my mom a surprise party", "en"),
    ("te voy a ganar en el ajedrez, ya verás", "es"),
    ("mi sobrino me mata de la risa con sus chistes", "es"),
    ("le pongo limón a la sopa de mi abuela", "es"),
    ("casi me matas de un susto al entrar así", "es"),
])
def test_the_same_verbs_in_ordinary_talk_stay_calm(screener: RiskScreener, text: str,
                                                   lang: str) -> None:
    assert screener.screen(text, lang).level < RiskLevel.HIGH, text


@pytest.mark.parametrize(("text", "lang"), [
    # The question names the act; the whole answer is a strong negator.
    ("overdosing? no way, I've got my kids", "en"),
    ("cutting? absolutely not, that was never me", "en"),
    ("¿quitarme la vida? jamás, tengo a mi mamá", "es"),
    ("¿cortarme? para nada, eso no va conmigo", "es"),
])
def test_a_short_denial_answering_the_act_is_not_an_alert(screener: RiskScreener, text: str,
                                                          lang: str) -> None:
    assert screener.screen(text, lang).level == RiskLevel.NONE, text


@pytest.mark.parametrize(("text", "lang"), [
    # Not denials: an unsure or a temporary answer, or risk said after the answer.
    ("killing myself? not yet", "en"),
    ("suicide? never, but lately I want to die anyway", "en"),
    ("¿matarme? nunca, pero hoy sí quiero morirme", "es"),
])
def test_risk_after_or_inside_the_answer_still_screens(screener: RiskScreener, text: str,
                                                        lang: str) -> None:
    assert screener.screen(text, lang).level >= RiskLevel.HIGH, text


@pytest.mark.parametrize(("text", "lang"), [
    # Self-injury by shape: carving into the body, heat held against it, a blade out again,
    # injury placed where nobody can see.
    ("I etched a line into my forearm with a compass point", "en"),
    ("I keep holding a hot knife against my wrist", "en"),
    ("I got my razor back out again after the call", "en"),
    ("I've been burning my stomach where no one can see", "en"),
    ("me he estado haciendo cortaditas en las caderas", "es"),
    ("me pego una cuchara hirviendo en el brazo", "es"),
    ("he vuelto a agarrar el sacapuntas para eso", "es"),
    ("me quemo en la panza donde nadie ve", "es"),
])
def test_self_injury_by_shape_is_a_crisis(screener: RiskScreener, text: str, lang: str) -> None:
    result = screener.screen(text, lang)
    assert result.level >= RiskLevel.HIGH, text
    assert RiskCategory.SELF_HARM in result.categories, text


@pytest.mark.parametrize(("text", "lang"), [
    ("we carved our names into the old oak tree", "en"),
    ("I scraped my leg on the fence climbing over it", "en"),
    ("I put a hot water bottle on my stomach for cramps", "en"),
    ("me hice unos cortes en el fleco yo solita", "es"),
    ("me raspé la pierna con una rama en el parque", "es"),
    ("volví a sacar la guitarra del clóset", "es"),
])
def test_injury_words_in_ordinary_life_stay_calm(screener: RiskScreener, text: str,
                                                 lang: str) -> None:
    assert screener.screen(text, lang).level < RiskLevel.HIGH, text
