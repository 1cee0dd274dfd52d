"""Risk screening: deterministic lexicon rules as the floor, an optional classifier on top."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from reflection.content_files import ContentError, ContentStore
from reflection.errors import GuardrailContentError, InvalidInputError
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel
from reflection.screening_concepts import ConceptLexicon, token_span
from reflection.screening_context import CheckInReader, ScreeningContext, escalate_check_in
from reflection.screening_repair import WordRepair, join_splits, lemma_view
from reflection.screening_rules import Rule, compile_rules, match_rules
from reflection.screening_text import (
    NormalisedText,
    Phrases,
    compile_phrases,
    detect_language,
    normalise,
    spelling_map,
)

log = logging.getLogger(__name__)

SCREEN_LANGUAGES = ("en", "es")
# Longer input is screened in full anyway; this only stops pathological inputs.
MAX_SCREEN_CHARS = 20_000


class RiskClassifier(Protocol):
    """An optional model-based screen; its result can only raise the rule-based level."""

    def classify(self, text: str, lang: str) -> RiskAssessment:
        """Assess one utterance."""
        ...


def combine(floor: RiskAssessment, extra: RiskAssessment) -> RiskAssessment:
    """Merge a second opinion into the floor: the level only goes up, nothing is dropped."""
    return RiskAssessment(
        level=max(floor.level, extra.level),
        categories=floor.categories | extra.categories,
        evidence=floor.evidence + tuple(e for e in extra.evidence if e not in floor.evidence),
        language=floor.language,
    )


def _vocabulary(rules: Sequence[Rule]) -> set[str]:
    """Words written literally in the rules; misspellings are mapped back onto them."""
    words: set[str] = set()
    for rule in rules:
        for pattern in rule.patterns:
            words.update(re.findall(r"(?<![\\?])\b[a-z]{4,}\b", pattern.pattern))
    return words


@dataclass(frozen=True)
class _Lexicon:
    """One language's compiled rules and ASR rewrites."""

    lang: str
    version: str
    rules: tuple[Rule, ...]
    phrases: Phrases
    spelling: Mapping[str, str]
    repair: WordRepair
    concepts: ConceptLexicon
    check_in: CheckInReader

    def normalise(self, text: str) -> NormalisedText:
        """The text as this lexicon's rules and concepts see it."""
        words = normalise(text, self.lang, self.phrases, self.spelling, self.repair)
        return join_splits(words, self.lang, self.spelling, self.repair)


