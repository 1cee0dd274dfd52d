"""Round 5 concepts (issue 10): indirect endings, research, plans, threats, abuse, denials.

The sentences here are NOT lines of first-contact set 7: they are other wordings of the same
kinds, so the tests check that the concepts generalise, and hard negatives that share words
with them so the tests check that they stay narrow."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import REVIEW_SETS, context_screen, load_review_tsv, score_review
from reflection.risk import RiskCategory, RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_training import gather

SET_7 = DEFAULT_DATA_DIR / "screening_first_contact_7.tsv"


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


CRISIS = [
    ("pretty soon nobody's going to have to deal with me, I've made up my mind", "en", "suicide"),
    ("I'm not planning to be alive by christmas", "en", "suicide"),
    ("i keep looking up whether a fall from the fifth floor would be enough", "en", "suicide"),
    ("tuesday after work is when it happens", "en", "suicide"),
    ("I took way too many of my xanax on purpose", "en", "suicide"),
    ("I can't stop burning myself with the iron, it's getting worse", "en", "self_harm"),
    ("I'll put that guy six feet under if he comes near my daughter again", "en", "harm_others"),
    ("my grandpa comes into my bed when my mom is at work", "en", "abused"),
    ("she swore she'd kill me if I ever told anyone", "en", "abused"),
    ("ya no pienso seguir aquí cuando acabe el año, ya lo decidí", "es", "suicide"),
    ("el sábado es cuando lo voy a hacer", "es", "suicide"),
    ("me tragué el resto de las pastillas de mi abuela", "es", "suicide"),
    ("me tomé demasiadas pastillas a propósito", "es", "suicide"),
    ("ya regalé mis cosas a mis primos y ya no las voy a necesitar", "es", "suicide"),
    ("no puedo dejar de cortarme, cada vez es peor", "es", "self_harm"),
    ("si se vuelve a acercar a mi hija lo voy a enterrar", "es", "harm_others"),
    ("mi padrastro se mete a mi cama cuando mi mamá trabaja", "es", "abused"),
]

# Share words with the round-5 concepts; none is risk. Level 0 expected from the rules.
EVERYDAY = [
    ("I found a way out of my lease for good", "en"),
    ("we're not coming back to this restaurant on Friday, the food was bad", "en"),
    ("I gave my old bike to my nephew, I won't be needing it anymore since I drive now", "en"),
    ("I picked the date for the wedding, it's in June", "en"),
    ("I keep cutting coupons, it calms me down", "en"),
    ("he's going to make us pay for the broken window", "en"),
    ("I'm finishing the project tonight and then I'm done for good", "en"),
    ("I checked how tall the tree in the yard is", "en"),
    ("no me voy a regresar a ese trabajo el lunes", "es"),
    ("estuve buscando en internet recetas sin sufrir tanto en la cocina", "es"),
    ("le regalé mi bici a mi sobrino", "es"),
    ("busqué cuál es la forma más rápida de llegar al centro", "es"),
    ("mi hijo se mató entrenando para el partido", "es"),
    ("encontré una salida al problema del dinero", "es"),
    ("ya sé en qué edificio es la cita", "es"),
]

DENIALS = [
    ("my mom never once laid a finger on me", "en"),
    ("nobody has ever hurt me like that", "en"),
    ("she has never made me do anything", "en"),
    ("mi mamá nunca me pegó", "es"),
    ("nadie me ha obligado a venir", "es"),
]


@pytest.mark.parametrize(("text", "lang", "category"), CRISIS)
def test_new_wordings_of_the_round5_kinds_are_a_crisis(screener: RiskScreener, text: str,
                                                       lang: str, category: str) -> None:
    result = screener.screen(text, lang)
    assert result.level >= RiskLevel.HIGH, (text, result.evidence)
    assert RiskCategory(category) in result.categories


@pytest.mark.parametrize(("text", "lang"), EVERYDAY)
def test_everyday_sentences_sharing_the_words_stay_at_zero(screener: RiskScreener, text: str,
                                                           lang: str) -> None:
    result = screener.screen(text, lang)
    assert result.level == RiskLevel.NONE, (text, [e.rule for e in result.evidence])


@pytest.mark.parametrize(("text", "lang"), DENIALS)
def test_denials_of_abuse_said_of_a_person_or_of_no_one(screener: RiskScreener, text: str,
                                                        lang: str) -> None:
    assert screener.screen(text, lang).level == RiskLevel.NONE


def test_a_denial_lowers_only_its_own_words(screener: RiskScreener) -> None:
    # The denial governs "laid a hand on me"; the separate disclosure still stands.
    text = "my husband never laid a hand on me, but my uncle comes into my room at night"
    assert screener.screen(text, "en").level >= RiskLevel.HIGH
    text = "mi esposo nunca me ha pegado, pero mi tío se mete a mi cuarto en la noche"
    assert screener.screen(text, "es").level >= RiskLevel.HIGH


def test_set_7_trains_the_model_but_stays_ungated() -> None:
    # Since round 8 the spent first-contact sets train the model (the forecast is a held-out
    # set outside the repository); the rules' figures on them stay reported, not gated.
    review = {r.name: r for r in REVIEW_SETS}["first_contact_7"]
    assert review.in_sample is False and review.trains_model
    trained = {s.text for s in gather(ContentStore(), DEFAULT_DATA_DIR)}
    assert {i.text for i in load_review_tsv(SET_7) if not i.context} <= trained


def test_set_7_does_not_regress_below_round5(screener: RiskScreener) -> None:
    # Rules alone, computed from the file. Round 5 reached 0.962 / 0.938 / 0.030 / 0.015 /
    # 0.015 (in-sample after its first contact: 0.485 / 0.507 / 0.091 / 0.061 / 0.030).
    items = load_review_tsv(SET_7)
    assert len(items) >= 200 and sum(i.lang == "es" for i in items) >= len(items) * 0.45
    overall = score_review(context_screen(screener), items)["overall"]
    assert overall["recall_level2"] >= 0.95
    assert overall["recall_level1"] >= 0.93
    assert overall["fp_level0"] <= 0.04
    assert overall["crisis_false_alarms"] <= 0.02
    assert overall["en_es_gap"] <= 0.03
