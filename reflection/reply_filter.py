"""Reply filter: every responder sentence is checked before it is shown or spoken."""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reflection.content_files import ContentError, ContentStore, base_language
from reflection.errors import GuardrailContentError, InvalidInputError
from reflection.language_id import LanguageScorer
from reflection.screening_rules import Rule, compile_rules, match_rules
from reflection.screening_text import NormalisedText, normalise

FILTER_LANGUAGES = ("en", "es")
REASONS = (
    "diagnosis",
    "medication",
    "directive",
    "human_claim",
    "privacy_promise",
    "dependence",
    "minimising",
    "judgement",
    "romantic",
    "self_harm_facilitation",
    "prompt_leak",
    "false_promise",
    "language",
)
# A run of this many words copied from a protected text (the system prompt) is a leak.
LEAK_NGRAM = 6
# Prefix length under which a client's word and the reply's word count as the same word
# ("depressed" / "depression"), so a reflection of the client's own words stays allowed.
STEM_CHARS = 6
# The protected texts every filter carries by default: what the model is told, in each language.
PROMPT_KEYS = ("system", "summary_system", "reply_judge_system")
# Content files whose sentences the kiosk speaks itself (never counted as a prompt leak).
SPOKEN_CONTENT = ("honesty", "consent", "reflections", "checkins", "crisis", "crisis_followup",
                  "grounding", "reply_filter")
MAX_SENTENCE_CHARS = 2_000


@dataclass(frozen=True)
class FilterVerdict:
    """Whether a sentence may be spoken; if not, why, and what to say instead."""

    allowed: bool
    reasons: tuple[str, ...] = ()
    replacement: str | None = None
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class _FilterRules:
    lang: str
    version: str
    rules: tuple[Rule, ...]
    raw_rules: tuple[Rule, ...]
    replacements: Mapping[str, tuple[str, ...]]


def _ngrams(text: str, size: int) -> set[tuple[str, ...]]:
    # Words only: punctuation differs between a prompt's bullet list and a spoken echo of it.
    words = [w for w in normalise(text).text.split() if w[0].isalnum()]
    return {tuple(words[i : i + size]) for i in range(len(words) - size + 1)}


def default_protected_texts(store: ContentStore) -> list[str]:
    """The model-facing instructions in every language (they must never be read out)."""
    from reflection.responders.prompting import system_prompt

    texts: list[str] = []
    for lang in FILTER_LANGUAGES:
        prompts = store.load(lang, "prompts")
        texts += [system_prompt(prompts, key) for key in PROMPT_KEYS if key in prompts]
    return texts


