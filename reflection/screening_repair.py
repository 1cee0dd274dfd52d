"""Word repair before matching: repeated letters, slang, and fuzzy correction of misspellings."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import simplemma
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from reflection.screening_text import NormalisedText, Token, join_tokens

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


@lru_cache(maxsize=50_000)
def lemma(word: str, lang: str) -> str:
    """The dictionary form of one folded word ("wants" -> "want", "cortando" -> "cortar")."""
    found = str(simplemma.lemmatize(word, lang=lang, low_memory=True)).lower()
    return found if found and " " not in found else word


def lemma_view(text: NormalisedText, lang: str) -> NormalisedText:
    """The same tokens in dictionary form, so concept patterns can ignore inflection."""
    tokens = [Token(lemma(t.text, lang), t.start, t.end) for t in text.tokens]
    return join_tokens(text.original, tokens)


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
                  and (len(word) > 3 or len(v) == 4)]
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
