"""Risk screening: levels, categories, evidence, language, and the classifier combinator."""

from __future__ import annotations

from pathlib import Path

import pytest

from reflection.content_files import ContentStore
from reflection.errors import GuardrailContentError, InvalidInputError
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel
from reflection.screening import RiskScreener, combine
from reflection.screening_text import detect_language, normalise

S, H, OTH, A = (RiskCategory.SUICIDE, RiskCategory.SELF_HARM, RiskCategory.HARM_OTHERS,
                RiskCategory.ABUSED)


@pytest.fixture(scope="module")
def screener() -> RiskScreener:
    return RiskScreener.load(ContentStore())


@pytest.mark.parametrize(
    ("text", "level", "categories"),
    [
        ("this traffic is killing me", 0, set()),
        ("I killed it at work", 0, set()),
        ("my feet are killing me", 0, set()),
        ("me muero de hambre", 0, set()),
        ("me mata el tráfico", 0, set()),
        ("I'm not suicidal, just tired", 0, set()),
        ("I'm not going to lie, I want to die", 2, {S}),
        ("my dad died last year", 0, set()),
        ("my friend tried to kill herself", 1, {S}),
        ("I attempted suicide years ago", 1, {S}),
        ("kms", 2, {S}),
        ("I want to unalive myself", 2, {S}),
        ("been thinking about sewerslide", 2, {S}),
        ("want to off myself", 2, {S}),
        ("no quiero seguir viviendo", 2, {S}),
        ("me quiero matar", 2, {S}),
        ("i want to kill my self", 2, {S}),
        ("i keep thinking about sue aside", 2, {S}),
        ("quiero morirme", 2, {S}),
        ("me quiero suicidar", 2, {S}),
        ("he hits me", 2, {A}),
        ("I'm scared to go home", 2, {A}),
        ("me pega", 2, {A}),
        ("I'm going to hurt him", 2, {OTH}),
        ("quiero matarlo", 2, {OTH}),
        ("I cut myself this morning", 2, {H}),
        ("I have a plan to kill myself tonight", 3, {S}),
        ("tengo un plan para matarme", 3, {S}),
        ("I wish I was dead", 1, {S}),
    ],
)
def test_brief_cases(
    screener: RiskScreener, text: str, level: int, categories: set[RiskCategory]
) -> None:
    result = screener.screen(text)
    assert (int(result.level), set(result.categories)) == (level, categories)


def test_evidence_points_at_the_original_words(screener: RiskScreener) -> None:
    text = "Honestly?? I wanna KILL my self, no joke"
    result = screener.screen(text, "en")
    assert result.evidence, "a risky utterance must carry evidence"
    for item in result.evidence:
        assert text[item.start : item.end] == item.text
        assert item.rule.startswith("en.")
    assert any("KILL my self" in e.text for e in result.evidence)


def test_denial_only_cancels_the_words_it_covers(screener: RiskScreener) -> None:
    assert screener.screen("I'm not suicidal but I want to die").level == RiskLevel.HIGH


def test_spanish_person_of_the_verb_matters(screener: RiskScreener) -> None:
    assert screener.screen("me quiero matar").categories == {S}
    assert screener.screen("me quiere matar").categories == {A}


def test_code_switching_is_screened_with_both_lexicons(screener: RiskScreener) -> None:
    result = screener.screen("honestly I just want to matarme", "en")
    assert result.level == RiskLevel.HIGH and result.language == "en"


def test_auto_language_detection() -> None:
    assert detect_language("me siento muy triste hoy") == "es"
    assert detect_language("I feel really sad today") == "en"
    assert detect_language("¿qué?") == "es"
    assert detect_language("") == "en"


def test_normalise_expands_and_keeps_spans() -> None:
    text = "I'm gonna twenty"
    norm = normalise(text, "en")
    assert norm.text == "i am going to 20"
    assert norm.original_span(0, 4) == (0, 3)  # "i am" comes from "I'm"


def test_screen_rejects_non_text_and_bad_language(screener: RiskScreener) -> None:
    with pytest.raises(InvalidInputError) as err:
        screener.screen(None, "en")  # type: ignore[arg-type]
    assert err.value.code == "screen_invalid_text"
    with pytest.raises(InvalidInputError):
        screener.screen("hello", "fr")


def test_empty_and_huge_input_are_safe(screener: RiskScreener) -> None:
    assert screener.screen("").level == RiskLevel.NONE
    assert screener.screen("I want to kill myself " * 5000).level == RiskLevel.HIGH


def _write(root: Path, lang: str, body: str) -> None:
    (root / lang).mkdir(parents=True, exist_ok=True)
    (root / lang / "screening.toml").write_text(body, encoding="utf-8")


def test_broken_lexicon_gives_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path, "en", '[[rules]]\nid = "x"\nlevel = 2\npatterns = ["{nope}"]\n')
    _write(tmp_path, "es", "")
    with pytest.raises(GuardrailContentError, match="unknown macro"):
        RiskScreener.load(ContentStore(tmp_path))


def test_missing_lexicon_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GuardrailContentError) as err:
        RiskScreener.load(ContentStore(tmp_path))
    assert err.value.code == "guardrail_content"


class FakeClassifier:
    """Returns a fixed assessment, or raises."""

    def __init__(self, result: RiskAssessment | None) -> None:
        self.result = result
        self.calls = 0

    def classify(self, text: str, lang: str) -> RiskAssessment:
        self.calls += 1
        if self.result is None:
            raise RuntimeError("model crashed")
        return self.result


def test_classifier_can_raise_the_level() -> None:
    extra = Evidence(0, 4, "blah", "model")
    fake = FakeClassifier(RiskAssessment(RiskLevel.HIGH, frozenset({A}), (extra,), "en"))
    screener = RiskScreener.load(ContentStore(), classifier=fake)
    result = screener.screen("I feel really low")
    assert fake.calls == 1
    assert result.level == RiskLevel.HIGH and result.categories == {A}
    assert extra in result.evidence


def test_classifier_can_never_lower_the_level() -> None:
    fake = FakeClassifier(RiskAssessment(RiskLevel.NONE, frozenset(), (), "en"))
    screener = RiskScreener.load(ContentStore(), classifier=fake)
    result = screener.screen("I have a plan to kill myself")
    assert result.level == RiskLevel.IMMINENT and S in result.categories


def test_failing_classifier_keeps_the_rule_floor() -> None:
    screener = RiskScreener.load(ContentStore(), classifier=FakeClassifier(None))
    assert screener.screen("I want to die").level == RiskLevel.HIGH


def test_combine_is_monotone() -> None:
    low = RiskAssessment(RiskLevel.CONCERN, frozenset({S}), (), "es")
    high = RiskAssessment(RiskLevel.IMMINENT, frozenset({OTH}), (), "en")
    merged = combine(low, high)
    assert merged.level == RiskLevel.IMMINENT and merged.categories == {S, OTH}
    assert merged.language == "es"
    assert combine(high, low).level == RiskLevel.IMMINENT
