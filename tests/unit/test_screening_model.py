"""The embedded screening model: committed weights, raise-only, hard negatives stay low."""

from __future__ import annotations

import time

import numpy as np
import pytest

from reflection.content_files import ContentStore
from reflection.risk import RiskAssessment, RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_corpus import expand, load_corpus
from reflection.screening_model import WEIGHTS_PATH, ModelScreen, decide, fit_softmax

# Everyday sentences with risk words in them: the model must not flag any of them.
HARD_NEGATIVES = [
    ("I took all my meds this morning like I'm supposed to", "en"),
    ("I need to cut myself some slack", "en"),
    ("I'm dyeing my hair blue this weekend", "en"),
    ("this traffic is killing me", "en"),
    ("we watched Kill Bill last night", "en"),
    ("I'm so tired after work this week", "en"),
    ("me muero de hambre", "es"),
    ("me tomo mis pastillas cada noche como me recetaron", "es"),
    ("me voy a cortar el pelo mañana", "es"),
    ("estoy triste porque murió mi abuela", "es"),
]
RISKY = [
    ("I just want to go to sleep and never wake up", "en"),
    ("everyone would be better off without me", "en"),
    ("ojalá no despertara mañana", "es"),
    ("todos estarían mejor sin mí", "es"),
]


@pytest.fixture(scope="module")
def model() -> ModelScreen:
    return ModelScreen.load()


@pytest.fixture(scope="module")
def screener(model: ModelScreen) -> RiskScreener:
    return RiskScreener.load(ContentStore(), classifier=model)


def test_the_committed_weights_are_small() -> None:
    assert WEIGHTS_PATH.stat().st_size < 2 * 1024 * 1024


def test_hard_negatives_stay_at_zero(screener: RiskScreener) -> None:
    assert [t for t, lang in HARD_NEGATIVES if screener.screen(t, lang).level > 0] == []


def test_the_model_raises_to_two_at_most_and_a_cap_still_holds() -> None:
    # Round 5 lifted the default cap from 1 to 2 (measured: docs/guardrails.md); never 3.
    weights = ModelScreen.load(encoder=_FixedEncoder())
    assert weights.cap == RiskLevel.HIGH
    assert ModelScreen.load(encoder=_FixedEncoder(), cap=RiskLevel.IMMINENT).cap == RiskLevel.HIGH
    capped = ModelScreen.load(encoder=_FixedEncoder(), cap=RiskLevel.CONCERN)
    assert capped.cap == RiskLevel.CONCERN


def test_hard_negatives_never_reach_a_crisis_through_the_model(screener: RiskScreener) -> None:
    # The model alone grades "cut myself some slack" high; the rules' idiom reading vetoes it.
    texts = [t for t, _ in HARD_NEGATIVES] + ["I need to cut myself some slack",
                                              "i havent thought about killing myself in ages"]
    assert max(screener.screen(t).level for t in texts) < RiskLevel.HIGH


class _FixedEncoder:
    def encode(self, texts: list[str]) -> list[list[float]]:
        return [[0.0] * 512 for _ in texts]


def test_clear_passive_wishes_are_raised(model: ModelScreen) -> None:
    levels = [model.classify(t, lang).level for t, lang in RISKY]
    assert all(level >= RiskLevel.CONCERN for level in levels), levels


def test_evidence_names_the_model_not_the_words(model: ModelScreen) -> None:
    result = model.classify(RISKY[0][0], "en")
    assert [(e.text, e.rule) for e in result.evidence] == [("", "model.logreg")]


def test_it_never_lowers_the_rules(screener: RiskScreener) -> None:
    rules = RiskScreener.load(ContentStore())
    for text in ["I have a plan to kill myself tonight", "me corté otra vez anoche",
                 "my stepdad has been touching me", *[t for t, _ in HARD_NEGATIVES]]:
        assert screener.screen(text).level >= rules.screen(text).level


def test_level_two_needs_a_gate_word() -> None:
    p = np.array([[0.0, 0.01, 0.99], [0.0, 0.01, 0.99], [0.5, 0.4, 0.1]])
    assert list(decide(p, [True, False, True], 0.8, 0.9)) == [2, 1, 0]


def test_gate_words_cover_both_languages(model: ModelScreen) -> None:
    assert model.gated("I want to kill myself") and model.gated("me quiero matar")
    assert not model.gated("I feel so tired and sad today")


def test_softmax_fits_separable_data() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(c, 0.1, (20, 4)) for c in (-1.0, 0.0, 1.0)])
    x[:, 1] = np.repeat([1.0, -1.0, 0.5], 20)
    y = np.repeat([0, 1, 2], 20)
    assert (fit_softmax(x, y, 3).probs(x).argmax(axis=1) == y).mean() > 0.95


def test_corpus_alternatives_expand_and_both_languages_are_large() -> None:
    assert expand("I {wish|hope} I {don't|won't} wake up") == [
        "I wish I don't wake up", "I wish I won't wake up",
        "I hope I don't wake up", "I hope I won't wake up"]
    corpus = load_corpus(ContentStore())
    assert len(corpus) >= 1200
    for lang in ("en", "es"):
        assert sum(i.lang == lang for i in corpus) >= 550
        assert {i.level for i in corpus if i.lang == lang} == {0, 1, 2}


def test_a_failing_model_leaves_the_rules() -> None:
    class Broken:
        def classify(self, text: str, lang: str) -> RiskAssessment:
            raise RuntimeError("boom")

    screener = RiskScreener.load(ContentStore(), classifier=Broken())
    assert screener.screen("I want to kill myself", "en").level >= RiskLevel.HIGH


def test_latency_is_printed(screener: RiskScreener) -> None:
    times, levels = [], []
    for text, lang in HARD_NEGATIVES * 3:
        start = time.perf_counter()
        levels.append(screener.screen(text, lang).level)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    # Printed, not asserted: the machine is shared and timings are noisy.
    print(f"rules+model screen p95 {times[int(len(times) * 0.95) - 1]:.1f} ms")
    assert set(levels) == {RiskLevel.NONE}  # rules + model together stay quiet on them


def test_short_answers_and_kiosk_talk_are_left_to_the_rules(model: ModelScreen) -> None:
    texts = ["", "yes", "no sé", "what do I do now", "what happens next", "no sé qué hacer",
             "can we start over", "I'm done, thanks"]
    assert [t for t in texts if model.classify(t, "auto").level > 0] == []
