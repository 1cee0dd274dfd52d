"""ScriptedReflector: deterministic MI reflections from the content files."""

from __future__ import annotations

import re

import pytest

from reflection.content_files import ContentStore
from reflection.responders.base import ReplyRequest, Responder
from reflection.responders.scripted import ScriptedReflector, sentence_key

EN_TURNS = [
    "I've been really anxious about my sister.",
    "I don't know.",
    "I want to quit my job but I need the money.",
    "Work has been so stressful and I can't sleep.",
    "fine",
    "I'm not angry, just tired of everything.",
    "I finally started going to the gym and I feel proud.",
    "What should I do about my husband?",
    "I guess I'm just lonely since the move.",
    "There's so much stress at home.",
    "I should call my mom but I'm scared of what she'll say.",
    "My kids are driving me crazy.",
]
ES_TURNS = [
    "Me siento muy ansiosa por mi trabajo.",
    "No sé.",
    "Quiero dejar el trabajo pero necesito el dinero.",
    "Mis hijos me tienen agotada.",
    "Tengo mucho estrés en la casa.",
    "No estoy enojado, solo cansado.",
    "Por fin empecé a hacer ejercicio y me siento orgullosa.",
    "¿Qué debo hacer con mi esposo?",
    "Me siento sola desde la mudanza.",
    "Debería llamar a mi madre pero tengo miedo.",
    "nada",
    "Mi jefe me grita y estoy harta.",
]


@pytest.fixture(scope="module")
def reflector() -> ScriptedReflector:
    return ScriptedReflector(ContentStore())


def converse(reflector: ScriptedReflector, turns: list[str], lang: str) -> list[list[str]]:
    used: set[str] = set()
    replies = []
    for i, text in enumerate(turns):
        request = ReplyRequest(text=text, language=lang, turn_index=i, used_phrases=frozenset(used))
        sentences = re.findall(r"[^.!?]+[.!?]", "".join(reflector.stream(request)))
        sentences = [s.strip() for s in sentences]
        used.update(sentences)
        replies.append(sentences)
    return replies


def template_patterns(lang: str) -> list[re.Pattern[str]]:
    templates = ContentStore().load(lang, "reflections")["templates"]
    lines: list[str] = []
    for value in templates.values():
        lines += value if isinstance(value, list) else [x for v in value.values() for x in v]
    return [re.compile(re.sub(r"\\\{\w+\\\}", ".+", re.escape(line)) + "$") for line in lines]


def test_is_a_responder(reflector: ScriptedReflector) -> None:
    assert isinstance(reflector, Responder) and reflector.name == "scripted"


@pytest.mark.parametrize(("turns", "lang"), [(EN_TURNS, "en"), (ES_TURNS, "es")])
def test_shape_of_every_reply(reflector: ScriptedReflector, turns: list[str], lang: str) -> None:
    patterns = template_patterns(lang)
    for text, reply in zip(turns, converse(reflector, turns, lang), strict=True):
        assert 1 <= len(reply) <= 3, (text, reply)
        assert sum(s.endswith("?") for s in reply) <= 1, reply
        # Reflect before asking: a question never comes first.
        assert not reply[0].endswith("?"), reply
        # Every sentence is one of this language's reviewed templates.
        for sentence in reply:
            assert any(p.match(sentence) for p in patterns), (lang, sentence)
        # Never parrots the whole utterance back.
        if len(text.split()) >= 5:
            assert text.lower().rstrip(".?!") not in " ".join(reply).lower()


@pytest.mark.parametrize(("turns", "lang"), [(EN_TURNS, "en"), (ES_TURNS, "es")])
def test_never_the_same_sentence_twice(
    reflector: ScriptedReflector, turns: list[str], lang: str
) -> None:
    # The real turns, then the same short answer over and over.
    replies = converse(reflector, turns + [turns[1]] * 8, lang)
    said = [sentence_key(s) for reply in replies for s in reply]
    assert len(said) >= 20
    assert len(said) == len(set(said))


@pytest.mark.parametrize(
    ("text", "lang", "word"),
    [
        ("I've been really anxious about my sister.", "en", "anxious"),
        ("Honestly I'm exhausted by all of it.", "en", "exhausted"),
        ("I'm not angry, just tired.", "en", "tired"),
        ("I keep feeling so overwhelmed at school", "en", "overwhelmed"),
        ("Me siento muy ansiosa por mi trabajo.", "es", "ansiosa"),
        ("No estoy enojado, solo cansado.", "es", "cansado"),
    ],
)
def test_reflects_the_clients_own_feeling_word(
    reflector: ScriptedReflector, text: str, lang: str, word: str
) -> None:
    reply = reflector.compose(ReplyRequest(text=text, language=lang))
    assert word in reply[0].lower()


def test_negated_feeling_is_not_reflected(reflector: ScriptedReflector) -> None:
    reply = " ".join(reflector.compose(ReplyRequest(text="I'm not angry, just tired.")))
    assert "angry" not in reply.lower()


def test_content_words_are_turned_round(reflector: ScriptedReflector) -> None:
    reply = reflector.compose(ReplyRequest(text="My sister never calls me back.", turn_index=1))
    assert "your sister" in reply[0]
    es = reflector.compose(ReplyRequest(text="Mi hermana no me llama.", language="es"))
    assert "tu hermana" in es[0]


@pytest.mark.parametrize(
    ("text", "lang", "sides"),
    [
        ("I want to quit my job but I need the money.", "en",
         ("you want to quit your job", "you need the money")),
        ("Quiero dejar el trabajo pero necesito el dinero.", "es",
         ("quieres dejar el trabajo", "necesitas el dinero")),
    ],
)
def test_double_sided_reflection_for_ambivalence(
    reflector: ScriptedReflector, text: str, lang: str, sides: tuple[str, str]
) -> None:
    first = reflector.compose(ReplyRequest(text=text, language=lang))[0]
    assert sides[0] in first and sides[1] in first


@pytest.mark.parametrize("text", ["I don't know", "fine", "idk", "no sé", "nada"])
def test_very_short_inputs_get_a_gentle_opening(reflector: ScriptedReflector, text: str) -> None:
    lang = "es" if text in ("no sé", "nada") else "en"
    reply = reflector.compose(ReplyRequest(text=text, language=lang))
    assert len(reply) == 2 and reply[-1].endswith("?")
    assert text not in " ".join(reply).lower()


def test_deterministic(reflector: ScriptedReflector) -> None:
    request = ReplyRequest(text="Work has me worried.", turn_index=4)
    assert reflector.compose(request) == reflector.compose(request)


def test_effort_is_affirmed(reflector: ScriptedReflector) -> None:
    reply = reflector.compose(ReplyRequest(text="I've been trying to get to bed earlier.",
                                           turn_index=1))
    affirmations = ContentStore().load("en", "reflections")["templates"]["affirm_effort"]
    assert any(s in affirmations for s in reply)