@dataclass(frozen=True)
class ReplyFilter:
    """Build once with `ReplyFilter.load(store)`; `check` is pure and thread-safe."""

    languages: Mapping[str, _FilterRules]
    protected_ngrams: frozenset[tuple[str, ...]] = field(default_factory=frozenset)
    scorer: LanguageScorer | None = None

    @classmethod
    def load(
        cls, store: ContentStore, *, protected_texts: Sequence[str] | None = None
    ) -> ReplyFilter:
        """Compile the rules; `protected_texts` (default: every system prompt) must not leak."""
        languages: dict[str, _FilterRules] = {}
        for lang in FILTER_LANGUAGES:
            try:
                data = store.load(lang, "reply_filter")
            except ContentError as exc:
                raise GuardrailContentError(str(exc)) from exc
            raw_data = {"macros": data.get("macros", {}), "rules": data.get("raw_rules", [])}
            languages[lang] = _FilterRules(
                lang=lang,
                version=str(data.get("version", "")),
                rules=compile_rules(data, label_key="categories"),
                raw_rules=compile_rules(raw_data, label_key="categories", whole_words=False),
                replacements=_replacements(data.get("replacements", {}), lang),
            )
        if protected_texts is None:
            protected_texts = default_protected_texts(store)
        ngrams: set[tuple[str, ...]] = set()
        for text in protected_texts:
            ngrams |= _ngrams(text, LEAK_NGRAM)
        # What the kiosk itself says ("I'm a computer program, not a person and not a
        # therapist") may share words with its prompt; saying it is not a leak.
        for lang in FILTER_LANGUAGES:
            for name in SPOKEN_CONTENT:
                data = _load_optional(store, lang, name)
                if name == "reply_filter":  # its replacements, not its patterns
                    data = data.get("replacements", {})
                for text in _strings(data):
                    ngrams -= _ngrams(text, LEAK_NGRAM)
        return cls(languages=languages, protected_ngrams=frozenset(ngrams),
                   scorer=LanguageScorer.load(store))

    def check(self, sentence: str, *, lang: str = "en", client_text: str = "") -> FilterVerdict:
        """Allow the sentence, or block it with reasons and a safe scripted replacement.

        `lang` is the session's language: a sentence clearly in another language is blocked.
        """
        if not isinstance(sentence, str) or not isinstance(client_text, str):
            raise InvalidInputError("reply filter needs text", code="filter_invalid_text")
        if len(sentence) > MAX_SENTENCE_CHARS:
            # Responders produce short sentences; a huge one is itself a malfunction.
            return self.blocked(sentence, lang, ("prompt_leak",), ("length",))
        reasons: list[str] = []
        rules: list[str] = []
        primary = base_language(lang)
        ordered = [self.languages[primary]] + [
            r for code, r in self.languages.items() if code != primary
        ]
        for filter_rules in ordered:
            text = normalise(sentence, filter_rules.lang)
            client = normalise(client_text, filter_rules.lang) if client_text else None
            hits = [
                (match.rule, match.term)
                for match in match_rules(filter_rules.rules, text)
                if match.rule.level > 0 and not _reflects_client(match.rule, match.term, client)
            ]
            raw = NormalisedText(sentence, (), sentence.lower(), ())
            hits += [(m.rule, m.term) for m in match_rules(filter_rules.raw_rules, raw)]
            for rule, _term in hits:
                rules.append(f"{filter_rules.lang}.{rule.id}")
                reasons.extend(label for label in rule.labels if label not in reasons)
        if self.protected_ngrams and _ngrams(sentence, LEAK_NGRAM) & self.protected_ngrams:
            rules.append("protected_text_overlap")
            if "prompt_leak" not in reasons:
                reasons.append("prompt_leak")
        if self.scorer is not None and self.scorer.clearly_other(
            sentence, primary, ignore=client_text
        ):
            # Language is a property of the reply: the client hears their session's language.
            rules.append("language.session")
            reasons.append("language")
        if not reasons:
            return FilterVerdict(allowed=True)
        return self.blocked(sentence, primary, tuple(reasons), tuple(dict.fromkeys(rules)))

    def blocked(
        self, sentence: str, lang: str, reasons: tuple[str, ...], rules: tuple[str, ...]
    ) -> FilterVerdict:
        """A blocked verdict with a scripted replacement in `lang` for the first reason."""
        options = self.languages[base_language(lang)].replacements
        pool = options.get(reasons[0]) or options["general"]
        # Deterministic but varied: the same blocked sentence always gets the same replacement.
        choice = pool[zlib.crc32(sentence.encode("utf-8")) % len(pool)]
        return FilterVerdict(allowed=False, reasons=reasons, replacement=choice, rules=rules)


def _load_optional(store: ContentStore, lang: str, name: str) -> Any:
    try:
        return store.load(lang, name)
    except ContentError:
        return {}


def _strings(value: Any) -> list[str]:
    """Every string in a parsed content file (nested tables and lists included)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [s for item in value.values() for s in _strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in _strings(item)]
    return []


def _stem(word: str) -> str:
    return word[:STEM_CHARS]


def _reflects_client(rule: Rule, term: str, client: NormalisedText | None) -> bool:
    """True when a reflect_ok rule flagged words the client used themselves (same stems)."""
    if not rule.reflect_ok or client is None:
        return False
    if re.search(rf"(?<!\w){re.escape(term)}(?!\w)", client.text) is not None:
        return True
    said = {_stem(w) for w in client.text.split()}
    words = [w for w in term.split() if len(w) > 2]
    return bool(words) and all(_stem(w) in said for w in words)


def _replacements(data: Mapping[str, Any], lang: str) -> dict[str, tuple[str, ...]]:
    table = {key: tuple(str(s) for s in value) for key, value in data.items() if value}
    if not table.get("general"):
        raise GuardrailContentError(f"{lang}/reply_filter.toml: [replacements] needs `general`")
    return table
