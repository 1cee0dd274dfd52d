"""The embedded honesty-intent model: the decision rule (fakes), normalisation, the weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reflection.content_files import ContentStore
from reflection.honesty import HonestAnswers
from reflection.honesty_embed import (
    WEIGHTS_PATH,
    IntentGuess,
    IntentModel,
    Normaliser,
    examples,
    fingerprint,
)
from reflection.honesty_eval import correct, label, load_items, score
from reflection.screening_model import Softmax

DATA = Path(__file__).resolve().parent.parent / "data"


def fake_model(threshold: float = 0.8, veto: float = 0.7) -> IntentModel:
    classes = ("none", "identity", "privacy")
    softmax = Softmax(np.zeros((2, 3)), np.zeros(3))
    return IntentModel(softmax, classes, threshold, veto, "x", lambda texts: [[0.0, 0.0]],
                       Normaliser({}))


def test_a_confident_model_reading_wins_over_no_phrase() -> None:
    model = fake_model()
    assert model.decide(None, IntentGuess("identity", none=0.1), question=True) == "identity"


def test_an_unsure_model_leaves_the_phrase_match() -> None:
    model = fake_model()
    assert model.decide("privacy", IntentGuess("identity", none=0.5), question=True) == "privacy"
    assert model.decide(None, IntentGuess("identity", none=0.5), question=True) is None


def test_a_sure_none_vetoes_a_phrase_match_in_a_statement_only() -> None:
    model = fake_model()
    sure_none = IntentGuess("identity", none=0.9)
    assert model.decide("identity", sure_none, question=False) is None
    assert model.decide("identity", sure_none, question=True) == "identity"
    assert model.decide("injection", sure_none, question=False) == "injection"


def test_advice_intents_from_the_model_need_a_question() -> None:
    model = fake_model()
    guess = IntentGuess("medication", none=0.0)
    assert model.decide(None, guess, question=False, asked_only=("medication",)) is None
    assert model.decide(None, guess, question=True, asked_only=("medication",)) == "medication"


def test_the_phrase_refines_the_models_class() -> None:
    model = fake_model()
    assert model.decide("recording", IntentGuess("retention", none=0.0), question=True) == \
        "recording"


def test_skipped_intents_are_not_answered_by_the_model() -> None:
    model = fake_model()
    guess = IntentGuess("identity", none=0.0)
    assert model.decide(None, guess, question=True, skip=("identity",)) is None


def test_normaliser_spells_out_texting_forms() -> None:
    normalise = Normaliser.load(ContentStore())
    assert normalise("r u a bot", "en") == "are you a bot"
    assert normalise("porfa dime q hago", "es") == "por favor dime que hago"
    assert normalise("is this privite?", "en") == "is this private?"


def test_committed_weights_match_the_examples() -> None:
    # Edit content/<lang>/honesty_examples.toml -> `python -m reflection.honesty_train`.
    with np.load(WEIGHTS_PATH, allow_pickle=False) as data:
        assert str(data["fingerprint"]) == fingerprint(examples(ContentStore()))


def test_eval_labels_and_scoring() -> None:
    assert label(None) == "none" and label("identity") == "human" and label("purpose") == "human"
    # Recording and retention answers score as retention; a set-1/2 "privacy" label accepts them,
    # a "retention" label (set 3 on) needs them: the who-sees answer gives no retention period.
    assert label("recording") == "retention" and label("retention") == "retention"
    assert correct("privacy", "retention") and correct("retention", "retention")
    assert not correct("retention", "privacy") and not correct("retention", "none")
    assert correct("yes_no", "decide") and not correct("decide", "yes_no")
    assert correct("medication", "diagnosis", grouped=True)
    items = load_items(DATA / "honesty_first_contact_1.tsv")
    assert len(items) >= 120 and {i.lang for i in items} == {"en", "es"}
    perfect = score(items, lambda text, lang: None)
    assert perfect.false_answers == 0 and perfect.negatives == sum(
        i.intent == "none" for i in items)


@pytest.fixture(scope="module")
def answers() -> HonestAnswers:
    return HonestAnswers(ContentStore())


@pytest.mark.parametrize(("text", "lang", "intent"), [
    ("is a real human being answering me or software", "en", "identity"),
    ("¿tú eres humana o un programa?", "es", "identity"),
    ("so who ends up looking at the things I write here", "en", "privacy"),
    ("can you keep this bit away from my counsellor", "en", "secret"),
    ("give it to me straight: yes or no", "en", "yes_no"),
    ("dime nada más sí o no", "es", "yes_no"),
])
def test_the_real_model_reads_new_wordings(answers: HonestAnswers, text: str, lang: str,
                                           intent: str) -> None:
    assert answers.intent(text, lang) == intent


@pytest.mark.parametrize(("text", "lang"), [
    ("my manager acts like a robot, not a real person", "en"),
    ("I asked my cousin to keep it between us", "en"),
    ("no sé si debería dejar a mi novio", "es"),
    ("I'd like to focus on the medication today", "en"),
])
def test_the_real_model_leaves_statements_alone(answers: HonestAnswers, text: str,
                                                lang: str) -> None:
    assert answers.intent(text, lang) is None


def test_normaliser_reads_role_words_as_the_therapist() -> None:
    normalise = Normaliser.load(ContentStore())
    assert normalise("will my counselor see this", "en") == "will my therapist see this"
    assert "terapeuta" in normalise("¿la psicóloga lo lee?", "es")
    assert normalise("hw long r u keeping ths", "en") == "how long are you keeping this"


def test_a_secret_phrase_is_kept_over_a_privacy_reading() -> None:
    # "promise she won't find out?" asks for concealment: the secret answer (which also says
    # what the therapist sees), not only who sees what.
    model = fake_model()
    assert model.decide("secret", IntentGuess("privacy", none=0.05), question=True) == "secret"
    assert model.decide("privacy", IntentGuess("identity", none=0.05), question=True) == "privacy"
    assert model.decide("identity", IntentGuess("privacy", none=0.05), question=True) == "privacy"


@pytest.mark.parametrize(("text", "lang", "intent"), [
    ("will my shrink be able to read this later?", "en", "privacy"),
    pytest.param("¿le mandan esto a alguien cuando acabe?", "es", "privacy",
                 marks=pytest.mark.xfail(strict=True, reason="regression of the 2026-12-03 "
                                         "afternoon retrain: read as retention")),
    ("is ther a person typing or is it automatic", "en", "identity"),
    ("hw long r my answers kept", "en", "retention"),
    ("just between u and me, ok?", "en", "secret"),
    ("promise the counselor won't hear about this?", "en", "secret"),
])
def test_new_wordings_with_roles_and_texting(answers: HonestAnswers, text: str, lang: str,
                                             intent: str) -> None:
    assert answers.intent(text, lang) == intent


@pytest.mark.parametrize(("text", "lang"), [
    ("could you talk me through a breathing exercise?", "en"),
    ("¿me enseñas a respirar para calmarme?", "es"),
])
def test_requests_that_are_not_about_the_tool(answers: HonestAnswers, text: str, lang: str
                                              ) -> None:
    assert answers.intent(text, lang) is None
