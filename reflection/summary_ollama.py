"""Summaries from a local Ollama model (JSON-schema output), grounded in what was said."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import httpx
import ollama
from pydantic import ValidationError

from reflection.content_files import ContentStore, base_language
from reflection.responders.cues import fold
from reflection.responders.prompting import system_prompt, wrap_client_text
from reflection.summary import (
    ExtractiveSummarizer,
    Summarizer,
    Summary,
    TurnRecord,
    disclosures,
    focus_text,
    risk_flags,
)

log = logging.getLogger(__name__)


def _grounded(phrase: str, said: str) -> bool:
    """True when a phrase appears in the client's words (case, accents, spacing ignored)."""
    needle = " ".join(fold(phrase).split()).strip(" .,!?¿¡")
    return bool(needle) and needle in said


class OllamaSummarizer:
    """Asks the model for a Summary; anything not grounded is dropped; falls back if invalid."""

    def __init__(
        self,
        *,
        host: str,
        model: str,
        store: ContentStore | None = None,
        fallback: Summarizer | None = None,
        timeout_s: float = 30.0,
    ) -> None:
        self.model = model
        self._store = store or ContentStore()
        self._fallback = fallback or ExtractiveSummarizer(self._store)
        self._client = ollama.Client(host=host, timeout=httpx.Timeout(timeout_s, connect=2.0))

    def summarize(self, turns: Sequence[TurnRecord], *, language: str) -> Summary:
        """A draft summary of every turn so far; extractive if the model's output is unusable."""
        lang = base_language(language)
        story = [t for t in turns if not t.meta and t.text.strip()]
        if not story:
            return self._fallback.summarize(turns, language=lang)
        try:
            candidate = self._ask(story, lang)
        except (ValidationError, ValueError) as exc:
            log.warning("ollama summary invalid (%s); using extractive summary", type(exc).__name__)
            return self._fallback.summarize(turns, language=lang)
        except Exception as exc:  # unreachable, missing model, timeout: all fall back
            log.warning("ollama summary failed (%s); using extractive summary", type(exc).__name__)
            return self._fallback.summarize(turns, language=lang)
        said = " ".join(" ".join(fold(t.text).split()) for t in story)
        phrases = [p for p in candidate.key_phrases if _grounded(p, said)]
        feelings = [f for f in candidate.feelings if _grounded(f.word, said)]
        themes = [t.strip() for t in candidate.themes if t.strip()][:8]
        if not (phrases or feelings):
            log.warning("ollama summary not grounded in the client's words; using extractive")
            return self._fallback.summarize(turns, language=lang)
        # Risk flags, counts and the draft mark come from the engine, never from the model.
        return Summary(
            themes=themes,
            feelings=feelings,
            key_phrases=phrases,
            focus=focus_text(turns),
            risk_flags=risk_flags(turns),
            disclosures=disclosures(turns),
            questions=[t.text.strip() for t in turns if t.for_therapist][:12],
            turn_count=len(turns),
            draft=True,
            language=lang,
        )

    def _ask(self, story: Sequence[TurnRecord], lang: str) -> Summary:
        prompts = self._store.load(lang, "prompts")
        transcript = "\n".join(wrap_client_text(t.text, prompts) for t in story)
        response = self._client.chat(
            model=self.model,
            messages=[
                {"role": "system", "content": system_prompt(prompts, "summary_system")},
                {"role": "user", "content": transcript},
            ],
            format=Summary.model_json_schema(),
            stream=False,
            options={"temperature": 0},
        )
        return Summary.model_validate_json(response.message.content or "")
