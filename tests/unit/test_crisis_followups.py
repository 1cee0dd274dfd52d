"""After the crisis message: short, calm answers in the session language, never the block."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.crisis import CrisisProtocol
from reflection.engine import Conversation, ReflectionEngine
from reflection.events import CrisisTriggered, EngineEvent, ReplyDone
from reflection.reply_filter import ReplyFilter
from reflection.responders.composer import sentence_key
from reflection.risk import RiskAssessment, RiskCategory, RiskLevel
from reflection.screening_text import detect_language

FOLLOW_UPS = {
    "en": ("I want to kill myself tonight.", [
        "is someone actually coming?", "ok I'll wait",
        "can we talk about something else while I wait",
        "can you repeat the number?", "can we do the breathing thing?", "are you a real person?",
        "thank you", "I'm scared", "where is my therapist", "ok", "hello?", "still here"]),
    "es": ("A veces pienso en tirarme al metro.", [
        "¿De verdad viene alguien?", "Vale, espero.",
        "¿Podemos hablar de otra cosa mientras espero?",
        "¿Me repites el número?", "¿Podemos respirar juntos?", "¿Eres una persona?", "Gracias.",
        "Tengo miedo.", "¿Dónde está mi terapeuta?", "vale", "¿hola?", "sigo aquí"]),
}


@pytest.fixture(scope="module")
def engine() -> ReflectionEngine:
    return ReflectionEngine.load(ContentStore())


def turn(conversation: Conversation, text: str) -> list[EngineEvent]:
    return list(conversation.respond(text))


def sentences(text: str) -> list[str]:
    return [s for s in text.replace("?", "?|").replace(".", ".|").split("|") if s.strip()]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_follow_ups_never_repeat_the_block(engine: ReflectionEngine, lang: str) -> None:
    crisis_text, follow_ups = FOLLOW_UPS[lang]
    conversation = engine.new_conversation(lang)
    first = turn(conversation, crisis_text)
    block = first[-1]
    assert isinstance(block, ReplyDone) and block.crisis and block.language == lang
    assert detect_language(block.text, default="xx") == lang  # Spanish client, Spanish message
    said = {sentence_key(s) for s in sentences(block.text)}
    for text in follow_ups:
        events = turn(conversation, text)
        done = events[-1]
        assert isinstance(done, ReplyDone) and done.crisis and done.language == lang
        crisis = [e for e in events if isinstance(e, CrisisTriggered)]
        assert crisis and crisis[0].repeated  # no new alert, no new crisis screen
        assert 3 <= len(done.text.split()) <= 60 and done.text.count("?") <= 1, done.text
        assert detect_language(done.text, default=lang) == lang, done.text
        keys = {sentence_key(s) for s in sentences(done.text)}
        assert not keys & said, (text, done.text)  # no sentence twice in the session
        said |= keys


@pytest.mark.parametrize(("lang", "asks", "coming"), [
    ("en", "is someone actually coming?", "therapist has been told"),
    ("es", "¿De verdad viene alguien?", "se le avisó a tu terapeuta"),
])
def test_someone_is_coming(engine: ReflectionEngine, lang: str, asks: str, coming: str) -> None:
    conversation = engine.new_conversation(lang)
    turn(conversation, FOLLOW_UPS[lang][0])
    done = turn(conversation, asks)[-1]
    assert isinstance(done, ReplyDone) and coming in done.text


def test_resources_only_when_asked(engine: ReflectionEngine) -> None:
    conversation = engine.new_conversation("en")
    turn(conversation, "I want to kill myself tonight.")
    waiting = turn(conversation, "ok I'll wait")[-1]
    asked = turn(conversation, "can you repeat the number?")[-1]
    assert isinstance(waiting, ReplyDone) and isinstance(asked, ReplyDone)
    assert "988" not in waiting.text and "988" in asked.text


def test_grounding_on_request_walks_through_the_steps(engine: ReflectionEngine) -> None:
    conversation = engine.new_conversation("en")
    turn(conversation, "I want to kill myself tonight.")
    texts = []
    for _ in range(3):
        done = turn(conversation, "can we do the breathing exercise?")[-1]
        assert isinstance(done, ReplyDone)
        texts.append(done.text)
    assert "Breathe in" in texts[0] and "Breathe out" in texts[1]


def test_yes_to_the_grounding_offer_starts_it(engine: ReflectionEngine) -> None:
    conversation = engine.new_conversation("es")
    turn(conversation, "Quiero morirme, ya no aguanto más.")
    done = turn(conversation, "sí")[-1]
    assert isinstance(done, ReplyDone) and "pies" in done.text


def test_unconfirmed_alert_does_not_promise_a_person(engine: ReflectionEngine) -> None:
    conversation = engine.new_conversation("en")
    turn(conversation, "I want to kill myself tonight.")
    conversation.alert_delivered = False
    done = turn(conversation, "is someone coming?")[-1]
    assert isinstance(done, ReplyDone) and "front desk" in done.text
    assert "has been told" not in done.text


class StepScreener:
    """Level 2, then level 3: a client whose risk rises after the crisis message."""

    def __init__(self) -> None:
        self.levels = [RiskLevel.HIGH, RiskLevel.IMMINENT]

    def screen(self, text: str, lang: str = "auto", *, context: object = None
               ) -> RiskAssessment:
        level = self.levels.pop(0) if self.levels else RiskLevel.IMMINENT
        return RiskAssessment(level, frozenset({RiskCategory.SUICIDE}), (), "en")


def test_higher_risk_alerts_again_without_the_block() -> None:
    store = ContentStore()
    engine = ReflectionEngine(screener=StepScreener(), crisis=CrisisProtocol(store),
                              reply_filter=ReplyFilter.load(store), store=store)
    conversation = engine.new_conversation("en")
    turn(conversation, "first")
    events = turn(conversation, "second")
    crisis = [e for e in events if isinstance(e, CrisisTriggered)]
    done = events[-1]
    assert isinstance(done, ReplyDone) and crisis and not crisis[0].repeated  # alert again
    assert int(crisis[0].response.level) == 3  # type: ignore[attr-defined]
    assert "call 911" in done.text and "Thank you for telling me" not in done.text
    assert len(done.text.split()) <= 60


def test_the_server_speaks_only_the_follow_up(engine: ReflectionEngine) -> None:
    from reflection.events import spoken_lines
    from server.conversations import EngineConversation as ServerConversation

    conversation = ServerConversation(engine.new_conversation("es"))
    first = list(conversation.reply("Quiero morirme, ya no aguanto más.", "es"))
    assert any(isinstance(p, CrisisTriggered) and not p.repeated for p in first)
    later = list(conversation.reply("¿De verdad viene alguien?", "es"))
    # No second crisis screen or alert: the repeated crisis event only says its follow-up.
    assert not any(isinstance(p, CrisisTriggered) and not p.repeated for p in later)
    repeated = [p for p in later if isinstance(p, CrisisTriggered)]
    spoken = [line for p in repeated for line in spoken_lines(p.response)]
    assert spoken and len(" ".join(spoken).split()) <= 60
    assert "terapeuta" in " ".join(spoken) and "988" not in " ".join(spoken)


@pytest.mark.parametrize(("lang", "texts", "needles"), [
    ("en", ["I want to kill myself.", "are you going to call the police?", "what happens now?"],
     ["not in trouble", "Your therapist will come"]),
    ("es", ["Quiero matarme.", "¿Van a llamar a la policía?", "¿qué pasa ahora?"],
     ["No estás en problemas", "Tu terapeuta vendrá"]),
])
def test_police_and_what_next_get_calm_true_answers(
        engine: ReflectionEngine, lang: str, texts: list[str], needles: list[str]) -> None:
    conversation = engine.new_conversation(lang)
    turn(conversation, texts[0])
    for text, needle in zip(texts[1:], needles, strict=True):
        done = turn(conversation, text)[-1]
        assert isinstance(done, ReplyDone) and needle in done.text and done.crisis
