"""Word repair before matching: repeated letters, slang, and fuzzy correction of misspellings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import simplemma
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from reflection.screening_text import NormalisedText, Token, fold, join_tokens, spelling_key

_REPEAT_RE = re.compile(r"(.)\1{2,}")
# Below this similarity (0-100) a misspelling is left alone: "killian" must not become a risk word.
_FUZZY_CUTOFF = 85.0
# Words at least this long may also be one transposition, insertion or deletion from a risk word.
_OSA_MIN_LENGTH = 5


@lru_cache(maxsize=50_000)
def is_known(word: str, lang: str) -> bool:
    """True when the lemmatiser's dictionary knows the word (so it is not a misspelling)."""
    # low_memory: simplemma reads its compressed stream instead of building a dict of every
    # word form; the same answers (checked on every word of the test sets) for 15 MB of
    # resident memory instead of 124 MB (English and Spanish) per server process.
    return bool(simplemma.is_known(word, lang=lang, low_memory=True))


@dataclass(frozen=True)
class WordRepair:
    """One language's repairs: slang rewrites, and a vocabulary misspellings are pulled onto."""

    lang: str
    slang: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    vocabulary: tuple[str, ...] = ()
    # Abbreviations only meant when written in capitals ("SI", "SH"; "si" is Spanish for "if").
    upper: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def build(cls, lang: str, slang: Mapping[str, str], vocabulary: Iterable[str],
              upper: Mapping[str, str] | None = None) -> WordRepair:
        """From the data file's `[slang]`, `[slang_upper]` tables and `fuzzy_vocabulary` list."""
        def split(table: Mapping[str, str]) -> dict[str, tuple[str, ...]]:
            return {k.lower(): tuple(v.lower().split()) for k, v in table.items()}

        return cls(lang, split(slang), tuple(sorted({w.lower() for w in vocabulary})),
                   split(upper or {}))

    def __call__(self, word: str, original: str = "") -> tuple[str, ...]:
        """The repaired word(s) for one folded word (`original` is how it was written)."""
        if original.isupper() and word in self.upper:
            return self.upper[word]
        if word in self.slang:
            return self.slang[word]
        if _REPEAT_RE.search(word):
            word = self._squash(word)
            if word in self.slang:
                return self.slang[word]
        return (self._correct(word),)

    def _squash(self, word: str) -> str:
        # "diiiie" -> "diie" -> "die"; "sooo" -> "soo" -> "so"; keep a double letter when known.
        double = _REPEAT_RE.sub(r"\1\1", word)
        single = _REPEAT_RE.sub(r"\1", word)
        if is_known(double, self.lang) or double in self.vocabulary:
            return double
        return single

    def _correct(self, word: str) -> str:
        return _fuzzy(word, self.lang, self.vocabulary)

    def correct(self, word: str) -> str:
        """The fuzzy vocabulary word `word` is a misspelling of, or `word` itself."""
        return self._correct(word)


@lru_cache(maxsize=50_000)
def lemma(word: str, lang: str) -> str:
    """The dictionary form of one folded word ("wants" -> "want", "cortando" -> "cortar")."""
    found = str(simplemma.lemmatize(word, lang=lang, low_memory=True)).lower()
    return found if found and " " not in found else word


def lemma_view(text: NormalisedText, lang: str) -> NormalisedText:
    """The same tokens in dictionary form, so concept patterns can ignore inflection."""
    tokens = [Token(lemma(t.text, lang), t.start, t.end) for t in text.tokens]
    return join_tokens(text.original, tokens)


# Spanish object clitics: "ahorcarse" (him/herself) is not a misspelling of "ahorcarme" (myself).
_CLITICS = ("me", "te", "se", "nos", "os", "lo", "la", "le", "los", "las", "les")


def _swaps_person(word: str, candidate: str) -> bool:
    """True when the correction would only change who the act is done to (its clitic)."""
    for ours in _CLITICS:
        if word.endswith(ours):
            stem = word[: -len(ours)]
            for theirs in _CLITICS:
                if theirs != ours and candidate == stem + theirs:
                    return True
    return False


