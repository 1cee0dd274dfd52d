"""The reflection engine: screen -> crisis | responder -> sentences -> filter -> events."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import closing
from dataclasses import dataclass

from reflection.alternatives import best_reading, load_confusions
from reflection.content_files import ContentStore, base_language
from reflection.crisis_followup import CrisisFollowUps, FollowUpState
from reflection.disclosure import DisclosureFacts
from reflection.errors import InvalidInputError
from reflection.events import (
    CheckIn,
    CrisisTriggered,
    EngineEvent,
    ReplyDone,
    ReplySentence,
    Screened,
    spoken_text,
)
from reflection.honesty import HonestAnswers
from reflection.late_screening import LateScreen, collect, raise_with
from reflection.reply_stream import FixedLine, stream_sentences
from reflection.responders.base import ReplyRequest, Responder, Speaker
from reflection.responders.scripted import ScriptedReflector, sentence_key
from reflection.risk import RiskAssessment, RiskLevel
from reflection.screening_context import ScreeningContext
from reflection.sentences import SentenceSplitter
from reflection.session_language import SessionLanguage
from reflection.session_risk import SessionCues, SessionRisk
from reflection.stages import CrisisPolicy, CrisisReply, Screener, SentenceFilter
from reflection.summary import ExtractiveSummarizer, Summarizer, Summary, TurnRecord
from reflection.turn_replies import (
    crisis_followup,
    fresh_check_in,
    grounding_events,
    honest_events,
    undelivered_lines,
    without_said_thanks,
)

log = logging.getLogger(__name__)
# Neutral lines that wake every layer at start-up (not clinical content: never shown or said).
_WARM_UP_TEXTS = {
    "en": "It has been a long week at work and I keep thinking about it.",
    "es": "Ha sido una semana larga en el trabajo y sigo pensando en ello.",
}


@dataclass(frozen=True)
class EngineLimits:
    """Bounds on one conversation."""

    history_turns: int = 8
    max_reply_sentences: int = 3
    max_questions: int = 1
    # Cut a long first sentence at a clause so speech starts sooner; None turns it off.
    first_clause_chars: int | None = 80
    max_client_chars: int = 4000
    # Utterances this short keep the conversation's language (detection is unreliable).
    min_words_to_switch_language: int = 3


class ReflectionEngine:
    """Shared, stateless composition of the stages; one Conversation per client session."""

    def __init__(
        self,
        *,
        screener: Screener,
        crisis: CrisisPolicy,
        reply_filter: SentenceFilter,
        responder: Responder | None = None,
        summarizer: Summarizer | None = None,
        store: ContentStore | None = None,
        limits: EngineLimits | None = None,
        disclosure: DisclosureFacts | None = None,
        late_screen: LateScreen | None = None,
        session_cues: SessionCues | None = None,
        scripted: ScriptedReflector | None = None,
    ) -> None:
        self.store = store or ContentStore()
        self.screener = screener
        # Cues gathered across a session's turns (content/<lang>/session_risk.toml); raise-only.
        self.session_cues = session_cues or SessionCues.load(self.store)
        # Optional model grade run beside each reply (reflection.guard_model); raise-only, late.
        self.late_screen = late_screen
        self.crisis = crisis
        self.reply_filter = reply_filter
        # The fixed lines' reflector; the composition root passes the responder's own instance.
        self.scripted = scripted or ScriptedReflector(self.store)
        self.responder: Responder = responder or self.scripted
        self.summarizer: Summarizer = summarizer or ExtractiveSummarizer(self.store)
        self.limits = limits or EngineLimits()
        # Called with the reasons of every blocked sentence (metrics count them; never text).
        self.block_listeners: list[Callable[[tuple[str, ...]], None]] = []
        # What honest answers say about this deployment (who sees what, how long it is kept).
        self.disclosure = disclosure or DisclosureFacts()
        self.honesty = HonestAnswers(self.store)
        self.followups = CrisisFollowUps(self.store, country=getattr(crisis, "country", "US"),
                                         honesty=self.honesty)

    @classmethod
    def load(
        cls,
        store: ContentStore | None = None,
        *,
        responder: Responder | None = None,
        summarizer: Summarizer | None = None,
        limits: EngineLimits | None = None,
        disclosure: DisclosureFacts | None = None,
        reply_filter: SentenceFilter | None = None,
    ) -> ReflectionEngine:
        """The engine with the real guardrails built from the clinical content files."""
        from reflection.crisis import CrisisProtocol
        from reflection.reply_filter import ReplyFilter
        from reflection.screening import RiskScreener

        store = store or ContentStore()
        return cls(
            screener=RiskScreener.load(store),
            crisis=CrisisProtocol(store),
            # The same filter as the server's and the CLI's (it protects the system prompts).
            reply_filter=reply_filter or ReplyFilter.load(store),
            responder=responder,
            summarizer=summarizer,
            store=store,
            limits=limits,
            disclosure=disclosure,
        )

    def warm(self) -> None:
        """Build every lazily loaded layer now (lemma dictionaries, the sentence encoder, the
        screening, honesty and reply models), in both languages, so the first client of the day
        does not wait seconds for them. Nothing is kept or said; no responder is called."""
        for lang, text in _WARM_UP_TEXTS.items():
            self.screener.screen(text, lang)
            self.honesty.answer(text, lang, self.disclosure, ())
            self.scripted.reader(lang).read(text)
            request = ReplyRequest(text=text, language=lang)
            for sentence in self.scripted.stream(request):
                self.reply_filter.check(sentence, lang=lang, client_text=text)

    def new_conversation(self, lang: str = "en") -> Conversation:
        """A fresh conversation (per client session)."""
        return Conversation(self, base_language(lang))

    def opening_prompt(self, lang: str = "en") -> str:
        """The first question the kiosk asks."""
        return self.scripted.line("opening", lang)

    def focus_question(self, lang: str = "en") -> str:
        """"What would you like to focus on today?" in the client's language."""
        return self.scripted.line("focus_question", lang)


