"""Review-style sets: in-sample sets meet their thresholds; first-contact sets load and score."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflection.content_files import ContentStore
from reflection.errors import GuardrailContentError
from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import REVIEW_SETS, figures, load_review_tsv, score_sets
from reflection.screening import RiskScreener


@pytest.fixture(scope="module")
def scored() -> dict[str, dict[str, object]]:
    return score_sets(RiskScreener.load(ContentStore()), DEFAULT_DATA_DIR)


def test_every_review_set_is_present_and_big_enough(scored: dict[str, dict[str, object]]
                                                   ) -> None:
    assert set(scored) == {r.name for r in REVIEW_SETS}
    for review in REVIEW_SETS:
        items = load_review_tsv(DEFAULT_DATA_DIR / review.file)
        # Set 8 is a smaller probe (118) written after round 5 to check its generalisation.
        # Set 10 is round 6's probe (70), written after that round's change.
        # Set 11 is round 7's first-contact set (120), set 12 its probe (60).
        least = {"first_contact_8": 110, "first_contact_10": 70,
                 "first_contact_11": 120, "first_contact_12": 60}.get(review.name, 144)
        assert len(items) >= least and {i.lang for i in items} == {"en", "es"}
    first = load_review_tsv(DEFAULT_DATA_DIR / "screening_first_contact_5.tsv")
    assert sum(i.lowest == 0 for i in first) >= len(first) / 3  # hard negatives
    assert {"suicide", "self_harm", "harm_others", "abused"} <= {i.category for i in first}


def test_in_sample_sets_meet_their_thresholds(scored: dict[str, dict[str, object]]) -> None:
    for name, result in scored.items():
        if not result["gated"]:
            continue
        overall = result["overall"]
        assert isinstance(overall, dict)
        assert overall["recall_level2"] >= 0.95, name
        assert overall["recall_level1"] >= 0.95, name
        assert overall["fp_level0"] <= 0.06, name
        assert overall["crisis_false_alarms"] <= 0.03, name
        assert overall["en_es_gap"] <= 0.05, name


@pytest.mark.parametrize("name", ["first_contact_5", "first_contact_6", "first_contact_7",
                                  "first_contact_8"])
def test_first_contact_set_is_scored_and_reported(scored: dict[str, dict[str, object]],
                                                  name: str) -> None:
    result = scored[name]
    assert result["in_sample"] is False and result["gated"] is False
    overall = result["overall"]
    assert isinstance(overall, dict) and overall["n"] >= 110
    assert 0.0 <= overall["recall_level2"] <= 1.0 and overall["n_crisis"] > 0


def test_set_6_covers_what_round_4_was_asked_to_measure() -> None:
    items = load_review_tsv(DEFAULT_DATA_DIR / "screening_first_contact_6.tsv")
    assert len(items) >= 200 and sum(i.lowest == 0 for i in items) >= len(items) / 3
    groups = {i.group for i in items}
    assert {"overdose_taken", "child_disclosure", "context", "typo", "asr", "idiom", "negated",
            "medication", "media", "third_party", "past_recovered"} <= groups
    assert {i.lang for i in items if i.group == "child_disclosure"} == {"en", "es"}


def test_figures_arithmetic() -> None:
    from reflection.review_eval import ReviewItem

    def item(levels: set[int]) -> ReviewItem:
        return ReviewItem(frozenset(levels), "x", "en", "g", "t")

    got = figures([(item({2, 3}), 2), (item({2, 3}), 1), (item({1, 2}), 1), (item({0}), 2),
                   (item({0, 1}), 1)])
    assert (got["recall_level2"], got["recall_level1"]) == (0.5, 1.0)
    assert (got["fp_level0"], got["crisis_false_alarms"]) == (0.5, 0.5)


def test_bad_review_row_is_reported(tmp_path: Path) -> None:
    bad = tmp_path / "x.tsv"
    bad.write_text("levels\tcategory\tlang\tgroup\ttext\nzero\tnone\ten\tg\thi\n",
                   encoding="utf-8")
    with pytest.raises(GuardrailContentError, match=r"x\.tsv:2"):
        load_review_tsv(bad)
