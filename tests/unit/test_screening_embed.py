"""The optional embedded classifier: bundled multilingual encoder, raise-only, capped."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.risk import RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_embed import EmbeddedScreen, Example

EXAMPLES = [
    Example("I want to end my life", 2, "suicide"),
    Example("I keep thinking about killing myself", 2, "suicide"),
    Example("I have been planning my suicide", 2, "suicide"),
    Example("quiero quitarme la vida", 2, "suicide"),
    Example("pienso en matarme todos los días", 2, "suicide"),
    Example("this traffic is killing me", 0, ""),
    Example("I love going to the beach with my kids", 0, ""),
    Example("me encanta cocinar los domingos", 0, ""),
    Example("the weather is nice today", 0, ""),
]


@pytest.fixture(scope="module")
def capped() -> EmbeddedScreen:
    return EmbeddedScreen(EXAMPLES)


def test_a_paraphrase_of_risky_examples_is_raised_only_to_the_cap(capped: EmbeddedScreen
                                                                   ) -> None:
    result = capped.classify("I have been thinking about ending my own life", "en")
    assert result.level == RiskLevel.CONCERN  # capped at 1 by default
    assert [e.text for e in result.evidence] == [""]  # no client words in the evidence


def test_safe_neighbours_give_nothing(capped: EmbeddedScreen) -> None:
    assert capped.classify("we went to the beach on sunday", "en").level == RiskLevel.NONE


def test_it_never_lowers_the_rules(capped: EmbeddedScreen) -> None:
    screener = RiskScreener.load(ContentStore(), classifier=capped)
    assert screener.screen("I have a plan to kill myself tonight", "en").level == 3
