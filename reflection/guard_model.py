"""An optional Ollama safety classifier beside the rules: it can only raise a level, late."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import httpx
import ollama

from reflection.content_files import ContentStore, base_language
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel

log = logging.getLogger(__name__)

# The JSON schema the model must answer in (Ollama structured outputs, `format=`).
ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "level": {"type": "integer", "minimum": 0, "maximum": 3},
        "categories": {"type": "array", "items": {"type": "string",
                                                   "enum": [c.value for c in RiskCategory]}},
    },
    "required": ["level", "categories"],
}


class OllamaGuard:
    """Asks a local model to grade one client turn; off (returns NONE) whenever it cannot."""

    def __init__(self, *, host: str, model: str, store: ContentStore | None = None,
                 timeout_s: float = 4.0) -> None:
        self.model = model
        self._store = store or ContentStore()
        # A short timeout: a late answer can still raise an alert, a hung one must not pile up.
        self._client = ollama.Client(host=host, timeout=httpx.Timeout(timeout_s, connect=1.0))

    def classify(self, text: str, lang: str) -> RiskAssessment:
        """The model's grade as an assessment (NONE on any failure: the rules stay the floor)."""
        language = base_language(lang)
        try:
            answer = self._ask(text, language)
            level = RiskLevel(max(0, min(3, int(answer.get("level", 0)))))
            categories = frozenset(RiskCategory(c) for c in answer.get("categories", [])
                                   if c in RiskCategory.__members__.values())
        except (ollama.ResponseError, httpx.HTTPError, ConnectionError, OSError, ValueError,
                TypeError, KeyError, json.JSONDecodeError) as exc:
            log.info("guard model unavailable (%s); rules alone decide", type(exc).__name__)
            return RiskAssessment(language=language)
        if level == RiskLevel.NONE:
            return RiskAssessment(language=language)
        # No client words in the evidence: the alert names the model, not the turn.
        evidence = (Evidence(0, 0, "", f"model.{self.model}"),)
        return RiskAssessment(level, categories, evidence, language)

    def _ask(self, text: str, lang: str) -> dict[str, Any]:
        prompt = str(self._store.load(lang, "screening_guard")["system_prompt"]).strip()
        response = self._client.chat(
            model=self.model,
            messages=[{"role": "system", "content": prompt}, {"role": "user", "content": text}],
            format=ANSWER_SCHEMA,
            stream=False,
            options={"temperature": 0},
        )
        parsed = json.loads(response.message.content or "{}")
        if not isinstance(parsed, dict):
            raise ValueError("guard answer is not an object")
        return parsed

    async def classify_beside(self, text: str, lang: str) -> RiskAssessment:
        """The same grade off the event loop, to run beside the reply (never before it)."""
        return await asyncio.to_thread(self.classify, text, lang)
