"""Session-level risk: cues across turns raise the turn where they become strong (raise-only)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reflection.content_files import PACKAGED_CONTENT_DIR, ContentStore
from reflection.engine import ReflectionEngine
from reflection.errors import GuardrailContentError
from reflection.events import ReplyDone, Screened
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel
from reflection.session_risk import Combination, SessionCues, SessionRisk

NONE = RiskAssessment()


@pytest.fixture(scope="module")
def cues() -> SessionCues:
    return SessionCues.load(ContentStore())


@pytest.fixture(scope="module")
def engine() -> ReflectionEngine:
    return ReflectionEngine.load(ContentStore())


def levels(cues: SessionCues, turns: list[str], screened: list[RiskAssessment] | None = None
           ) -> list[RiskAssessment]:
    risk = SessionRisk(cues)
    given = screened or [NONE] * len(turns)
    return [risk.observe(text, a) for text, a in zip(turns, given, strict=True)]


def test_a_disclosure_told_in_pieces_is_raised_at_the_turn_it_completes(cues: SessionCues
                                                                         ) -> None:
    out = levels(cues, [
        "I'm 13 and I'm only here because my aunt brought me.",
        "my mom's boyfriend lives with us now.",
        "I'd rather sleep at my cousin's house so I don't have to go back there.",
        "once mom is asleep he gets into my bed.",
    ])
    assert [int(a.level) for a in out] == [0, 0, 0, 2]
    assert out[3].categories == {RiskCategory.ABUSED}
    # The alert shows why: the words of this turn, named by combination and concept.
    assert out[3].evidence and all(e.rule.startswith("session:household_night:")
                                   for e in out[3].evidence)
    assert "into my bed" in " ".join(e.text for e in out[3].evidence)


def test_spanish_pieces_are_read_too(cues: SessionCues) -> None:
    out = levels(cues, [
        "Mi vecino me debe dinero desde hace un año.",
        "Estoy harto, nunca hace nada por pagarme.",
        "En mi camioneta traigo un cuchillo de caza.",
        "Ya me sé a qué hora sale de su trabajo.",
    ])
    assert [int(a.level) for a in out] == [0, 0, 0, 2]
    assert out[3].categories == {RiskCategory.HARM_OTHERS}


def test_goodbye_behaviour_needs_a_second_kind_of_sign(cues: SessionCues) -> None:
    out = levels(cues, [
        "I gave away my fishing gear to my neighbour's kid.",
        "my friends would honestly be better off without me around.",
    ])
    assert [int(a.level) for a in out] == [0, 2]
    assert out[1].categories == {RiskCategory.SUICIDE}


def test_two_preparations_alone_only_check_in(cues: SessionCues) -> None:
    out = levels(cues, ["I finally wrote my will last week.",
                        "and I'm giving away all my records to my brother."])
    assert [int(a.level) for a in out] == [0, 1]


def test_an_explained_move_is_not_goodbye_behaviour(cues: SessionCues) -> None:
    out = levels(cues, [
        "We're moving to another state in June.",
        "I've been giving away my books to the library.",
        "and I said goodbye to everyone at church on Sunday.",
    ])
    assert all(a.level == RiskLevel.NONE for a in out)


def test_a_weapon_without_a_grievance_is_not_a_threat(cues: SessionCues) -> None:
    out = levels(cues, [
        "my grandpa left me his shotgun and I don't know what to do with it.",
        "he always got home around five and we'd clean it together.",
        "I miss him a lot.",
    ])
    assert all(a.level == RiskLevel.NONE for a in out)


def test_it_only_raises_and_keeps_what_the_screener_found(cues: SessionCues) -> None:
    screened = RiskAssessment(level=RiskLevel.IMMINENT,
                              categories=frozenset({RiskCategory.SUICIDE}),
                              evidence=(Evidence(0, 4, "pill", "rule"),), language="en")
    out = levels(cues, ["my stepfather scares me", "he says it's our secret and I'm 12"],
                 [NONE, screened])
    assert out[1].level == RiskLevel.IMMINENT  # never lowered to the session's 2
    assert out[1].evidence == screened.evidence  # nothing added when it does not raise
    low = RiskAssessment(level=RiskLevel.CONCERN, categories=frozenset({RiskCategory.SUICIDE}),
                         evidence=(Evidence(0, 2, "my", "rule"),), language="en")
    raised = levels(cues, ["my stepfather scares me", "he says it's our secret and I'm 12"],
                    [NONE, low])[1]
    assert raised.level == RiskLevel.HIGH
    assert raised.categories == {RiskCategory.SUICIDE, RiskCategory.ABUSED}
    assert low.evidence[0] in raised.evidence


def test_an_earlier_screened_concern_counts_as_a_sign(cues: SessionCues) -> None:
    concern = RiskAssessment(level=RiskLevel.CONCERN, categories=frozenset({RiskCategory.SUICIDE}))
    out = levels(cues, ["some days I just want it all to stop", "I gave my bike away to my cousin"],
                 [concern, NONE])
    assert out[1].level == RiskLevel.HIGH
    # The same preparation without the earlier concern is not a crisis.
    assert levels(cues, ["work was long", "I gave my bike away to my cousin"])[1].level == 0


def test_each_group_needs_a_different_concept() -> None:
    combo = Combination("x", RiskCategory.ABUSED, RiskLevel.HIGH,
                        (("partner",), ("fear_of_person", "threat_at_home"),
                         ("avoid_home", "threat_at_home")))
    assert combo.met_by({"partner", "threat_at_home"}) is None
    assert combo.met_by({"partner", "threat_at_home", "fear_of_person"}) == (
        "partner", "fear_of_person", "threat_at_home")


def test_the_two_languages_must_agree(tmp_path: Path) -> None:
    root = tmp_path / "content"
    shutil.copytree(PACKAGED_CONTENT_DIR, root)
    es = root / "es" / "session_risk.toml"
    es.write_text(es.read_text(encoding="utf-8").replace('level = 1', 'level = 2'),
                  encoding="utf-8")
    with pytest.raises(GuardrailContentError):
        SessionCues.load(ContentStore(root))


def test_engine_opens_the_crisis_at_that_turn_and_stays_locked(engine: ReflectionEngine
                                                               ) -> None:
    conversation = engine.new_conversation("es")
    turns = ["Mi marido me revisa el celular todos los días.",
             "Cuando llegue a casa me va a ir muy mal, me dijo que vamos a arreglar cuentas.",
             "¿Va a venir alguien?"]
    done: list[ReplyDone] = []
    for text in turns:
        events = list(conversation.respond(text))
        assert isinstance(events[0], Screened)
        done.append(next(e for e in events if isinstance(e, ReplyDone)))
    assert [d.crisis for d in done] == [False, True, True]
    assert conversation.locked
    assert conversation.session_risk.fired == {"partner_danger"}
    assert "terapeuta" in done[2].text.lower()  # the follow-up says who is coming
    assert "988" not in done[2].text  # not the whole block again


def test_a_conversation_without_a_crisis_must_not_open_one() -> None:
    from reflection.conversation_checks import Reply, Run, expectation_failures

    quiet = Run("x", "en", [Reply(0, "hi there", "Hello, it's good to see you.")])
    assert expectation_failures(quiet) == []
    alarmed = Run("y", "en", [Reply(0, "my dog died", "Thank you for telling me.", crisis=True,
                                    first_crisis=True)])
    assert [f.check for f in expectation_failures(alarmed)] == ["false_crisis"]


def test_follow_ups_hear_someone_coming_in_other_words() -> None:
    from reflection.crisis_followup import CrisisFollowUps

    followups = CrisisFollowUps(ContentStore())
    assert followups.intent("is anybody gonna come see me?", "en") == "coming"
    assert followups.intent("¿van a venir por mí?", "es") == "coming"


def test_a_surprise_is_not_the_secrecy_of_abuse(cues: SessionCues) -> None:
    out = levels(cues, [
        "I'm 14, my stepdad and I are throwing a surprise party for mom",
        "he made me promise, it's our little secret until Saturday",
    ])
    assert all(a.level == RiskLevel.NONE for a in out)
    # Without the surprise the same secrecy with a stepparent and a child is a crisis.
    told = levels(cues, ["I'm 14 and I live with my stepdad",
                         "he made me promise, it's our little secret"])
    assert told[1].level == RiskLevel.HIGH


def test_a_shared_budget_is_not_control(cues: SessionCues) -> None:
    out = levels(cues, ["Mi pareja revisa las cuentas de la luz conmigo.",
                        "Hoy no quiero volver a la casa, hay mucho que lavar."])
    assert all(a.level == RiskLevel.NONE for a in out)