class Conversation:
    """One client's turns: screening always first, a crisis locks it for the session."""

    def __init__(self, engine: ReflectionEngine, language: str) -> None:
        self._engine = engine
        self._language = SessionLanguage(language, engine.limits.min_words_to_switch_language)
        self.turns: list[TurnRecord] = []
        self.locked_by: RiskAssessment | None = None
        self.checked_in = False
        self.blocked_total = 0
        self._history: list[tuple[Speaker, str]] = []
        self._used: set[str] = set()
        self._summary: tuple[int, Summary] | None = None
        self._after_check_in = False
        self._late: Future[RiskAssessment] | None = None
        self._followup = FollowUpState()
        self._calming = FollowUpState(grounding_offered=False)  # grounding outside a crisis
        self.note_for: int | None = None  # the turn whose question was offered to the summary
        # Set False by the server when no staff screen received the alert (follow-ups say so).
        self.alert_delivered = True
        # Turns whose level was raised by another reading of unsure speech (a count only).
        self.alternative_raises = 0
        # Cues across this session's turns; raises a turn when a combination completes.
        self.session_risk = SessionRisk(engine.session_cues)

    @property
    def language(self) -> str:
        """The session's reply language."""
        return self._language.current

    @property
    def locked(self) -> bool:
        """True once a level >= 2 assessment has stopped generative replies."""
        return self.locked_by is not None

    def say(self, text: str) -> None:
        """Record something the kiosk said (opening, focus question) so it is not repeated."""
        splitter = SentenceSplitter(first_clause_chars=None)
        # Each sentence of a longer text counts as said too (crisis follow-ups check them).
        self._used.update(sentence_key(s) for s in [text, *splitter.feed(text), *splitter.flush()])
        self._history.append((Speaker.REFLECTOR, text))

    def opening_prompt(self) -> str:
        """The opening question, recorded as said."""
        line = self._engine.scripted.line("opening", self.language, used=self._used)
        self.say(line)
        return line

    def focus_question(self) -> str:
        """The focus question, recorded as said."""
        line = self._engine.scripted.line("focus_question", self.language, used=self._used)
        self.say(line)
        return line

    def respond(self, text: str, lang: str | None = None, *, focus: bool = False,
                heard_alternatives: Sequence[str] = ()) -> Iterator[EngineEvent]:
        """Screen, then crisis / check-in / reflection; yields Screened first, ReplyDone last.

        `heard_alternatives`: other plausible transcripts of unsure speech; screened too
        (with known recogniser confusions put back), keeping the highest level.
        """
        if not isinstance(text, str) or not text.strip():
            raise InvalidInputError("a turn needs some text", code="empty_turn")
        engine = self._engine
        turn = len(self.turns)
        context = self._context()
        assessment = engine.screener.screen(text, lang or "auto", context=context)
        raised = False
        if heard_alternatives:  # unsure speech: its other readings too, raise-only
            assessment, raised = best_reading(
                lambda reading: engine.screener.screen(reading, lang or "auto", context=context),
                text, heard_alternatives, primary=assessment,
                confusions=load_confusions(engine.store, lang or assessment.language))
            self.alternative_raises += raised
        # A model grade of the previous turn that has arrived since can only raise this one.
        assessment = raise_with(assessment, self.late_assessment())
        # What this turn adds to the earlier ones (a stepparent, not wanting to go home, then
        # what happens at night): raise-only, never below the screener's own level.
        assessment = self.session_risk.observe(text, assessment)
        if engine.late_screen is not None:
            self._late = engine.late_screen.start(text, assessment.language)
        after_check_in, self._after_check_in = self._after_check_in, False
        reply_lang = self._language.follow(text, lang)
        meta = engine.scripted.reader(reply_lang).read(text).meta
        self.turns.append(TurnRecord(
            index=turn, text=text, language=reply_lang, level=int(assessment.level),
            categories=tuple(sorted(str(c) for c in assessment.categories)),
            is_focus=focus, meta=meta, answers_check_in=after_check_in,
        ))
        self._history.append((Speaker.CLIENT, text))
        yield Screened(turn, assessment, raised_by_alternative=raised)
        level = int(assessment.level)
        if self.locked_by is not None or assessment.level >= RiskLevel.HIGH:
            yield from self._crisis(turn, assessment, reply_lang)
            return
        response = engine.crisis.respond(assessment, reply_lang)
        honest = None if focus else engine.honesty.answer(
            text, reply_lang, engine.disclosure, self._used, level=level,
            note_offered=self.note_for is not None)
        # A question about the tool itself ("how long do you keep what I say?") that only a
        # model layer read as a concern gets its true answer; its level stays on the turn and
        # in the summary. Any rule, concept or context reading still asks the check-in.
        tool_question = honest is not None and assessment.model_only
        # A level-1 cue is flagged (check-in + therapist notice) each time it comes back, except
        # in the answer to the check-in itself, which the context has already read.
        if (response is not None and response.kind == "check_in" and not after_check_in
                and not tool_question):
            response = fresh_check_in(engine.store, response, reply_lang, self._used)
            self.checked_in = True
            self._after_check_in = True
            said = spoken_text(response)
            self.say(said)
            yield CheckIn(turn, response)
            yield ReplyDone(turn, said, reply_lang, "check_in", level, check_in=True)
            return
        if not focus and engine.followups.asks_grounding(text, reply_lang):
            lines = engine.followups.grounding(text, reply_lang, self._used, self._calming)
            if lines:  # asked to be helped to calm down: the exercise, not a reflection
                yield from grounding_events(self, turn, lines, reply_lang, level)
                return
        if honest is not None:  # a fixed, reviewed answer about the tool itself
            yield from honest_events(self, turn, honest, reply_lang, level)
            return
        self.note_for = None
        yield from self._reply(turn, text, reply_lang, level, focus)

    def late_assessment(self) -> RiskAssessment:
        """The model grade of the last client turn if it has finished (never waits)."""
        found = collect(self._late)
        if self._late is not None and self._late.done():
            self._late = None
        return found

    def _context(self) -> ScreeningContext:
        """What screening needs from earlier turns: the check-in, earlier levels and words."""
        return ScreeningContext(
            after_check_in=self._after_check_in,
            prior_max_level=RiskLevel(max((t.level for t in self.turns), default=0)),
            prior_client_texts=tuple(t.text for t in self.turns[-3:]),
        )

    def summary(self) -> Summary:
        """The live draft summary of every turn so far (recomputed only after new turns)."""
        if self._summary is None or self._summary[0] != len(self.turns):
            made = self._engine.summarizer.summarize(self.turns, language=self.language)
            self._summary = (len(self.turns), made)
        return self._summary[1]

    def _crisis(self, turn: int, assessment: RiskAssessment, lang: str) -> Iterator[EngineEvent]:
        repeated = self.locked_by is not None
        higher = self.locked_by is not None and assessment.level > self.locked_by.level
        if self.locked_by is None or higher:
            self.locked_by = assessment
        response: CrisisReply | None = self._engine.crisis.respond(self.locked_by, lang)
        if not repeated and response is not None:
            response = without_said_thanks(response, self._used)
        if repeated and response is not None:
            # Never the whole block again: a short answer to what the client just said; a
            # higher level alerts again (repeated=False) with its extra line, not the block.
            response = crisis_followup(self._engine, self.turns[-1].text, lang, self._used,
                                       self._followup, response, higher, self.alert_delivered)
            repeated = not higher
        if response is None:  # contract breach; still never fall through to a generated reply
            log.error("crisis protocol gave no response at level %d", int(self.locked_by.level))
            yield ReplyDone(turn, "", lang, "crisis", int(assessment.level), crisis=True)
            return
        said = spoken_text(response)
        self.say(said)
        yield CrisisTriggered(turn, response, repeated=repeated,
                              undelivered=undelivered_lines(self._engine.store, lang))
        yield ReplyDone(turn, said, lang, "crisis", int(assessment.level), crisis=True)

    def _request(self, turn: int, text: str, lang: str) -> ReplyRequest:
        limits = self._engine.limits
        earlier = self._history[:-1][-2 * limits.history_turns :] if limits.history_turns else []
        return ReplyRequest(
            text=text[: limits.max_client_chars], language=lang, history=tuple(earlier),
            turn_index=turn, used_phrases=frozenset(self._used),
        )

    def _reply(self, turn: int, text: str, lang: str, level: int, focus: bool
               ) -> Iterator[EngineEvent]:
        engine = self._engine
        request = self._request(turn, text, lang)
        responder: Responder = engine.responder
        if focus:
            # The focus answer is acknowledged with a fixed line, not reflected on.
            responder = FixedLine(engine.scripted.line("focus_ack", lang, used=self._used))
        spoken: list[str] = []
        blocked = 0
        for sentence, was_blocked, reasons in self._filtered(responder, request, text):
            blocked += was_blocked
            spoken.append(sentence)
            yield ReplySentence(turn, len(spoken) - 1, sentence, bool(was_blocked), reasons)
        if not spoken:  # everything was a duplicate or empty: still answer something safe
            line = engine.scripted.line("safe_fallback", lang, used=self._used, turn=turn)
            self.say(line)
            spoken.append(line)
            yield ReplySentence(turn, 0, line)
        self.blocked_total += blocked
        full = " ".join(spoken)
        yield ReplyDone(turn, full, lang, responder.name, level, blocked=blocked)

    def _filtered(self, responder: Responder, request: ReplyRequest, client_text: str
                  ) -> Iterator[tuple[str, int, tuple[str, ...]]]:
        """Sentences from the responder, each checked by the reply filter before release."""
        limits = self._engine.limits
        splitter = SentenceSplitter(first_clause_chars=limits.first_clause_chars)
        stream = stream_sentences(responder, request, splitter, self._engine.scripted)
        with closing(stream) as sentences:
            yield from self._released(sentences, request, client_text)

    def _released(self, sentences: Iterator[str], request: ReplyRequest, client_text: str
                  ) -> Iterator[tuple[str, int, tuple[str, ...]]]:
        limits = self._engine.limits
        count = questions = 0
        clause = ""  # the released start of a sentence cut at a clause (first_clause_chars)
        for sentence in sentences:
            key = sentence_key(sentence)
            is_question = sentence.rstrip().endswith("?")
            if not key or key in self._used or (is_question and questions >= limits.max_questions):
                continue  # never say a sentence twice; never ask a second question
            check, lang = self._engine.reply_filter.check, request.language
            verdict = check(sentence, lang=lang, client_text=client_text)
            if verdict.allowed and clause:  # a meaning can span the cut: judge the whole too
                verdict = check(f"{clause} {sentence}", lang=lang, client_text=client_text)
            clause = "" if sentence.rstrip("\"')”’ ").endswith((".", "!", "?", "…")) else sentence
            if verdict.allowed:
                self._used.add(key)
                self._history.append((Speaker.REFLECTOR, sentence))
                questions += is_question
                count += 1
                yield sentence, 0, ()
            else:
                safe = verdict.replacement or self._engine.scripted.line(
                    "safe_fallback", request.language, used=self._used, turn=request.turn_index
                )
                self.say(safe)
                for listener in self._engine.block_listeners:
                    listener(tuple(verdict.reasons))
                yield safe, 1, tuple(verdict.reasons)
                return  # a reply that went wrong once is not trusted for more sentences
            if count >= limits.max_reply_sentences:
                return
