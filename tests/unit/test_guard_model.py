"""The optional Ollama guard: raise-only, off when unreachable, against the fake Ollama server."""

from __future__ import annotations

import asyncio
import json
import time

from benchmarks.ollama_stub import FakeOllamaScript, running_fake_ollama
from reflection.content_files import ContentStore
from reflection.guard_model import ANSWER_SCHEMA, OllamaGuard
from reflection.risk import RiskCategory, RiskLevel
from reflection.screening import RiskScreener

MODEL = "llama3.2:3b"


def test_model_grade_raises_the_rule_level_and_sends_the_schema() -> None:
    script = FakeOllamaScript(json_reply=json.dumps({"level": 2, "categories": ["suicide"]}))
    with running_fake_ollama(script) as fake:
        guard = OllamaGuard(host=fake.host, model=MODEL)
        screener = RiskScreener.load(ContentStore(), classifier=guard)
        text = "everything is grey and I keep drifting toward the edge"
        result = screener.screen(text, "en")
    assert result.level == RiskLevel.HIGH and RiskCategory.SUICIDE in result.categories
    chat = [r for r in script.requests if r["path"] == "/api/chat"][-1]
    assert chat["format"] == ANSWER_SCHEMA and chat["stream"] is False
    assert chat["messages"][-1]["content"] == text
    # The alert evidence names the model and carries no client words.
    assert [e.text for e in result.evidence if e.rule.startswith("model.")] == [""]


def test_model_saying_zero_never_lowers_the_rules() -> None:
    script = FakeOllamaScript(json_reply=json.dumps({"level": 0, "categories": []}))
    with running_fake_ollama(script) as fake:
        screener = RiskScreener.load(ContentStore(), classifier=OllamaGuard(host=fake.host,
                                                                            model=MODEL))
        assert screener.screen("I have a plan to kill myself tonight", "en").level == 3


def test_garbage_or_slow_answers_leave_the_rules_alone() -> None:
    script = FakeOllamaScript(json_reply="not json at all")
    with running_fake_ollama(script) as fake:
        guard = OllamaGuard(host=fake.host, model=MODEL)
        assert guard.classify("hello", "en").level == RiskLevel.NONE
        script.json_reply, script.json_delay_s = json.dumps({"level": 3, "categories": []}), 1.5
        slow = OllamaGuard(host=fake.host, model=MODEL, timeout_s=0.3)
        assert slow.classify("hello", "en").level == RiskLevel.NONE


def test_unreachable_ollama_is_harmless() -> None:
    guard = OllamaGuard(host="http://127.0.0.1:9", model=MODEL, timeout_s=0.5)
    screener = RiskScreener.load(ContentStore(), classifier=guard)
    assert screener.screen("I want to die", "en").level == RiskLevel.HIGH
    assert screener.screen("quiero ir al cine", "es").level == RiskLevel.NONE


def test_classify_beside_runs_off_the_event_loop() -> None:
    script = FakeOllamaScript(json_reply=json.dumps({"level": 1, "categories": ["self_harm"]}))
    with running_fake_ollama(script) as fake:
        guard = OllamaGuard(host=fake.host, model=MODEL)
        result = asyncio.run(guard.classify_beside("me siento rara", "es"))
    assert result.level == RiskLevel.CONCERN and result.language == "es"
    assert result.categories == {RiskCategory.SELF_HARM}


def test_the_model_grade_runs_beside_the_reply_and_raises_the_next_turn() -> None:
    from reflection.engine import ReflectionEngine
    from reflection.events import CrisisTriggered, ReplyDone
    from reflection.late_screening import LateScreen

    script = FakeOllamaScript(json_reply=json.dumps({"level": 2, "categories": ["suicide"]}),
                              json_delay_s=0.3)
    with running_fake_ollama(script) as fake:
        late = LateScreen(OllamaGuard(host=fake.host, model=MODEL))
        engine = ReflectionEngine(**{**vars_of(ReflectionEngine.load()), "late_screen": late})
        conversation = engine.new_conversation("en")
        first = list(conversation.respond("everything is grey and I keep drifting", lang="en"))
        # The reply did not wait for the slow model.
        assert isinstance(first[-1], ReplyDone) and not first[-1].crisis
        for _ in range(50):
            if conversation._late is not None and conversation._late.done():
                break
            time.sleep(0.05)
        second = list(conversation.respond("anyway, work was fine", lang="en"))
        late.close()
    assert any(isinstance(e, CrisisTriggered) for e in second)
    assert any(e.rule == f"model.{MODEL}" for e in second[0].assessment.evidence)  # type: ignore[union-attr]


def vars_of(engine: object) -> dict[str, object]:
    """The constructor keywords of a loaded engine, to rebuild it with one change."""
    keys = ("screener", "crisis", "reply_filter", "responder", "summarizer", "store", "limits")
    return {k: getattr(engine, k) for k in keys}
