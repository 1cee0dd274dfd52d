"""First-contact set 9: registered as held out, balanced, and rich in hard negatives."""

from __future__ import annotations

from reflection.guard_eval import DEFAULT_DATA_DIR
from reflection.review_eval import REVIEW_SETS, load_review_tsv


def test_set9_is_held_out_and_never_trains() -> None:
    entry = {r.name: r for r in REVIEW_SETS}["first_contact_9"]
    assert entry.in_sample is False
    assert entry.file == "screening_first_contact_9.tsv"


def test_set9_is_balanced_with_hard_negatives() -> None:
    items = load_review_tsv(DEFAULT_DATA_DIR / "screening_first_contact_9.tsv")
    assert len(items) == 160
    assert sum(i.lang == "en" for i in items) == sum(i.lang == "es" for i in items) == 80
    negatives = [i for i in items if i.levels == frozenset({0})]
    assert len(negatives) >= 50
    assert {"negated", "idiom", "media", "medication", "third_party", "past_recovered"} <= {
        i.group for i in negatives}
    assert len({i.text for i in items}) == len(items)
