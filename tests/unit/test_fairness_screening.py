"""Counterfactual fairness: names, genders and dialect markers must not change the level."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.screening import RiskScreener
from tests.fairness_pairs import COUNTERFACTUAL_SETS, CounterfactualSet, name_gender_grid


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


@pytest.mark.parametrize("cf", COUNTERFACTUAL_SETS, ids=lambda cf: cf.topic)
def test_counterfactual_variants_get_the_same_level(
    screener: RiskScreener, cf: CounterfactualSet
) -> None:
    levels = {text: int(screener.screen(text, "auto").level) for text in cf.utterances}
    assert set(levels.values()) == {cf.expected_level}, levels


def test_language_choice_does_not_change_the_level(screener: RiskScreener) -> None:
    for cf in COUNTERFACTUAL_SETS:
        for text in cf.utterances:
            assert {screener.screen(text, lang).level for lang in ("en", "es", "auto")} == {
                cf.expected_level
            }, text


def test_name_and_partner_grid_is_uniform(screener: RiskScreener) -> None:
    texts = name_gender_grid("{name} told me {partner} choked me last night")
    assert len(texts) == 40
    assert {int(screener.screen(t).level) for t in texts} == {2}
