"""Crisis protocol and consent text: fixed, localised, deterministic content."""

from __future__ import annotations

import pytest

from reflection.consent import load_consent
from reflection.content_files import ContentStore
from reflection.crisis import CrisisProtocol
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel


def assessment(level: int, *cats: RiskCategory, lang: str = "en") -> RiskAssessment:
    evidence = (Evidence(0, 5, "words", "en.test"),) if level else ()
    return RiskAssessment(RiskLevel(level), frozenset(cats), evidence, lang)


@pytest.fixture(scope="module")
def protocol() -> CrisisProtocol:
    return CrisisProtocol(ContentStore())


def test_no_risk_no_response(protocol: CrisisProtocol) -> None:
    assert protocol.respond(assessment(0), "en") is None


def test_high_risk_gives_fixed_crisis_message_with_us_resources(protocol: CrisisProtocol) -> None:
    response = protocol.respond(assessment(2, RiskCategory.SUICIDE), "en")
    assert response is not None and response.kind == "crisis"
    text = " ".join(response.sentences)
    for needle in ("988", "911"):
        assert needle in text
    # Every resource is on the crisis screen; only the short ones are read out.
    shown = " ".join(r.text for r in response.resources)
    for needle in ("988", "HOME", "741741", "911"):
        assert needle in shown
    assert response.alert.urgent and response.alert.level == RiskLevel.HIGH
    assert response.alert.evidence == assessment(2).evidence
    assert response.grounding is not None and len(response.grounding.steps) >= 3
    assert response.grounding.offer in response.sentences
    assert response.content_version.startswith("crisis-en")


def test_spanish_crisis_message(protocol: CrisisProtocol) -> None:
    response = protocol.respond(assessment(3, RiskCategory.SUICIDE, lang="es"), "es")
    assert response is not None and response.lang == "es"
    text = " ".join(response.sentences)
    assert "988" in text and "oprime el 2" in text and "911" in text
    assert "terapeuta" in response.message
    assert response.grounding is not None and "¿" in response.grounding.offer


def test_abuse_adds_domestic_violence_line_only_for_abuse(protocol: CrisisProtocol) -> None:
    abuse = protocol.respond(assessment(2, RiskCategory.ABUSED), "en")
    suicide = protocol.respond(assessment(2, RiskCategory.SUICIDE), "en")
    assert abuse is not None and suicide is not None
    assert "ndvh" in {r.id for r in abuse.resources}
    assert "ndvh" not in {r.id for r in suicide.resources}


def test_imminent_adds_immediate_danger_line(protocol: CrisisProtocol) -> None:
    high = protocol.respond(assessment(2, RiskCategory.SUICIDE), "en")
    imminent = protocol.respond(assessment(3, RiskCategory.SUICIDE), "en")
    assert high is not None and imminent is not None
    # The imminent line comes after the message, in place of the 911 line and the offer.
    assert imminent.extra[0] in imminent.sentences and imminent.extra[0] not in high.sentences
    assert " ".join(imminent.sentences).count("911") == 1
    assert imminent.alert.level == RiskLevel.IMMINENT


@pytest.mark.parametrize("category", list(RiskCategory))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_concern_gives_one_gentle_check_in(
    protocol: CrisisProtocol, category: RiskCategory, lang: str
) -> None:
    response = protocol.respond(assessment(1, category, lang=lang), lang)
    assert response is not None and response.kind == "check_in"
    assert not response.alert.urgent and response.resources == () and response.grounding is None
    assert response.message.count("?") == 1  # exactly one question


def test_check_in_differs_by_category(protocol: CrisisProtocol) -> None:
    messages = {
        c: protocol.respond(assessment(1, c), "en").message  # type: ignore[union-attr]
        for c in RiskCategory
    }
    assert len(set(messages.values())) == len(RiskCategory)


def test_protocol_is_deterministic(protocol: CrisisProtocol) -> None:
    a = protocol.respond(assessment(2, RiskCategory.HARM_OTHERS), "en")
    b = CrisisProtocol(ContentStore()).respond(assessment(2, RiskCategory.HARM_OTHERS), "en")
    assert a == b


def test_language_falls_back_to_assessment_then_english(protocol: CrisisProtocol) -> None:
    es = protocol.respond(assessment(2, RiskCategory.SUICIDE, lang="es"))
    fr = protocol.respond(assessment(2, RiskCategory.SUICIDE), "fr-CA")
    assert es is not None and es.lang == "es"
    assert fr is not None and fr.lang == "en"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_consent_text(lang: str) -> None:
    store = ContentStore()
    plain = load_consent(store, lang, retention_days=30, live_transcript=False)
    live = load_consent(store, lang, retention_days=30, live_transcript=True)
    assert plain.version and plain.version == live.version
    body = " ".join(plain.paragraphs)
    assert "30" in body and "{" not in body
    assert len(live.paragraphs) == len(plain.paragraphs) + 1
    assert plain.accept and plain.decline and plain.sentences[-1] == plain.question


def test_consent_says_what_matters_in_plain_english() -> None:
    body = " ".join(load_consent(ContentStore(), "en", retention_days=14,
                                 live_transcript=False).paragraphs).lower()
    for needle in ("not a person", "not a therapist", "summary you approve", "14 days",
                   "nothing is recorded", "voice recording is not kept"):
        assert needle in body


@pytest.mark.parametrize("lang", ["en", "es"])
@pytest.mark.parametrize("level", [2, 3])
@pytest.mark.parametrize("category", list(RiskCategory))
def test_first_crisis_message_is_short_and_names_911_once(
    protocol: CrisisProtocol, lang: str, level: int, category: RiskCategory
) -> None:
    response = protocol.respond(assessment(level, category, lang=lang), lang)
    assert response is not None
    text = " ".join(response.sentences)
    assert len(text.split()) <= 60, text
    assert text.count("911") == 1, text
    assert "988" in text
    # The grounding offer gives way to the imminent line at level 3; the exercise stays.
    assert response.grounding is not None
    assert (response.grounding.offer in response.sentences) == (level == 2)


def test_unverified_spanish_text_option_is_shown_not_spoken(protocol: CrisisProtocol) -> None:
    response = protocol.respond(assessment(2, RiskCategory.SUICIDE, lang="es"), "es")
    assert response is not None
    ayuda = [r for r in response.resources if "AYUDA" in r.text]
    assert ayuda and not ayuda[0].spoken
    assert "AYUDA" not in " ".join(response.sentences)
