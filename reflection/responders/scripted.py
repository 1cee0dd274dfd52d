"""The built-in reflector: deterministic Motivational Interviewing (OARS) replies."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING

from reflection.content_files import ContentStore, base_language
from reflection.responders.base import ReplyRequest, Speaker
from reflection.responders.composer import (
    MAX_SENTENCES,
    Composer,
    first_unused,
    sentence_key,
    skeleton,
)
from reflection.responders.cues import CueReader, Cues

if TYPE_CHECKING:
    from reflection.reply_filter import ReplyFilter

__all__ = ["MAX_SENTENCES", "ScriptedReflector", "sentence_key"]


def _echoed(out: Composer, clause: str) -> bool:
    """True when the reply already says this clause of the client's."""
    return bool(clause) and any(clause.lower() in s.lower() for s in out.sentences)


class ScriptedReflector:
    """Reflects the client's own feeling and content words, affirms, asks at most one question."""

    name = "scripted"

    def __init__(self, store: ContentStore | None = None, *,
                 reply_filter: ReplyFilter | None = None) -> None:
        self._store = store or ContentStore()
        self._readers: dict[str, CueReader] = {}
        self._skeletons: dict[str, re.Pattern[str]] = {}
        # The process's one rules filter when the composition root passes it (compiling the
        # rules takes seconds and their memory counts); else this instance loads its own.
        self._filter = reply_filter

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
        return first_unused(templates, pool, used, turn)

    def compose(self, request: ReplyRequest) -> list[str]:
        """The reply's sentences: a reflection, maybe an affirmation, at most one question."""
        lang = base_language(request.language)
        templates = self._store.load(lang, "reflections")["templates"]
        cues = self.reader(lang).read(request.text)
        out = Composer(
            templates, request.turn_index, {sentence_key(p) for p in request.used_phrases},
            self._fills(cues, request, lang),
            allowed=lambda s: self._allowed(s, lang, request.text), skeletons=self._skeleton,
        )
        if cues.social:  # "thanks" / "hello": a warm word back, then one open question
            out.pick(f"{cues.social}_ack")
            out.pick("question_general", "question_short")
            return out.sentences[:MAX_SENTENCES] or [self.line("safe_fallback", lang)]
        streak = self._short_streak(request, lang) if cues.short else 0
        if streak >= 2:
            # Patience: after one question, offer a choice of topics, then quiet, not more asks.
            if streak % 3 != 0:
                out.pick("short_reflect")
            out.pick(("short_choice", "short_silence", "short")[(streak - 2) % 3], "short")
            if streak % 3 == 1 and self._ratio_ok(out, request, lang):
                out.pick("question_return", "question_short")
            return out.sentences[:MAX_SENTENCES] or [self.line("safe_fallback", lang)]
        self._reflect(out, cues)
        if request.turn_index % 4 == 3 and not (cues.meta or cues.short or cues.effort):
            self._summarise(out, request, lang)
        self._second(out, cues, request.turn_index)
        if (self._asks(cues, request.turn_index) and len(out.sentences) < MAX_SENTENCES
                and self._ratio_ok(out, request, lang)):
            out.pick(*self._question_pools(cues))
        if not out.sentences:
            out.pick("general", "safe_fallback", "question_general")
        return out.sentences[:MAX_SENTENCES]

    @staticmethod
    def _ratio_ok(out: Composer, request: ReplyRequest, lang: str) -> bool:
        """Ask only while reflections keep up with questions (R:Q >= 1 over the session)."""
        from reflection.mi_coder import code_sentence  # the evaluation's own coder

        reflections = questions = 0
        client = ""
        said = [*request.history, *((Speaker.REFLECTOR, x) for x in out.sentences)]
        for speaker, text in said:
            if speaker is Speaker.CLIENT:
                client = text
                continue
            code = code_sentence(text, client or request.text, lang)
            reflections += code.endswith("reflection")
            questions += code.endswith("question")
        return questions + 1 <= reflections

    def _short_streak(self, request: ReplyRequest, lang: str) -> int:
        """How many "I don't know" / "fine" turns in a row, this one included."""
        reader = self.reader(lang)
        streak = 1
        for speaker, text in reversed(request.history):
            if speaker is Speaker.CLIENT:
                if not reader.read(text).short:
                    break
                streak += 1
        return streak

    def _fills(self, cues: Cues, request: ReplyRequest, lang: str) -> dict[str, str]:
        c = cues.clauses
        pa, pb = c.parts or ("", "")
        a, b = c.sides or ("", "")
        return {
            "feeling": cues.feeling, "noun": cues.noun, "topic": cues.topic, "a": a, "b": b,
            "pa": pa, "pb": pb, "like": c.like, "belief": c.belief, "label": c.label,
            "outlook": c.outlook, "want": c.want, "focus": c.focus, "who": c.who,
            "said": c.said, "earlier": self._earlier(request, lang, cues),
        }

    def _allowed(self, sentence: str, lang: str, client_text: str) -> bool:
        """The reply filter's verdict: the scripted reflector never says what it would block."""
        if self._filter is None:
            from reflection.reply_filter import ReplyFilter  # loads rules once per instance

            self._filter = ReplyFilter.load(self._store)
        return self._filter.check(sentence, lang=lang, client_text=client_text).allowed

    def _skeleton(self, template: str) -> re.Pattern[str]:
        if template not in self._skeletons:
            self._skeletons[template] = skeleton(template)
        return self._skeletons[template]

    @staticmethod
    def _reflect(out: Composer, cues: Cues) -> None:
        """The reflection comes first: it shows the client they were heard."""
        if cues.meta:
            out.pick("meta", "general")
            if cues.feeling:
                out.pick("feeling")
            return
        c = cues.clauses
        pools: list[str] = ["stuck"] if cues.stuck else []
        if c.sides:
            pools += ["ambivalence_parts", "ambivalence"]
        if c.ambivalent:
            pools.append("ambivalence_generic")
        if c.said:
            pools.append("said")
        if c.label:
            pools += ["evaluation_belief", "feel_like", "evaluation_label"]
        if c.focus:
            pools.append("focus_statement")
        if c.outlook:
            pools.append("outlook")
        if c.like:
            pools.append("feel_like")
        if cues.feeling and cues.topic:
            pools.append("feeling_topic")
        if c.want:
            pools.append("want")
        if cues.feeling:
            pools.append("feeling")
        if cues.noun:
            pools.append("feeling_noun")
        if cues.topic:
            pools.append("topic")
        if cues.short and not pools:
            pools += ["short_reflect", "short"]  # reflect the not-knowing itself
        if cues.family:
            pools.append(f"complex.{cues.family}")
        pools.append("general")
        out.pick(*pools)
        if cues.advice:
            out.pick("advice")

    def _earlier(self, request: ReplyRequest, lang: str, cues: Cues) -> str:
        """The most recent thing the client raised before this turn, to return to gently."""
        reader = self.reader(lang)
        for speaker, text in reversed(request.history):
            if speaker is Speaker.CLIENT:
                earlier = reader.read(text)
                if earlier.topic and not earlier.meta and earlier.topic != cues.topic:
                    return earlier.topic
        return ""

    def _summarise(self, out: Composer, request: ReplyRequest, lang: str) -> None:
        """Every few turns, a short summary reflection linking two things the client raised."""
        reader = self.reader(lang)
        said = [text for speaker, text in request.history if speaker is Speaker.CLIENT]
        seen = set(reader.read(request.text).themes)  # just reflected; link earlier things
        earlier: list[str] = []
        for text in reversed(said):
            cues = reader.read(text)
            # "I feel like a bad dad" is about the client, not about their dad.
            last = cues.topic.split()[-1] if cues.topic else ""
            in_label = bool(last) and last in cues.clauses.label
            if (cues.topic and cues.themes and cues.themes[0] not in seen and not cues.meta
                    and not in_label):
                seen.add(cues.themes[0])
                earlier.append(cues.topic)
        if len(earlier) >= 2:
            out.fills.update(t1=earlier[1], t2=earlier[0])
            out.pick("summary_reflection")

    @staticmethod
    def _second(out: Composer, cues: Cues, turn: int) -> None:
        """An affirmation tied to what the client did, or a complex reflection."""
        if cues.meta or cues.short or len(out.sentences) >= 2:
            return
        c = cues.clauses
        if cues.effort:
            out.pick("affirm_effort", "affirm")
        elif c.label or c.outlook:
            out.pick("affirm_showed_up", "affirm")
        elif c.said:
            out.pick("affirm_said", "affirm")
        elif c.sides:
            out.pick("affirm_ambivalence")
        elif c.focus:
            out.pick("affirm_focus")
        elif c.want and c.growth and not _echoed(out, c.want):
            out.pick("affirm_want")  # never the same clause twice in one reply
        elif turn % 3 == 1 and (cues.family or cues.noun_family):
            out.pick(f"complex.{cues.family or cues.noun_family}")
        elif turn % 3 == 2 and not cues.positive:
            out.pick("affirm")

    @staticmethod
    def _asks(cues: Cues, turn: int) -> bool:
        """Reflect more than ask (MI aims for about two reflections per question)."""
        c = cues.clauses
        thin = not (cues.feeling or cues.noun or cues.topic or c.ambivalent or c.label
                    or c.outlook or c.want or c.like or c.said or c.focus)
        return thin or cues.meta or cues.short or turn % 2 == 0

    @staticmethod
    def _question_pools(cues: Cues) -> list[str]:
        c = cues.clauses
        if cues.short:
            return ["question_return", "question_short", "question_general"]
        if c.ambivalent:
            return ["question_ambivalence", "question_general"]
        pools = []
        if c.said:
            pools.append("question_said")
        if c.label or c.outlook:
            pools.append("question_evaluation")
        if c.want and c.growth:
            pools.append("question_want")
        if cues.topic and not cues.meta:
            pools.append("question_topic")
        if cues.feeling and not cues.meta:
            pools.append("question_feeling")
        return [*pools, "question_general", "question_short"]
