"""The built-in reflector: deterministic Motivational Interviewing (OARS) replies."""

from __future__ import annotations

import zlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reflection.content_files import ContentStore, base_language
from reflection.responders.base import ReplyRequest, Speaker
from reflection.responders.cues import CueReader, Cues

MAX_SENTENCES = 3


def sentence_key(sentence: str) -> str:
    """How sentences are compared for "never the same sentence twice"."""
    return " ".join(sentence.lower().split()).strip(" .!?¿¡")


@dataclass
class _Composer:
    """Builds one reply, never reusing a sentence already said."""

    templates: Mapping[str, Any]
    turn: int
    used: set[str]
    fills: dict[str, str]
    sentences: list[str] = field(default_factory=list)

    def pick(self, *pools: str) -> bool:
        """Add the first unused sentence from the pools, in order; False if none is left."""
        for pool in pools:
            options = self._pool(pool)
            if not options:
                continue
            # Rotate by turn (not by the text) so replies to counterfactual inputs match.
            offset = (self.turn * 3 + zlib.crc32(pool.encode())) % len(options)
            for k in range(len(options)):
                sentence = options[(offset + k) % len(options)].format(**self.fills)
                if sentence_key(sentence) not in self.used:
                    self.used.add(sentence_key(sentence))
                    self.sentences.append(sentence)
                    return True
        return False

    def _pool(self, pool: str) -> Sequence[str]:
        if pool.startswith("complex."):
            complex_pools: Mapping[str, Sequence[str]] = self.templates.get("complex", {})
            return complex_pools.get(pool.split(".", 1)[1], ())
        options: Sequence[str] = self.templates.get(pool, ())
        return options


class ScriptedReflector:
    """Reflects the client's own feeling and content words, affirms, asks at most one question."""

    name = "scripted"

    def __init__(self, store: ContentStore | None = None) -> None:
        self._store = store or ContentStore()
        self._readers: dict[str, CueReader] = {}

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        """Yield the reply one sentence at a time."""
        sentences = self.compose(request)
        for i, sentence in enumerate(sentences):
            yield sentence if i == len(sentences) - 1 else sentence + " "

    def reader(self, lang: str) -> CueReader:
        """The cue reader for a language (built once per instance)."""
        lang = base_language(lang)
        if lang not in self._readers:
            self._readers[lang] = CueReader(self._store.load(lang, "reflections"))
        return self._readers[lang]

    def line(
        self, pool: str, lang: str, *, used: Collection[str] = (), turn: int = 0
    ) -> str:
        """One sentence from a named template pool (opening, focus_question, safe_fallback...)."""
        templates = self._store.load(base_language(lang), "reflections")["templates"]
        out = _Composer(templates, turn, {sentence_key(u) for u in used}, {})
        if out.pick(pool):
            return out.sentences[0]
        options: Sequence[str] = templates.get(pool, ())
        return options[turn % len(options)] if options else ""  # all used: repeating is fine

    def compose(self, request: ReplyRequest) -> list[str]:
        """The reply's sentences: a reflection, maybe an affirmation, at most one question."""
        lang = base_language(request.language)
        templates = self._store.load(lang, "reflections")["templates"]
        cues = self.reader(lang).read(request.text)
        fills = {
            "feeling": cues.feeling,
            "noun": cues.noun,
            "topic": cues.topic,
            "a": cues.ambivalence[0] if cues.ambivalence else "",
            "b": cues.ambivalence[1] if cues.ambivalence else "",
        }
        used = {sentence_key(p) for p in request.used_phrases}
        out = _Composer(templates, request.turn_index, used, fills)
        self._reflect(out, cues)
        if request.turn_index % 4 == 3 and not (cues.meta or cues.short):
            self._summarise(out, request, lang)
        self._second(out, cues, request.turn_index)
        if self._asks(cues, request.turn_index) and len(out.sentences) < MAX_SENTENCES:
            out.pick(*self._question_pools(cues))
        if not out.sentences:
            out.pick("general", "safe_fallback", "question_general")
        return out.sentences[:MAX_SENTENCES]

    @staticmethod
    def _reflect(out: _Composer, cues: Cues) -> None:
        """The reflection comes first: it shows the client they were heard."""
        if cues.meta:
            out.pick("meta", "general")
            if cues.feeling:
                out.pick("feeling")
            return
        pools: list[str] = []
        if cues.ambivalence:
            pools.append("ambivalence")
        if cues.ambivalent:
            pools.append("ambivalence_generic")
        if cues.feeling and cues.topic:
            pools.append("feeling_topic")
        if cues.feeling:
            pools.append("feeling")
        if cues.noun:
            pools.append("feeling_noun")
        if cues.topic:
            pools.append("topic")
        if cues.short and not pools:
            pools.append("short")
        if cues.family:
            pools.append(f"complex.{cues.family}")
        pools.append("general")
        out.pick(*pools)
        if cues.advice:
            out.pick("advice")

    def _summarise(self, out: _Composer, request: ReplyRequest, lang: str) -> None:
        """Every few turns, a short summary reflection linking two things the client raised."""
        reader = self.reader(lang)
        said = [text for speaker, text in request.history if speaker is Speaker.CLIENT]
        seen = set(reader.read(request.text).themes)  # just reflected; link earlier things
        earlier: list[str] = []
        for text in reversed(said):
            cues = reader.read(text)
            if cues.topic and cues.themes and cues.themes[0] not in seen and not cues.meta:
                seen.add(cues.themes[0])
                earlier.append(cues.topic)
        if len(earlier) >= 2:
            out.fills.update(t1=earlier[1], t2=earlier[0])
            out.pick("summary_reflection")

    @staticmethod
    def _second(out: _Composer, cues: Cues, turn: int) -> None:
        """Sometimes a complex reflection or an affirmation, so replies do not feel stamped."""
        if cues.meta or cues.short or len(out.sentences) >= 2:
            return
        if cues.effort:
            out.pick("affirm_effort", "affirm")
        elif turn % 3 == 1 and (cues.family or cues.noun_family):
            out.pick(f"complex.{cues.family or cues.noun_family}")
        elif turn % 3 == 2 and not cues.positive:
            out.pick("affirm")

    @staticmethod
    def _asks(cues: Cues, turn: int) -> bool:
        """Reflect more than ask (MI aims for about two reflections per question)."""
        thin = not (cues.feeling or cues.noun or cues.topic or cues.ambivalent)
        return thin or cues.meta or cues.short or turn % 2 == 0

    @staticmethod
    def _question_pools(cues: Cues) -> list[str]:
        if cues.short:
            return ["question_short", "question_general"]
        if cues.ambivalent:
            return ["question_ambivalence", "question_general"]
        pools = []
        if cues.topic and not cues.meta:
            pools.append("question_topic")
        if cues.feeling and not cues.meta:
            pools.append("question_feeling")
        return [*pools, "question_general", "question_short"]
