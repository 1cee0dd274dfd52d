"""The scripted reflector reads as a listener: it mirrors the client's own words, in en and es."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import ReplyDone
from reflection.reply_filter import ReplyFilter
from reflection.responders.base import ReplyRequest, Speaker
from reflection.responders.scripted import ScriptedReflector, sentence_key
from tests.fairness_pairs import all_utterances

DATA = Path(__file__).resolve().parents[1] / "data"
SIX = {
    "en": [
        "I've been really anxious about my job interview next week",
        "I don't know, I just feel like I'm not good enough",
        "My mom always said I would never amount to anything",
        "I want to feel more confident but part of me thinks it's pointless",
        "fine",
        "I guess I want to talk about my mom today",
    ],
    "es": [
        "He estado muy ansiosa por mi entrevista de trabajo la próxima semana",
        "No sé, siento que no soy suficiente",
        "Mi mamá siempre decía que nunca llegaría a nada",
        "Quiero sentirme más segura pero una parte de mí piensa que no tiene sentido",
        "bien",
        "Creo que hoy quiero hablar de mi mamá",
    ],
}


@pytest.fixture(scope="module")
def store() -> ContentStore:
    return ContentStore()


@pytest.fixture(scope="module")
def reflector(store: ContentStore) -> ScriptedReflector:
    return ScriptedReflector(store)


def said(reflector: ScriptedReflector, text: str, lang: str = "en", turn: int = 1,
         history: tuple[tuple[Speaker, str], ...] = ()) -> str:
    request = ReplyRequest(text=text, language=lang, turn_index=turn, history=history)
    return " ".join(reflector.compose(request))


def pool(store: ContentStore, lang: str, name: str) -> list[str]:
    templates: list[str] = store.load(lang, "reflections")["templates"][name]
    return templates


@pytest.mark.parametrize(("text", "lang", "words"), [
    ("I don't know, I just feel like I'm not good enough", "en", "you're not good enough"),
    ("Honestly I'm such a failure at everything", "en", "failure"),
    ("I feel worthless most days", "en", "worthless"),
    ("No sé, siento que no soy suficiente", "es", "no eres suficiente"),
    ("Siento que soy un fracaso", "es", "fracaso"),
])
def test_self_evaluations_are_named_not_softened(
    reflector: ScriptedReflector, store: ContentStore, text: str, lang: str, words: str
) -> None:
    for turn in range(4):  # whatever template the turn rotates to
        reply = said(reflector, text, lang, turn)
        assert words in reply.lower(), (turn, reply)
        assert not any(g in reply for g in pool(store, lang, "general")), reply


@pytest.mark.parametrize(("text", "lang", "clause"), [
    ("It feels like nobody at home listens to me", "en", "like nobody at home listens to you"),
    ("I feel as if I'm always the one who gives in", "en", "as if you're always the one"),
    ("siento que nadie me escucha en la casa", "es", "que nadie te escucha en la casa"),
])
def test_feel_like_clauses_are_reflected_turned_round(
    reflector: ScriptedReflector, text: str, lang: str, clause: str
) -> None:
    assert clause in said(reflector, text, lang)


@pytest.mark.parametrize(("text", "lang", "sides"), [
    ("I want to feel more confident but part of me thinks it's pointless", "en",
     ("part of you wants to feel more confident", "part of you thinks it's pointless")),
    ("I want to call my sister but I'm scared of what she'll say", "en",
     ("call your sister", "scared of what she'll say")),
    ("Quiero sentirme más segura pero una parte de mí piensa que no tiene sentido", "es",
     ("quieres sentirte más segura", "una parte de ti piensa que no tiene sentido")),
])
def test_ambivalence_names_both_sides(
    reflector: ScriptedReflector, text: str, lang: str, sides: tuple[str, str]
) -> None:
    for turn in range(3):
        first = ScriptedReflector.compose(reflector, ReplyRequest(
            text=text, language=lang, turn_index=turn))[0]
        assert sides[0] in first.lower() and sides[1] in first.lower(), first


@pytest.mark.parametrize(("text", "lang", "parts"), [
    ("My mom always said I would never amount to anything", "en",
     ("your mom", "you would never amount to anything")),
    ("Mi mamá siempre decía que nunca llegaría a nada", "es",
     ("tu mamá", "nunca llegarías a nada")),
])
def test_words_someone_said_are_reflected_with_who_said_them(
    reflector: ScriptedReflector, text: str, lang: str, parts: tuple[str, str]
) -> None:
    reply = said(reflector, text, lang, turn=2)
    assert all(p in reply for p in parts), reply
    assert reply.endswith("?")  # and an open question about it


@pytest.mark.parametrize(("text", "lang", "want", "focus"), [
    ("I want to feel more confident", "en", "feel more confident", ""),
    ("I guess I want to talk about my mom today", "en", "", "talk about your mom today"),
    ("Quiero sentirme más tranquila", "es", "sentirte más tranquila", ""),
    ("Creo que hoy quiero hablar de mi mamá", "es", "", "hablar de tu mamá"),
])
def test_wants_and_focus_statements(
    reflector: ScriptedReflector, text: str, lang: str, want: str, focus: str
) -> None:
    cues = reflector.reader(lang).read(text).clauses
    assert (cues.want, cues.focus) == (want, focus)
    assert (want or focus) in said(reflector, text, lang, turn=0)


def test_time_words_stay_with_the_event(reflector: ScriptedReflector) -> None:
    reply = said(reflector, "I've been really anxious about my job interview next week", turn=0)
    assert "anxious" in reply and "your job interview next week" in reply
    assert "your mom today" not in said(reflector, "I'm sad about my mom today", turn=0)


@pytest.mark.parametrize(("text", "lang", "never"), [
    ("I want to punch a wall when she talks to me like that", "en", "punch"),
    ("I think everyone would be better off without me", "en", "better"),
    ("some days i just want to off myself", "en", "off yourself"),
    ("I really don't want to go back to that job", "en", "you want to go back"),
    ("la neta ya no quiero seguir viviendo", "es", "quieres seguir"),
    ("no quiero volver a ese trabajo", "es", "quieres volver"),
    ("me quiero suicidar", "es", "suicid"),
])
def test_harm_talk_and_negated_wants_are_never_mirrored(
    reflector: ScriptedReflector, text: str, lang: str, never: str
) -> None:
    for turn in range(3):
        assert never not in said(reflector, text, lang, turn).lower()


@pytest.mark.parametrize("lang", ["en", "es"])
def test_self_criticism_gets_an_affirmation_for_what_the_client_did(
    reflector: ScriptedReflector, store: ContentStore, lang: str
) -> None:
    reply = reflector.compose(ReplyRequest(text=SIX[lang][1], language=lang, turn_index=1))
    assert any(s in pool(store, lang, "affirm_showed_up") for s in reply), reply


@pytest.mark.parametrize("lang", ["en", "es"])
def test_short_answer_returns_gently_to_an_earlier_thread(
    reflector: ScriptedReflector, lang: str
) -> None:
    history = ((Speaker.CLIENT, SIX[lang][2]), (Speaker.REFLECTOR, "..."))
    reply = reflector.compose(ReplyRequest(text=SIX[lang][4], language=lang, turn_index=4,
                                           history=history))
    assert len(reply) == 2 and reply[-1].endswith("?")
    assert ("your mom" if lang == "en" else "tu mamá") in reply[-1]


@pytest.mark.parametrize("lang", ["en", "es"])
def test_six_turn_conversation_through_the_engine(store: ContentStore, lang: str) -> None:
    engine = ReflectionEngine.load(store, responder=ScriptedReflector(store))
    conversation = engine.new_conversation(lang)
    replies = []
    for text in SIX[lang]:
        done = list(conversation.respond(text, lang=lang))[-1]
        assert isinstance(done, ReplyDone) and not done.crisis and done.blocked == 0
        replies.append(done.text)
    own = {"en": ["anxious", "not good enough", "never amount to anything",
                  "feel more confident", "pointless", "your mom"],
           "es": ["ansiosa", "no eres suficiente", "nunca llegarías a nada",
                  "sentirte más segura", "no tiene sentido", "tu mamá"]}[lang]
    for turn, words in enumerate(own):
        if turn != 4:  # the short answer gets a gentle opening, not a mirror
            assert words in replies[turn], (turn, replies[turn])
    sentences = [s for r in replies for s in r.replace("?", "?|").replace(". ", ".|").split("|")]
    keys = [sentence_key(s) for s in sentences if s.strip()]
    assert len(keys) == len(set(keys))


def test_no_reply_is_ever_blocked_by_the_filter(reflector: ScriptedReflector,
                                                store: ContentStore) -> None:
    check = ReplyFilter.load(store)
    texts = [(t, lang) for lang, turns in SIX.items() for t in turns] + all_utterances()
    for name in ("screening_en", "screening_es"):
        for line in (DATA / f"{name}.jsonl").read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.append((row["text"], row["lang"]))
    assert len(texts) > 200
    for i, (text, lang) in enumerate(texts):
        reply = reflector.compose(ReplyRequest(text=text, language=lang, turn_index=i % 4))
        assert 1 <= len(reply) <= 3 and sum(s.endswith("?") for s in reply) <= 1
        for sentence in reply:
            verdict = check.check(sentence, lang=lang, client_text=text)
            assert verdict.allowed, (text, sentence, verdict.reasons)


def test_stems_vary_across_a_session(reflector: ScriptedReflector) -> None:
    turns = ["I'm so stressed about work", "I'm stressed about my sister too",
             "And stressed about money", "I feel stressed all the time",
             "My boss stresses me out", "Honestly just stressed"]
    used: set[str] = set()
    firsts = []
    for i, text in enumerate(turns):
        reply = reflector.compose(ReplyRequest(text=text, turn_index=i,
                                               used_phrases=frozenset(used)))
        used.update(reply)
        firsts.append(" ".join(reply[0].split()[:3]))
    # The same feeling six times still gets reflected with different openings.
    assert len(set(firsts)) >= 5, firsts
