"""The embedded reply classifier: offline, raise-only, and clear good sentences pass."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.reply_embed import ALLOW, ReplyModel
from reflection.reply_filter import MODEL_REASON, ReplyFilter

GOOD = [
    ("en", "It sounds like this week has been really heavy for you."),
    ("en", "What would you like to talk about with your therapist today?"),
    ("es", "Parece que esta semana ha sido muy pesada para ti."),
    ("es", "¿Qué te gustaría contarle hoy a tu terapeuta?"),
]


@pytest.fixture(scope="module")
def model() -> ReplyModel:
    # The committed weights and the bundled encoder: nothing is downloaded.
    return ReplyModel.load()


def test_loads_offline_with_allow_and_block_classes(model: ReplyModel) -> None:
    assert model.classes[0] == ALLOW
    assert {"diagnosis", "directive", "human_claim"} <= set(model.classes)
    assert 0.0 < model.threshold < 1.0


@pytest.mark.parametrize(("lang", "sentence"), GOOD)
def test_clear_good_sentences_pass(model: ReplyModel, lang: str, sentence: str) -> None:
    store = ContentStore()
    verdict = ReplyFilter.load(store, embedded=True, encoder=model.encoder).check(
        sentence, lang=lang)
    assert verdict.allowed, verdict


def test_model_withholds_a_paraphrase_the_rules_miss(model: ReplyModel) -> None:
    reason = model.withhold("Your husband sounds like a textbook narcissist.")
    assert reason is not None and reason != ALLOW


def test_raise_only_never_releases_a_rule_block(model: ReplyModel) -> None:
    store = ContentStore()
    rules = ReplyFilter.load(store, embedded=False)
    both = ReplyFilter.load(store, embedded=True, encoder=model.encoder)
    for sentence in ("You should leave him.", "I went through a divorce myself.",
                     "Nothing here gets recorded.", "Eso es tu TOC hablando."):
        assert not rules.check(sentence).allowed
        combined = both.check(sentence)
        assert not combined.allowed and MODEL_REASON not in combined.reasons