@lru_cache(maxsize=50_000)
def _fuzzy(word: str, lang: str, vocabulary: tuple[str, ...]) -> str:
    # Only unknown words of some length are corrected, only onto the risk vocabulary, only when
    # the first letter agrees: a typo of "suicidal" is common, a new risk word from nothing is not.
    # A word either language knows is left alone: both lexicons screen every utterance, and
    # "suicida" (Spanish) must not be turned into the English "suicidal".
    if len(word) < 3 or not vocabulary or word in vocabulary or is_known(word, "en") or \
            is_known(word, "es"):
        return word
    candidates = [v for v in vocabulary if v[0] == word[0] and abs(len(v) - len(word)) <= 2
                  and (len(word) > 3 or len(v) == 4) and not _swaps_person(word, v)]
    found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF)
    if found:
        return str(found[0])
    if len(word) >= _OSA_MIN_LENGTH:
        # One slip of the fingers in a longer word: a swapped pair ("myslef", "sucidal" is
        # a deletion) costs two edits to `ratio` but one to optimal string alignment.
        near = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=1)
        if near:
            return str(near[0])
    return word


# A recogniser that does not know a word writes it as two pieces ("sui sidarme", "suici dio",
# "over dose"); pieces this short or shorter are not tried (they are mostly real words).
_JOIN_MIN_LENGTH = 6


def join_splits(text: NormalisedText, lang: str, spelling: Mapping[str, str],
                repair: WordRepair) -> NormalisedText:
    """Rejoin a word the recogniser split in two, when the joined form is a risk word.

    Only pairs where at least one piece is a word of neither language are tried, and only when the
    joined form is (a misspelling of) a word the rules or the fuzzy vocabulary already name:
    two real words ("para dos") are never fused, and no new risk word appears from nothing.
    """
    tokens = list(text.tokens)
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        if index + 1 < len(tokens) and _alone(tokens, index) and _alone(tokens, index + 1):
            # The pieces as written: slang repair may already have turned "sui" into a word.
            first, second = (fold(text.original[t.start:t.end]) for t in tokens[index:index + 2])
            joined = _joined(first, second, lang, spelling, repair)
            if joined:
                out.append(Token(joined, tokens[index].start, tokens[index + 1].end))
                index += 2
                continue
        out.append(tokens[index])
        index += 1
    if len(out) == len(tokens):
        return text
    return join_tokens(text.original, out)


def _alone(tokens: list[Token], index: int) -> bool:
    # One written word behind exactly one token (not a contraction or slang expansion).
    span = (tokens[index].start, tokens[index].end)
    near = tokens[max(index - 1, 0):index] + tokens[index + 1:index + 2]
    return all((t.start, t.end) != span for t in near)


def _joined(first: str, second: str, lang: str, spelling: Mapping[str, str],
            repair: WordRepair) -> str:
    if not (first.isalpha() and second.isalpha()) or min(len(first), len(second)) < 2:
        return ""
    whole = first + second
    # Both lexicons screen every utterance: "suicida al" is two Spanish words, and the English
    # lexicon must not fuse it into "suicidal".
    if len(whole) < _JOIN_MIN_LENGTH or all(is_known(p, "en") or is_known(p, "es")
                                            for p in (first, second)):
        return ""
    if any(_risk_word(piece, lang, spelling, repair) for piece in (first, second)):
        return ""  # "suicidal or", "se suicido": one piece is already the word
    found = _risk_word(whole, lang, spelling, repair)
    # Both pieces must be spent on the word: "suicidalor" is not a split "suicidal".
    return found if abs(len(found) - len(whole)) <= 1 else ""


def _risk_word(word: str, lang: str, spelling: Mapping[str, str], repair: WordRepair) -> str:
    found = spelling.get(spelling_key(word, lang), "") if len(word) > 3 else ""
    if found:
        return found
    corrected = repair.correct(word)
    return corrected if corrected in repair.vocabulary else ""
