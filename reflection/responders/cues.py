"""What a client utterance contains that a scripted reflection can use (pure, no I/O)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

_TOKEN = re.compile(r"[\w'’]+|[.,;:!?¿¡]")
_CLAUSE_END = frozenset(".,;:!?¿¡")
_SENTENCE_END = frozenset(".!?¿¡")
# Words that may open the second half of "I want to..., but <subject>...".
_SUBJECTS = frozenset((
    "i", "i'm", "im", "it", "it's", "its", "there", "that", "this", "they", "he", "she", "we",
    "things", "everything", "nothing", "someone", "people", "life", "my", "i've", "i'd", "i'll",
))


def fold(text: str) -> str:
    """Lower-case, curly apostrophes straightened and accents removed, for matching only."""
    text = text.lower().replace("’", "'")
    return "".join(
        c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn"
    )


@dataclass(frozen=True)
class Token:
    """One word or punctuation mark: as written, lower-cased, and folded for matching."""

    text: str
    lower: str
    key: str


def tokenize(text: str) -> list[Token]:
    """Split into words and clause punctuation."""
    out = []
    for raw in _TOKEN.findall(text):
        lower = raw.lower().replace("’", "'")
        out.append(Token(raw, lower, fold(raw)))
    return out


@dataclass(frozen=True)
class Cues:
    """The parts of an utterance a reflection may mirror."""

    feeling: str = ""  # the client's own feeling word, e.g. "anxious"
    family: str = ""  # feeling family, e.g. "anxious", "sad", "good"
    noun: str = ""  # a feeling noun phrase, e.g. "stress" / "el estrés"
    noun_family: str = ""
    topic: str = ""  # reflected content phrase, e.g. "your sister"
    themes: tuple[str, ...] = ()  # every theme mentioned, first mention first
    ambivalence: tuple[str, str] | None = None  # both sides, pronouns turned round
    ambivalent: bool = False  # "I want..., but..." even if the sides cannot be reused
    short: bool = False
    effort: bool = False
    meta: bool = False
    advice: bool = False

    @property
    def positive(self) -> bool:
        """True when the main feeling is a pleasant one."""
        return self.family == "good"


def _phrases(values: Sequence[str]) -> list[tuple[str, ...]]:
    return [tuple(t.key for t in tokenize(v)) for v in values]


def _find(keys: Sequence[str], phrase: tuple[str, ...], start: int = 0) -> int:
    n = len(phrase)
    for i in range(start, len(keys) - n + 1):
        if tuple(keys[i : i + n]) == phrase:
            return i
    return -1


def _contains(keys: Sequence[str], phrases: Sequence[str]) -> bool:
    return any(_find(keys, p) >= 0 for p in _phrases(phrases) if p)


class CueReader:
    """Reads cues using one language's lexicon from reflections.toml."""

    def __init__(self, content: Mapping[str, Any]) -> None:
        lex = content["lexicon"]
        self._phrasing = content["phrasing"]
        self._families = {fam: _phrases(words) for fam, words in lex["feelings"].items()}
        self._ambiguous = {fold(w) for w in lex.get("ambiguous_feelings", [])}
        self._feeling_cues = {fold(w) for w in lex.get("feeling_cues", [])}
        self._negations = {fold(w) for w in lex.get("negations", [])}
        self._verbs = {fold(k): v for k, v in lex.get("feeling_verbs", {}).items()}
        self._nouns = {fold(k): v for k, v in lex.get("feeling_nouns", {}).items()}
        self._noun_phrases = {fold(k): v for k, v in lex.get("noun_phrases", {}).items()}
        self._topics = {theme: _phrases(words) for theme, words in lex["topics"].items()}
        self._topic_phrases = {fold(k): v for k, v in lex.get("topic_phrases", {}).items()}
        self._personal = set(lex.get("personal_themes", []))
        flip = self._phrasing.get("flip", {})
        self._flip_pairs = {tuple(k.split()): v for k, v in flip.items() if " " in k}
        self._flip = {k: v for k, v in flip.items() if " " not in k}
        self._possessives = set(self._phrasing.get("possessives", []))
        self._articles = set(self._phrasing.get("articles", ["the", "a", "an", "his", "her",
                                                             "their"]))
        self._second = {fold(w) for w in self._phrasing.get("second_person", [])}

    def read(self, text: str) -> Cues:
        """Every cue found in one utterance."""
        tokens = tokenize(text)
        keys = [t.key for t in tokens]
        words = [t for t in tokens if t.text not in _CLAUSE_END]
        feeling, family = self._feeling(tokens)
        noun, noun_family = self._noun(tokens)
        topic, themes = self._topic(tokens)
        sides, ambivalent = self._ambivalence(tokens)
        folded = " ".join(t.key for t in words)
        short_set = {" ".join(p) for p in _phrases(self._phrasing.get("short_inputs", []))}
        has_cue = bool(feeling or noun or topic or ambivalent)
        return Cues(
            feeling=feeling,
            family=family,
            noun=noun,
            noun_family=noun_family,
            topic=topic,
            themes=themes,
            ambivalence=sides,
            ambivalent=ambivalent,
            short=(folded in short_set) or (len(words) <= 2 and not has_cue),
            effort=_contains(keys, self._phrasing.get("effort", [])),
            meta=_contains(keys, self._phrasing.get("meta", [])),
            advice=_contains(keys, self._phrasing.get("advice", [])),
        )

    def _negated(self, tokens: Sequence[Token], index: int) -> bool:
        # Negation scope ends at clause punctuation ("no sé, estoy cansada" is not negated).
        for tok in reversed(tokens[max(0, index - 3) : index]):
            if tok.text in _CLAUSE_END:
                return False
            if tok.key in self._negations or tok.key.endswith("n't"):
                return True
        return False

    def feelings(self, text: str) -> list[tuple[int, str, str]]:
        """Every feeling said: (token index, the client's exact word, family), in order."""
        return sorted(self._all_feelings(tokenize(text), own_words=True))

    def _feeling(self, tokens: Sequence[Token]) -> tuple[str, str]:
        found = self._all_feelings(tokens)
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
        for family, phrases in self._families.items():
            for phrase in phrases:
                i = _find(keys, phrase)
                while i >= 0:
                    word = " ".join(t.text for t in tokens[i : i + len(phrase)])
                    ambiguous = len(phrase) == 1 and phrase[0] in self._ambiguous
                    cued = i > 0 and (
                        keys[i - 1] in self._feeling_cues
                        or (i > 1 and keys[i - 2] in self._feeling_cues)
                    )
                    if (cued or not ambiguous) and not self._negated(tokens, i):
                        found.append((i, word.lower(), family))
                        break
                    i = _find(keys, phrase, i + 1)
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
        for theme, phrases in self._topics.items():
            for words in phrases:
                i = _find(keys, words)
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
        return phrase, themes

    def _ambivalence(self, tokens: Sequence[Token]) -> tuple[tuple[str, str] | None, bool]:
        keys = [t.key for t in tokens]
        for start_phrase in _phrases(self._phrasing.get("ambivalence_starts", [])):
            s = _find(keys, start_phrase)
            if s < 0:
                continue
            for t in range(s + len(start_phrase), len(tokens)):
                if tokens[t].text in _SENTENCE_END:
                    break
                turn = next(
                    (p for p in _phrases(self._phrasing.get("ambivalence_turns", []))
                     if tuple(keys[t : t + len(p)]) == p),
                    None,
                )
                if turn is None:
                    continue
                a = self._clause(tokens[s:t])
                b_tokens = self._until_clause_end(tokens[t + len(turn) :])
                b = self._clause(b_tokens)
                if a and b and self._b_ok(b_tokens):
                    return (a, b), True
                return None, True
        return None, False

    def _b_ok(self, tokens: Sequence[Token]) -> bool:
        # English needs a subject for "..., and <b>" to read well; Spanish drops subjects.
        if "i" not in self._flip:
            return True
        return bool(tokens) and tokens[0].lower in _SUBJECTS

    @staticmethod
    def _until_clause_end(tokens: Sequence[Token]) -> list[Token]:
        out = []
        for tok in tokens:
            if tok.text in _CLAUSE_END:
                break
            out.append(tok)
        return out

    def _clause(self, tokens: Sequence[Token]) -> str:
        words = [t for t in tokens if t.text not in _CLAUSE_END]
        if not 2 <= len(words) <= 10 or any(t.key in self._second for t in words):
            return ""
        out: list[str] = []
        i = 0
        while i < len(words):
            pair = (words[i].lower, words[i + 1].lower) if i + 1 < len(words) else None
            if pair is not None and pair in self._flip_pairs:
                out.append(self._flip_pairs[pair])
                i += 2
                continue
            low = words[i].lower
            out.append(self._flip.get(low, words[i].text if low != "i" else "I"))
            i += 1
        clause = " ".join(out)
        return clause if clause.startswith("I ") else clause[:1].lower() + clause[1:]