@dataclass(frozen=True)
class RiskScreener:
    """Screens every client utterance; build once with `RiskScreener.load(store)`."""

    lexicons: Mapping[str, _Lexicon]
    classifier: RiskClassifier | None = None

    @classmethod
    def load(cls, store: ContentStore, *, classifier: RiskClassifier | None = None) -> RiskScreener:
        """Compile the English and Spanish lexicons from the content store."""
        lexicons: dict[str, _Lexicon] = {}
        for lang in SCREEN_LANGUAGES:
            try:
                data = store.load(lang, "screening")
            except ContentError as exc:
                raise GuardrailContentError(str(exc)) from exc
            rules = compile_rules(data, label_key="categories")
            try:
                concepts = store.load(lang, "screening_concepts")
            except ContentError as exc:
                raise GuardrailContentError(str(exc)) from exc
            lexicons[lang] = _Lexicon(
                lang=lang,
                version=str(data.get("version", "")),
                rules=rules,
                phrases=compile_phrases([*data.get("asr_phrases", []),
                                         *concepts.get("asr_phrases", [])]),
                spelling=spelling_map(_vocabulary(rules), lang),
                repair=WordRepair.build(lang, concepts.get("slang", {}),
                                        concepts.get("fuzzy_vocabulary", []),
                                        concepts.get("slang_upper", {})),
                concepts=ConceptLexicon.compile(concepts),
                check_in=CheckInReader.compile(concepts),
            )
        return cls(lexicons=lexicons, classifier=classifier)

    @property
    def version(self) -> str:
        """Lexicon versions, recorded with alerts so a decision can be traced to its rules."""
        return "+".join(lexicon.version for lexicon in self.lexicons.values())

    def screen(self, text: str, lang: str = "auto", *,
               context: ScreeningContext | None = None) -> RiskAssessment:
        """Assess one utterance. `lang` is "en", "es" or "auto" (detected from the text);
        `context` is what came before it in the conversation (the check-in, earlier levels)."""
        if not isinstance(text, str):
            raise InvalidInputError("screening needs text", code="screen_invalid_text")
        text = text[:MAX_SCREEN_CHARS]
        language = detect_language(text) if lang == "auto" else lang.split("-")[0].lower()
        if language not in self.lexicons:
            raise InvalidInputError(f"unsupported language {lang!r}", code="screen_language")
        floor, vetoed = self._screen_rules(text, language, context or ScreeningContext())
        if self.classifier is None or vetoed:
            # Vetoed: the rules found risk words and read them as an idiom, a denial, media or
            # medication, and nothing else is risky; a similar-sounding sentence in the model's
            # training data must not overrule that specific reading ("cut myself some slack").
            return floor
        try:
            extra = self.classifier.classify(text, language)
        except Exception as exc:  # an optional model failing must never lower the floor
            log.warning("risk classifier failed (%s); rule-based result kept", type(exc).__name__)
            return floor
        return combine(floor, extra)

    def _screen_rules(self, text: str, language: str, context: ScreeningContext
                      ) -> tuple[RiskAssessment, bool]:
        # Every lexicon runs on every utterance: clients code-switch ("I want to matarme") and
        # language detection on a few words is unreliable; `language` only labels the result.
        evidence: list[Evidence] = []
        level = RiskLevel.NONE
        categories: set[RiskCategory] = set()
        answers = []
        dropped = 0

        def add(start: int, end: int, rule: str, found: int, labels: Sequence[str]) -> None:
            nonlocal level
            item = Evidence(start, end, text[start:end], rule)
            if item not in evidence:
                evidence.append(item)
            level = max(level, RiskLevel(found))
            categories.update(RiskCategory(label) for label in labels)

        for lexicon in self._ordered(language):
            normalised = lexicon.normalise(text)
            answers.append((lexicon.check_in, normalised))
            matches = [m for m in match_rules(lexicon.rules, normalised) if m.rule.level > 0]
            spans = [token_span(normalised, m.start, m.end) for m in matches]
            findings, kept, lowered = lexicon.concepts.find(normalised, spans,
                                                            lemma_view(normalised, lexicon.lang))
            dropped += lowered
            # Denials, idioms, media, medication and past history lower the phrase rules'
            # matches in the clause they govern, exactly as they lower the concepts.
            caps = {(h.start, h.end): h.cap for h in kept}
            for match, span in zip(matches, spans, strict=True):
                if span in caps:
                    start, end = normalised.original_span(match.start, match.end)
                    add(start, end, f"{lexicon.lang}.{match.rule.id}",
                        min(match.rule.level, caps[span]), match.rule.labels)
            for finding in findings:
                a = normalised.tokens[min(h.start for h in finding.hits)].start
                b = normalised.tokens[max(h.end for h in finding.hits) - 1].end
                add(a, b, f"{lexicon.lang}.concept.{finding.combo.id}", finding.level,
                    [finding.combo.category])
        if context.after_check_in and escalate_check_in(answers):
            # A yes (or "I don't know") to "are you having thoughts of ending your life?" is
            # active ideation said in one word: an urgent alert, and a human decides.
            add(0, len(text), "context.check_in_yes", RiskLevel.HIGH, [RiskCategory.SUICIDE])
        evidence.sort(key=lambda e: (e.start, e.end, e.rule))
        assessment = RiskAssessment(level, frozenset(categories), tuple(evidence), language)
        return assessment, bool(dropped) and level == RiskLevel.NONE

    def _ordered(self, language: str) -> Sequence[_Lexicon]:
        first = self.lexicons[language]
        return [first, *(lex for lex in self.lexicons.values() if lex is not first)]
