"""Text normalisation for screening: lowercase, fold accents, expand contractions, map spans."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

# Words (letters with inner apostrophes), digit runs, and clause punctuation.
_TOKEN_RE = re.compile(r"\d+|[^\W\d_]+(?:['’][^\W\d_]+)*|[.,;:!?]")
# Multi-word rewrites from the data files: (source tokens, target tokens), longest first.
Phrases = Sequence[tuple[tuple[str, ...], tuple[str, ...]]]
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'"})
# Repairs one folded word given how it was written (see reflection/screening_repair.py).
Repair = Callable[[str, str], Sequence[str]]

# ("one" is not a number word here: it is mostly a pronoun, as in "no one".)
# Contractions and informal spellings typed or transcribed without apostrophes. Expanding them
# lets one lexicon pattern ("i am not", "want to") cover every spelling.
_EN_EXPANSIONS: Mapping[str, str] = {
    "im": "i am", "i'm": "i am", "ima": "i am going to", "imma": "i am going to",
    "ive": "i have", "i've": "i have", "i'd": "i would", "i'll": "i will",
    "dont": "do not", "don't": "do not", "doesnt": "does not", "doesn't": "does not",
    "didnt": "did not", "didn't": "did not", "cant": "can not", "can't": "can not",
    "cannot": "can not", "wont": "will not", "won't": "will not", "wouldnt": "would not",
    "wouldn't": "would not", "isnt": "is not", "isn't": "is not", "aint": "am not",
    "ain't": "am not", "wasnt": "was not", "wasn't": "was not", "havent": "have not",
    "haven't": "have not", "shouldnt": "should not", "couldnt": "could not",
    "gonna": "going to", "wanna": "want to", "gotta": "got to", "finna": "going to",
    "tryna": "trying to", "lemme": "let me", "kinda": "kind of", "hes": "he is",
    "shes": "she is", "theyre": "they are", "youre": "you are", "thats": "that is",
    "whats": "what is", "u": "you", "ur": "your",
    "cuz": "because", "bc": "because", "rn": "right now", "tbh": "to be honest",
    "ngl": "not going to lie", "fr": "for real", "idk": "i do not know", "bout": "about",
    "abt": "about", "prolly": "probably", "tho": "though",
}
_EN_IS_BEFORE_S = frozenset(
    {"it", "he", "she", "that", "there", "what", "who", "here", "where", "life", "everything",
     "nothing", "this"}
)
_ES_EXPANSIONS: Mapping[str, str] = {
    "q": "que", "k": "que", "xq": "porque", "pq": "porque", "porq": "porque", "tb": "tambien",
    "tmb": "tambien", "pa": "para", "toy": "estoy", "x": "por", "d": "de",
}
_EN_NUMBERS: Mapping[str, str] = {
    "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15",
    "thirteen": "13", "fourteen": "14", "sixteen": "16", "seventeen": "17", "eighteen": "18",
    "nineteen": "19", "twenty": "20", "thirty": "30", "forty": "40", "fifty": "50",
    "hundred": "100",
}
_ES_NUMBERS: Mapping[str, str] = {
    "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5", "seis": "6", "siete": "7", "ocho": "8",
    "nueve": "9", "diez": "10", "doce": "12", "quince": "15", "veinte": "20", "treinta": "30",
    "cuarenta": "40", "cincuenta": "50", "cien": "100",
}
_EN_HINT_WORDS = (
    "the and i you is to my it of that in am not want so just this he she was have be with "
    "what feel like at about"
)
_ES_HINT_WORDS = (
    "que de el la y lo mi yo quiero por con pero una los las estoy muy ya esta mas tengo "
    "siento porque cuando nada todo ella para su le del"
)
_EN_HINTS = frozenset(_EN_HINT_WORDS.split())
_ES_HINTS = frozenset(_ES_HINT_WORDS.split())


@dataclass(frozen=True)
class Token:
    """A normalised word and the span of the original text it came from."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class NormalisedText:
    """Space-joined normalised tokens, with a map from each character back to a token."""

    original: str
    tokens: tuple[Token, ...]
    text: str
    _char_token: tuple[int, ...]

    def token_at(self, char: int) -> int:
        """Index of the token behind normalised character `char`."""
        return self._char_token[char]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text behind normalised characters [start, end)."""
        if not self.tokens or end <= start:
            return (0, 0)
        first = self.tokens[self._char_token[start]]
        last = self.tokens[self._char_token[max(start, end - 1)]]
        return (first.start, last.end)


def spelling_key(word: str, lang: str) -> str:
    """A key under which common misspellings of a word collide with the word itself."""
    if lang == "es":
        # Spanish spelling errors are mostly homophones: b/v, s/z/soft c, k/qu/hard c, silent h.
        key = word.replace("ch", "#").replace("qu", "k").replace("ll", "y").replace("h", "")
        key = re.sub(r"c(?=[ei])", "s", key).replace("c", "k").replace("z", "s").replace("v", "b")
        return re.sub(r"(.)\1", r"\1", key).replace("#", "ch")
    # English speech and texting drop the final g of -ing ("cuttin", "thinkin").
    return word[:-1] if word.endswith("ing") else word


def spelling_map(vocabulary: Iterable[str], lang: str) -> dict[str, str]:
    """Map misspelling keys to the lexicon's own words (ambiguous keys are left out)."""
    found: dict[str, set[str]] = {}
    for word in vocabulary:
        found.setdefault(spelling_key(word, lang), set()).add(word)
    return {key: next(iter(words)) for key, words in found.items() if len(words) == 1}


