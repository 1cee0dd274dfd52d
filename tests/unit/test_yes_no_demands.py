"""A demand for a yes or no is answered honestly; it is never read as a yes to the check-in."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.risk import RiskLevel
from reflection.screening import RiskScreener
from reflection.screening_context import ScreeningContext


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


@pytest.mark.parametrize("text", ["just tell me yes or no", "yes or no?", "dime sí o no",
                                  "solo dime que sí o que no"])
def test_yes_or_no_after_the_check_in_is_not_a_yes(screener: RiskScreener, text: str) -> None:
    context = ScreeningContext(after_check_in=True, prior_max_level=RiskLevel.CONCERN)
    assert screener.screen(text, "auto", context=context).level == RiskLevel.NONE


@pytest.mark.parametrize("text", ["yes", "yeah, sometimes", "sí, a veces", "I don't know"])
def test_real_answers_to_the_check_in_still_escalate(screener: RiskScreener, text: str) -> None:
    context = ScreeningContext(after_check_in=True, prior_max_level=RiskLevel.CONCERN)
    assert screener.screen(text, "auto", context=context).level == RiskLevel.HIGH
