"""Optional second judge: a short JSON-schema check of each sentence by the local model.

Raise-only: it can withhold a sentence the rules allowed, never release one they blocked. It
has a hard timeout; on a timeout or any error the rules' verdict stands and the judge backs
off for a while so a down model does not add its timeout to every sentence.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import ollama

from reflection.content_files import ContentStore, base_language
from reflection.reply_filter import REASONS, FilterVerdict, ReplyFilter
from reflection.responders.prompting import system_prompt, wrap_client_text

log = logging.getLogger(__name__)

JUDGE_SCHEMA = {
    "type": "object",
    "properties": {
        "safe": {"type": "boolean"},
        "reason": {"type": "string", "enum": [*REASONS, "none"]},
    },
    "required": ["safe", "reason"],
}


@dataclass(frozen=True)
class JudgeResult:
    """The judge's answer: `blocked` only when it answered and said unsafe."""

    blocked: bool
    reason: str = ""
    error: str = ""
    latency_s: float = 0.0


class OllamaReplyJudge:
    """Asks Ollama (non-streamed, `format=` JSON schema) whether one sentence is safe."""

    def __init__(
        self,
        *,
        host: str,
        model: str,
        store: ContentStore | None = None,
        timeout_s: float = 1.5,
        retry_after_s: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self._store = store or ContentStore()
        self._client = ollama.Client(host=host, timeout=httpx.Timeout(timeout_s))
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._skip_until = 0.0
        self._lock = threading.Lock()

    def judge(self, sentence: str, *, lang: str, client_text: str = "") -> JudgeResult:
        """Safe or not; an error or timeout returns blocked=False with the error named."""
        with self._lock:
            if self._clock() < self._skip_until:
                return JudgeResult(blocked=False, error="backing off")
        start = time.perf_counter()
        try:
            prompts = self._store.load(base_language(lang), "prompts")
            content = json.dumps({"sentence": sentence}, ensure_ascii=False)
            if client_text:
                content += "\n" + wrap_client_text(client_text, prompts)
            response = self._client.chat(
                model=self.model,
                messages=[
                    {"role": "system", "content": system_prompt(prompts, "reply_judge_system")},
                    {"role": "user", "content": content},
                ],
                format=JUDGE_SCHEMA,
                stream=False,
                options={"temperature": 0, "num_predict": 24},
            )
            answer = json.loads(response.message.content or "")
            safe = answer["safe"]
            if not isinstance(safe, bool):
                raise ValueError("judge answer has no boolean 'safe'")
        except Exception as exc:  # timeout, unreachable, bad JSON: the rules stand alone
            with self._lock:
                self._skip_until = self._clock() + self._retry_after_s
            # The exception names come from the client library, never from client words.
            log.warning("reply judge unavailable (%s); rules only", type(exc).__name__)
            return JudgeResult(False, error=type(exc).__name__,
                               latency_s=time.perf_counter() - start)
        reason = str(answer.get("reason", ""))
        reason = reason if reason in REASONS else "general"
        return JudgeResult(not safe, reason if not safe else "", "",
                           time.perf_counter() - start)


class JudgedReplyFilter:
    """The rules first; a sentence they allow is then put to the judge (raise-only)."""

    def __init__(self, rules: ReplyFilter, judge: OllamaReplyJudge) -> None:
        self.rules = rules
        self.judge = judge

    def check(self, sentence: str, *, lang: str = "en", client_text: str = "") -> FilterVerdict:
        """Blocked by the rules stays blocked; allowed may still be withheld by the judge."""
        verdict = self.rules.check(sentence, lang=lang, client_text=client_text)
        if not verdict.allowed or not sentence.strip():
            return verdict
        result = self.judge.judge(sentence, lang=lang, client_text=client_text)
        if not result.blocked:
            return verdict
        reason = result.reason if result.reason in REASONS else "general"
        return self.rules.blocked(sentence, lang, (reason,), ("judge",))


def with_judge(
    rules: ReplyFilter, *, enabled: bool, host: str, model: str, store: ContentStore,
    timeout_s: float = 1.5,
) -> ReplyFilter | JudgedReplyFilter:
    """The rules alone, or the rules plus the model judge when it is enabled."""
    if not enabled:
        return rules
    return JudgedReplyFilter(
        rules, OllamaReplyJudge(host=host, model=model, store=store, timeout_s=timeout_s)
    )
