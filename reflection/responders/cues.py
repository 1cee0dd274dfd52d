"""What a client utterance contains that a scripted reflection can use (pure, no I/O)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reflection.responders.clauses import ClauseCues, ClauseReader
from reflection.responders.tokens import (
    Token,
    contains,
    find,
    fold,
    phrases,
    starts_with,
    tokenize,
)

__all__ = ["ClauseCues", "CueReader", "Cues", "Token", "fold", "tokenize"]


@dataclass(frozen=True)
class Cues:
    """The parts of an utterance a reflection may mirror."""

    feeling: str = ""  # the client's own feeling word, e.g. "anxious"
    family: str = ""  # feeling family, e.g. "anxious", "sad", "good"
    noun: str = ""  # a feeling noun phrase, e.g. "stress" / "el estrés"
    noun_family: str = ""
    topic: str = ""  # reflected content phrase, e.g. "your job interview next week"
    themes: tuple[str, ...] = ()  # every theme mentioned, first mention first
    clauses: ClauseCues = field(default_factory=ClauseCues)
    short: bool = False
    effort: bool = False
    meta: bool = False
    advice: bool = False
    unsure: bool = False  # "I don't know", "not sure": patience, not another question
    social: str = ""  # "thanks" or "greeting" when that is all the turn says
    stuck: bool = False  # "I don't know what to do": not knowing the way, not the topic

    @property
    def positive(self) -> bool:
        """True when the main feeling is a pleasant one."""
        return self.family == "good"

    @property
    def ambivalence(self) -> tuple[str, str] | None:
        """Both sides of an ambivalent statement, turned round."""
        return self.clauses.sides

    @property
    def ambivalent(self) -> bool:
        """ "I want..., but..." even if the sides cannot be reused."""
        return self.clauses.ambivalent

    @property
    def evaluative(self) -> bool:
        """The client judged themselves, or sounded hopeless."""
        return bool(self.clauses.label or self.clauses.outlook)


class CueReader:
    """Reads cues using one language's lexicon from reflections.toml."""

    def __init__(self, content: Mapping[str, Any]) -> None:
        lex = content["lexicon"]
        phrasing = self._phrasing = content["phrasing"]
        self._families = {fam: phrases(words) for fam, words in lex["feelings"].items()}
        self._ambiguous = {fold(w) for w in lex.get("ambiguous_feelings", [])}
        self._feeling_cues = {fold(w) for w in lex.get("feeling_cues", [])}
        self._negations = {fold(w) for w in lex.get("negations", [])}
        self._verbs = {fold(k): v for k, v in lex.get("feeling_verbs", {}).items()}
        self._nouns = {fold(k): v for k, v in lex.get("feeling_nouns", {}).items()}
        self._noun_phrases = {fold(k): v for k, v in lex.get("noun_phrases", {}).items()}
        self._topics = {theme: phrases(words) for theme, words in lex["topics"].items()}
        topic_words = {p for options in self._topics.values() for p in options}
        self._topic_words = sorted(topic_words, key=len, reverse=True)
        self._events = {fold(w) for w in lex.get("events", [])}
        self._links = {fold(w) for w in lex.get("compound_links", [])}
        self._topic_phrases = {fold(k): v for k, v in lex.get("topic_phrases", {}).items()}
        self._personal = set(lex.get("personal_themes", []))
        self._flip = {k: v for k, v in phrasing.get("flip", {}).items() if " " not in k}
        self._possessives = set(phrasing.get("possessives", []))
        self._articles = set(phrasing.get("articles", ["the", "a", "an", "his", "her", "their"]))
        self._time = phrases(content.get("clauses", {}).get("time_words", []))
        self._short = {" ".join(p) for p in phrases(phrasing.get("short_inputs", []))}
        self._effort = phrases(phrasing.get("effort", []))
        self._meta = phrases(phrasing.get("meta", []))
        self._advice = phrases(phrasing.get("advice", []))
        self._unsure = phrases(phrasing.get("unsure", []))
        self._stuck = phrases(phrasing.get("stuck", []))
        self._social = {kind: {" ".join(p) for p in phrases(phrasing.get(kind, []))}
                        for kind in ("thanks", "greeting")}
        people = [p for theme in self._personal for p in self._topics.get(theme, [])]
        self.clauses = ClauseReader(content, people)

    def read(self, text: str) -> Cues:
        """Every cue found in one utterance."""
        tokens = tokenize(text)
        keys = [t.key for t in tokens]
        words = [t for t in tokens if t.is_word]
        clauses = self.clauses.read(text, tokens)
        # "Everyone would be better off without me" must never come back as "feeling better".
        feeling, family = self._feeling(tokens, pleasant=not clauses.sensitive)
        noun, noun_family = self._noun(tokens)
        topic, themes = self._topic(tokens)
        has_cue = bool(feeling or noun or topic or clauses.ambivalent or clauses.label
                       or clauses.outlook or clauses.want or clauses.like or clauses.focus)
        stuck = contains(keys, self._stuck)
        unsure = contains(keys, self._unsure) and not has_cue and not stuck
        return Cues(
            feeling=feeling,
            family=family,
            noun=noun,
            noun_family=noun_family,
            topic=topic,
            themes=themes,
            clauses=clauses,
            short=(" ".join(t.key for t in words) in self._short)
            or (len(words) <= 2 and not has_cue) or unsure,
            effort=contains(keys, self._effort),
            meta=contains(keys, self._meta),
            advice=contains(keys, self._advice),
            unsure=unsure,
            stuck=stuck,
            social=next((k for k, said in self._social.items()
                         if " ".join(t.key for t in words) in said), ""),
        )

    def _negated(self, tokens: Sequence[Token], index: int) -> bool:
        # Negation scope ends at clause punctuation ("no sé, estoy cansada" is not negated).
        for tok in reversed(tokens[max(0, index - 3) : index]):
            if not tok.is_word:
                return False
            if tok.key in self._negations or tok.key.endswith("n't"):
                return True
        return False

    def feelings(self, text: str) -> list[tuple[int, str, str]]:
        """Every feeling said: (token index, the client's exact word, family), in order."""
        return sorted(self._all_feelings(tokenize(text), own_words=True))

    def _feeling(self, tokens: Sequence[Token], *, pleasant: bool = True) -> tuple[str, str]:
        found = [f for f in self._all_feelings(tokens) if pleasant or f[2] != "good"]
        if not found:
            return "", ""
        # An unpleasant feeling is what most needs hearing; otherwise the first one said.
        found.sort(key=lambda f: (f[2] == "good", f[0]))
        _, word, family = found[0]
        return word.lower(), family

    def _all_feelings(
        self, tokens: Sequence[Token], *, own_words: bool = False
    ) -> list[tuple[int, str, str]]:
        keys = [t.key for t in tokens]
        found: list[tuple[int, str, str]] = []
        for family, options in self._families.items():
            for phrase in options:
                i = find(keys, phrase)
                while i >= 0:
                    word = " ".join(t.text for t in tokens[i : i + len(phrase)])
                    ambiguous = len(phrase) == 1 and phrase[0] in self._ambiguous
                    # "I feel so down" is cued; "be a better partner" is not.
                    cued = (i > 0 and keys[i - 1] in self._feeling_cues) or (
                        i > 1 and keys[i - 2] in self._feeling_cues
                        and keys[i - 1] in self._feeling_cues)
                    if (cued or not ambiguous) and not self._negated(tokens, i):
                        found.append((i, word.lower(), family))
                        break
                    i = find(keys, phrase, i + 1)
        for i, tok in enumerate(tokens):
            if tok.key in self._verbs and not self._negated(tokens, i):
                word = self._verbs[tok.key]
                family = next(
                    (f for f, ps in self._families.items() if (fold(word),) in ps), "sad"
                )
                found.append((i, tok.lower if own_words else word, family))
        return found

    def _noun(self, tokens: Sequence[Token]) -> tuple[str, str]:
        for i, tok in enumerate(tokens):
            if tok.key in self._nouns and not self._negated(tokens, i):
                return self._noun_phrases.get(tok.key, tok.lower), self._nouns[tok.key]
        return "", ""

    def themes(self, text: str) -> tuple[str, ...]:
        """Every theme mentioned, first mention first."""
        return self._topic(tokenize(text))[1]

    def _topic(self, tokens: Sequence[Token]) -> tuple[str, tuple[str, ...]]:
        keys = [t.key for t in tokens]
        hits: list[tuple[int, int, str]] = []
        for theme, options in self._topics.items():
            for words in options:
                i = find(keys, words)
                if i >= 0:
                    hits.append((i, len(words), theme))
        if not hits:
            return "", ()
        hits.sort()
        themes = tuple(dict.fromkeys(theme for _, _, theme in hits))
        # A possessive ("my sister") marks what the client is talking about most directly.
        owned = [h for h in hits if h[0] > 0 and tokens[h[0] - 1].lower in self._possessives]
        i, n, theme = (owned or hits)[0]
        word = " ".join(t.lower for t in tokens[i : i + n])
        before = tokens[i - 1].lower if i > 0 else ""
        if before in self._possessives:
            phrase = f"{self._flip.get(before, before)} {word}"
        elif before in self._articles:
            phrase = f"{before} {word}"
        elif word in self._topic_phrases or fold(word) in self._topic_phrases:
            phrase = self._topic_phrases.get(word) or self._topic_phrases[fold(word)]
        elif theme in self._personal:
            plural = word.endswith("s") and "bare_person_plural" in self._phrasing
            owner = self._phrasing["bare_person_plural" if plural else "bare_person"]
            phrase = f"{owner} {word}"
        else:
            phrase = word
        return phrase + self._tail(tokens, keys, i, i + n), themes

    def _tail(self, tokens: Sequence[Token], keys: Sequence[str], start: int, at: int) -> str:
        """What follows a topic and belongs to it: "my job| interview| next week"."""
        extra: list[str] = []
        while len(extra) < 3:
            link = 1 if at < len(keys) and keys[at] in self._links else 0
            more = starts_with(keys, at + link, self._topic_words)
            if more is None:
                break
            extra += [t.lower for t in tokens[at : at + link + len(more)]]
            at += link + len(more)
        when = starts_with(keys, at, self._time)
        # Only events take a time ("your interview next week", never "your mom today").
        if when is not None and set(keys[start:at]) & self._events:
            extra += [t.lower for t in tokens[at : at + len(when)]]
        return "".join(f" {w}" for w in extra)
