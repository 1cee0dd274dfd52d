"""Secrecy asked during a crisis, grounding asked for outside one, and the new session cues."""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.crisis_followup import CrisisFollowUps, FollowUpState
from reflection.engine import ReflectionEngine
from reflection.events import ReplyDone
from reflection.secrecy import SecrecyConcept
from reflection.session_risk import SessionCues

STORE = ContentStore()


@pytest.fixture(scope="module")
def followups() -> CrisisFollowUps:
    return CrisisFollowUps(STORE)


def _concept(lang: str) -> SecrecyConcept:
    return SecrecyConcept.from_data(lang, STORE.load(lang, "crisis_followup")["secrecy"])


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "please never mention this to my dad"),
    ("en", "you can't be telling my girlfriend any of it"),
    ("en", "can it just stay between you and me"),
    ("es", "no se lo comentes a mi pareja"),
    ("es", "que nadie se entere de esto, porfa"),
    ("es", "¿puedes no decirle nada a mi padre?"),
])
def test_requests_to_keep_it_from_someone(lang: str, text: str) -> None:
    assert _concept(lang).asks(text)


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "I don't tell my dad much about school"),
    ("en", "she never said a word about the money"),
    ("en", "I'm not telling you everything yet"),
    ("es", "yo no le cuento nada a mi padre"),
    ("es", "nunca hablo de esto con nadie"),
    ("es", "mi hermana no dijo nada en la cena"),
])
def test_statements_are_not_secrecy_requests(lang: str, text: str) -> None:
    assert not _concept(lang).asks(text)


@pytest.mark.parametrize(("lang", "text", "needs"), [
    ("en", "don't pass any of this on to my brother", ("can't keep", "therapist")),
    ("es", "no se lo enseñes a mi madre", ("no puedo guardar", "terapeuta")),
])
def test_secrecy_follow_up_is_honest(followups: CrisisFollowUps, lang: str, text: str,
                                     needs: tuple[str, ...]) -> None:
    reply = followups.reply(text, lang, (), FollowUpState())
    assert reply.intent == "secret"
    assert all(n in reply.message.lower() for n in needs), reply.message


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "could you guide me to feel calmer for a minute?"),
    ("en", "help me breathe please"),
    ("es", "ayúdame a serenarme un poco"),
    ("es", "¿me enseñas a respirar más despacio?"),
])
def test_grounding_requests(followups: CrisisFollowUps, lang: str, text: str) -> None:
    assert followups.asks_grounding(text, lang)
    lines = followups.grounding(text, lang, (), FollowUpState(grounding_offered=False))
    assert len(lines) >= 2


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "my yoga teacher helps me relax on Sundays"),
    ("en", "I can't calm down around my father"),
    ("es", "el yoga me ayuda a relajarme los domingos"),
    ("es", "no consigo calmarme cuando mi padre grita"),
])
def test_talk_about_calm_is_not_a_grounding_request(followups: CrisisFollowUps, lang: str,
                                                     text: str) -> None:
    assert not followups.asks_grounding(text, lang)


def test_engine_gives_grounding_outside_a_crisis() -> None:
    engine = ReflectionEngine.load(STORE)
    conv = engine.new_conversation("en")
    events = list(conv.respond("would you help me settle down before I go in?"))
    done = events[-1]
    assert isinstance(done, ReplyDone)
    assert done.responder == "grounding" and not done.crisis
    assert "breath" in done.text.lower() or "feet" in done.text.lower()


@pytest.fixture(scope="module")
def cues() -> SessionCues:
    return ReflectionEngine.load(STORE).session_cues


@pytest.mark.parametrize(("text", "concept"), [
    ("I keep picturing jumping off the multi-storey car park", "going_over_edge"),
    ("tonight could be the night", "means_all_at_once"),
    ("I'll cave his head in", "violent_intent"),
    ("me imagino tirarme desde el balcón", "going_over_edge"),
    ("les voy a dar una golpiza", "violent_intent"),
])
def test_new_session_concepts(cues: SessionCues, text: str, concept: str) -> None:
    assert concept in cues.find(text)


@pytest.mark.parametrize("text", [
    "we were thinking about going out to the platform for the fireworks",
    "I took the whole lot of boxes to the tip",
    "my son nearly jumped in the pool after his ball",
    "le voy a dar una sorpresa a mi madre",
])
def test_hard_negatives_touch_no_new_concept(cues: SessionCues, text: str) -> None:
    found = set(cues.find(text))
    assert not found & {"going_over_edge", "means_all_at_once", "violent_intent"}, found