def fold(text: str) -> str:
    """Lowercase and strip accents (ASR and hurried typing often drop them)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _expand_es(word: str, previous: str) -> list[str]:
    """Texting abbreviations and number words for one folded Spanish word."""
    return [_ES_EXPANSIONS.get(word) or _ES_NUMBERS.get(word) or word]


def _expand_en(word: str, previous: str) -> list[str]:
    """Contractions, slang spellings and number words for one folded English word."""
    if word in _EN_EXPANSIONS:
        expanded = _EN_EXPANSIONS[word]
        if expanded == "am not" and previous not in ("i", ""):
            expanded = "is not"  # "he ain't" -> "he is not"
        return expanded.split()
    if word in _EN_NUMBERS:
        return [_EN_NUMBERS[word]]
    if "'" in word:
        stem, _, suffix = word.partition("'")
        tail = {"re": "are", "ll": "will", "ve": "have", "d": "would", "m": "am"}.get(suffix)
        if suffix == "t" and stem.endswith("n"):
            return [stem[:-1], "not"]
        if suffix == "s":
            return [stem, "is"] if stem in _EN_IS_BEFORE_S else [stem]
        return [stem, tail] if tail else [stem + suffix]
    return [word]


def _apply_phrases(tokens: list[Token], phrases: Phrases) -> list[Token]:
    """Replace multi-word sequences (ASR confusions) keeping the combined original span."""
    for source, target in phrases:
        size = len(source)
        out: list[Token] = []
        index = 0
        while index < len(tokens):
            window = tuple(t.text for t in tokens[index : index + size])
            if window == source:
                start, end = tokens[index].start, tokens[index + size - 1].end
                out.extend(Token(word, start, end) for word in target)
                index += size
            else:
                out.append(tokens[index])
                index += 1
        tokens = out
    return tokens


def compile_phrases(pairs: Iterable[Sequence[str]]) -> Phrases:
    """Turn [["sue aside", "suicide"], ...] from a data file into token tuples, longest first."""
    compiled = [(tuple(fold(src).split()), tuple(fold(dst).split())) for src, dst in pairs]
    return tuple(sorted(compiled, key=lambda pair: -len(pair[0])))


def normalise(
    text: str,
    lang: str = "en",
    phrases: Phrases = (),
    spelling: Mapping[str, str] | None = None,
    repair: Repair | None = None,
) -> NormalisedText:
    """Tokenise, fold, expand and rewrite `text`, remembering where each token came from.

    `spelling` maps spelling keys to known lexicon words (see `spelling_map`); `repair` fixes
    slang, repeated letters and misspellings word by word.
    """
    expand = _expand_es if lang == "es" else _expand_en
    tokens: list[Token] = []
    for match in _TOKEN_RE.finditer(text):
        previous = tokens[-1].text if tokens else ""
        for expanded in expand(fold(match.group()), previous):
            if spelling and len(expanded) > 3:
                expanded = spelling.get(spelling_key(expanded, lang), expanded)
            for word in repair(expanded, match.group()) if repair else (expanded,):
                tokens.append(Token(word, match.start(), match.end()))
    return join_tokens(text, _apply_phrases(tokens, phrases))


def join_tokens(text: str, tokens: Sequence[Token]) -> NormalisedText:
    """The space-joined view of `tokens` (of original `text`) with its character map."""
    char_token: list[int] = []
    parts: list[str] = []
    for index, token in enumerate(tokens):
        if index:
            char_token.append(index)  # the joining space belongs to the next token
        char_token.extend([index] * len(token.text))
        parts.append(token.text)
    return NormalisedText(text, tuple(tokens), " ".join(parts), tuple(char_token))


def detect_language(text: str, default: str = "en") -> str:
    """'en' or 'es' from common function words and Spanish-only characters; cheap, not perfect."""
    lowered = text.lower()
    spanish = sum(lowered.count(ch) for ch in "ñ¿¡áéíóú") * 2
    english = 0
    for word in re.findall(r"[^\W\d_]+", fold(text)):
        english += word in _EN_HINTS
        spanish += word in _ES_HINTS
    if spanish == english:
        return default if default in ("en", "es") else "en"
    return "es" if spanish > english else "en"
