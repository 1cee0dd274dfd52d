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


class _FixedEncoder:
    """Maps known sentences to fixed unit vectors (no model needed)."""

    def __init__(self, table: dict[str, list[float]]) -> None:
        self.table = table

    def encode(self, texts: list[str]) -> list[list[float]]:
        return [self.table[t] for t in texts]


def _memory_model(memory_threshold: float, allow_bias: float = -1.5) -> ReplyModel:
    import numpy as np

    # Two dimensions: allow along x, a directive cluster along y. The regression is constant
    # (P(allow) = 0.18 with the default bias: unsure, above its own threshold of 0.1), so only
    # the memory layer can withhold.
    memory = np.array([[1.0, 0.0], [0.99, 0.14], [0.95, -0.31],
                       [0.0, 1.0], [0.14, 0.99], [-0.31, 0.95]], dtype=np.float32)
    labels = np.array([0, 0, 0, 1, 1, 1])
    encoder = _FixedEncoder({"near bad": [0.2, 0.98], "near good": [0.98, 0.2],
                             "between": [0.7071, 0.7071]})
    return ReplyModel(np.zeros((2, 2)), np.array([allow_bias, 0.0]), (ALLOW, "directive"),
                      0.1, encoder, memory, labels, memory_threshold)


def test_memory_layer_withholds_near_bad_and_keeps_near_good() -> None:
    model = _memory_model(memory_threshold=0.1)
    assert model.withhold("near bad") == "directive"
    assert model.withhold("near good") is None
    # Equidistant: the margin is about zero, under the threshold, so it stays allowed.
    assert model.withhold("between") is None


def test_memory_layer_defers_to_a_confident_regression() -> None:
    # P(allow) = 0.88: the regression finds it clearly good, so the neighbours are not asked.
    assert _memory_model(memory_threshold=0.1, allow_bias=2.0).withhold("near bad") is None


def test_memory_layer_off_without_memory() -> None:
    import numpy as np

    model = ReplyModel(np.zeros((2, 2)), np.zeros(2), (ALLOW, "directive"), 0.1,
                       _FixedEncoder({"near bad": [0.2, 0.98]}))
    assert model.withhold("near bad") is None


def test_neighbour_margin_sign() -> None:
    import numpy as np

    from reflection.reply_embed import neighbour_margin

    sims = np.array([[0.9, 0.8, 0.1, 0.2], [0.1, 0.2, 0.9, 0.95]])
    is_bad = np.array([False, False, True, True])
    margins = neighbour_margin(sims, is_bad, k=2)
    assert margins[0] < 0 < margins[1]


def test_committed_weights_carry_the_memory_layer(model: ReplyModel) -> None:
    assert model.memory is not None and model.memory_labels is not None
    assert model.memory.shape[0] == model.memory_labels.shape[0]
    assert 0.0 < model.memory_threshold < 1.0
