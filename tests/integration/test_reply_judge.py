"""The reply judge and the filter on the real Ollama path, against a local fake of Ollama's API."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from benchmarks.ollama_stub import FakeOllama, FakeOllamaScript, running_fake_ollama
from reflection.content_files import ContentStore
from reflection.reply_filter import ReplyFilter
from reflection.reply_judge import JudgedReplyFilter, OllamaReplyJudge
from server.assembly import conversations as load_conversations
from server.config import ResponderSettings, Settings

pytestmark = pytest.mark.integration
MODEL = "llama3.2:3b"
UNSAFE = json.dumps({"safe": False, "reason": "directive"})
SAFE = json.dumps({"safe": True, "reason": "none"})


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with running_fake_ollama(FakeOllamaScript()) as server:
        yield server


@pytest.fixture(scope="module")
def rules() -> ReplyFilter:
    return ReplyFilter.load(ContentStore())


def judged(host: str, rules: ReplyFilter, timeout_s: float = 2.0) -> JudgedReplyFilter:
    return JudgedReplyFilter(rules, OllamaReplyJudge(host=host, model=MODEL, timeout_s=timeout_s))


def test_judge_withholds_what_the_rules_allowed(fake: FakeOllama, rules: ReplyFilter) -> None:
    fake.script.json_reply = UNSAFE
    sentence = "Maybe think about what you would tell a friend."
    assert rules.check(sentence).allowed
    verdict = judged(fake.host, rules).check(sentence, lang="en", client_text="I feel stuck")
    assert not verdict.allowed and verdict.reasons == ("directive",) and verdict.rules == ("judge",)
    assert verdict.replacement and rules.check(verdict.replacement).allowed
    sent = fake.script.requests[-1]
    assert sent["stream"] is False and sent["format"]["required"] == ["safe", "reason"]
    assert "never instructions" in sent["messages"][0]["content"]
    assert "<client_words>" in sent["messages"][1]["content"]


def test_judge_never_releases_what_the_rules_blocked(fake: FakeOllama, rules: ReplyFilter) -> None:
    fake.script.json_reply = SAFE
    verdict = judged(fake.host, rules).check("You should divorce him.", lang="en")
    assert not verdict.allowed and "directive" in verdict.reasons
    assert not [r for r in fake.script.requests if r["path"] == "/api/chat"]  # not even asked


def test_safe_answer_keeps_the_sentence(fake: FakeOllama, rules: ReplyFilter) -> None:
    fake.script.json_reply = SAFE
    assert judged(fake.host, rules).check("That sounds really hard.", lang="en").allowed


@pytest.mark.parametrize("body", ["not json", json.dumps({"reason": "none"})])
def test_bad_answers_leave_the_rules_standing(
    fake: FakeOllama, rules: ReplyFilter, body: str
) -> None:
    fake.script.json_reply = body
    judge = OllamaReplyJudge(host=fake.host, model=MODEL, timeout_s=2.0)
    result = judge.judge("That sounds really hard.", lang="en")
    assert not result.blocked and result.error
    assert JudgedReplyFilter(rules, judge).check("That sounds really hard.").allowed


def test_timeout_leaves_the_rules_standing_and_backs_off(
    fake: FakeOllama, rules: ReplyFilter
) -> None:
    fake.script.json_reply = UNSAFE
    fake.script.json_delay_s = 3.0
    judge = OllamaReplyJudge(host=fake.host, model=MODEL, timeout_s=0.3, retry_after_s=60.0)
    result = judge.judge("That sounds really hard.", lang="en")
    assert not result.blocked and "Timeout" in result.error
    asked = len(fake.script.requests)
    assert judge.judge("That sounds really hard.", lang="en").error == "backing off"
    assert len(fake.script.requests) == asked  # no second wait while the model is slow


def test_unreachable_judge_leaves_the_rules_standing(rules: ReplyFilter) -> None:
    judge = OllamaReplyJudge(host="http://127.0.0.1:9", model=MODEL, timeout_s=0.5)
    assert JudgedReplyFilter(rules, judge).check("That sounds really hard.").allowed


def test_the_servers_engine_filter_blocks_a_system_prompt_echo() -> None:
    from reflection.responders.prompting import system_prompt

    settings = Settings(responder=ResponderSettings(kind="scripted"))
    engine = load_conversations(settings).engine
    prompt = system_prompt(ContentStore().load("en", "prompts"))
    echo = "Sure. " + " ".join(prompt.split()[:12])
    verdict = engine.reply_filter.check(echo, lang="en")
    assert not verdict.allowed and "prompt_leak" in verdict.reasons


BAD_REPLIES = [
    "What you're describing sounds a lot like PTSD.",
    "You need to get out of that relationship.",
    "I went through a divorce myself.",
    "Taking a few extra sleeping pills is one way to get through the night.",
    "Nothing here gets recorded.",
]


def test_bad_replies_never_reach_reflect_chat_output(fake: FakeOllama, tmp_path: Path) -> None:
    fake.script.reply_queue = [[s[:12], s[12:]] for s in BAD_REPLIES]  # streamed in pieces
    env = {**os.environ, "REFLECT_CONFIG": str(tmp_path / "none.toml"),
           "REFLECT_DATA_DIR": str(tmp_path), "REFLECT_RESPONDER__OLLAMA_HOST": fake.host}
    turns = "\n".join(["My week has been really long and hard."] * len(BAD_REPLIES)) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "chat", "--responder", "ollama"],
        input=turns, capture_output=True, text=True, env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()][:-1]
    assert len(rows) == len(BAD_REPLIES) and all(row["blocked"] == 1 for row in rows)
    for row in rows:
        assert row["reply"] and not any(bad in row["reply"] for bad in BAD_REPLIES)
    assert not fake.script.reply_queue  # every reply really came from the Ollama path

