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
from reflection.screening_rules import Rule, compile_rules, match_rules
from reflection.screening_text import (
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
            lexicons[lang] = _Lexicon(
                lang=lang,
                version=str(data.get("version", "")),
                rules=rules,
                phrases=compile_phrases(data.get("asr_phrases", [])),
                spelling=spelling_map(_vocabulary(rules), lang),
            )
        return cls(lexicons=lexicons, classifier=classifier)

    @property
    def version(self) -> str:
        """Lexicon versions, recorded with alerts so a decision can be traced to its rules."""
        return "+".join(lexicon.version for lexicon in self.lexicons.values())

    def screen(self, text: str, lang: str = "auto") -> RiskAssessment:
        """Assess one utterance. `lang` is "en", "es" or "auto" (detected from the text)."""
        if not isinstance(text, str):
            raise InvalidInputError("screening needs text", code="screen_invalid_text")
        text = text[:MAX_SCREEN_CHARS]
        language = detect_language(text) if lang == "auto" else lang.split("-")[0].lower()
        if language not in self.lexicons:
            raise InvalidInputError(f"unsupported language {lang!r}", code="screen_language")
        floor = self._screen_rules(text, language)
        if self.classifier is None:
            return floor
        try:
            extra = self.classifier.classify(text, language)
        except Exception as exc:  # an optional model failing must never lower the floor
            log.warning("risk classifier failed (%s); rule-based result kept", type(exc).__name__)
            return floor
        return combine(floor, extra)

    def _screen_rules(self, text: str, language: str) -> RiskAssessment:
        # Every lexicon runs on every utterance: clients code-switch ("I want to matarme") and
        # language detection on a few words is unreliable; `language` only labels the result.
        evidence: list[Evidence] = []
        level = RiskLevel.NONE
        categories: set[RiskCategory] = set()
        for lexicon in self._ordered(language):
            normalised = normalise(text, lexicon.lang, lexicon.phrases, lexicon.spelling)
            for match in match_rules(lexicon.rules, normalised):
                if match.rule.level == 0:
                    continue
                start, end = normalised.original_span(match.start, match.end)
                item = Evidence(start, end, text[start:end], f"{lexicon.lang}.{match.rule.id}")
                if item not in evidence:
                    evidence.append(item)
                level = max(level, RiskLevel(match.rule.level))
                categories.update(RiskCategory(label) for label in match.rule.labels)
        evidence.sort(key=lambda e: (e.start, e.end, e.rule))
        return RiskAssessment(level, frozenset(categories), tuple(evidence), language)

    def _ordered(self, language: str) -> Sequence[_Lexicon]:
        first = self.lexicons[language]
        return [first, *(lex for lex in self.lexicons.values() if lex is not first)]
