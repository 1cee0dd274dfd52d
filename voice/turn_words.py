"""How finished a transcript sounds, from word lists in voice/turn_words/<lang>.toml."""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

WORDS_DIR = Path(__file__).with_name("turn_words")
LANGS = ("en", "es")
# Whisper writes a trailing comma, dash or ellipsis when the voice trails off mid-thought.
_TRAILING_OFF = re.compile(r"(,|-|–|—|\.\.\.|…)\s*$")
_WORD = re.compile(r"[\w'’-]+", re.UNICODE)


class Completeness(StrEnum):
    """What the end of a transcript says about the turn."""

    EMPTY = "empty"  # nothing recognisable (noise, a cough)
    FILLER = "filler"  # only thinking sounds ("um", "este")
    UNFINISHED = "unfinished"  # ends on a word or phrase a sentence cannot end on
    MAYBE_UNFINISHED = "maybe_unfinished"  # ends on a word that usually leads on
    COMPLETE = "complete"


@dataclass(frozen=True)
class TurnWords:
    """One language's lists (all lower case; phrases as word tuples)."""

    fillers: frozenset[str]
    backchannels: frozenset[tuple[str, ...]]
    unfinished: frozenset[str]
    maybe_unfinished: frozenset[str]
    endings: tuple[tuple[str, ...], ...]

    @classmethod
    def load(cls, path: Path) -> TurnWords:
        """Read one language file."""
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return cls(
            fillers=frozenset(_words(data, "fillers")),
            backchannels=frozenset(tuple(words_of(p)) for p in _words(data, "backchannels")),
            unfinished=frozenset(_words(data, "unfinished_words")),
            maybe_unfinished=frozenset(_words(data, "maybe_unfinished_words")),
            endings=tuple(tuple(words_of(p)) for p in _words(data, "unfinished_endings")),
        )


def _words(data: dict[str, object], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"turn words: {key} must be a list of strings")
    return [v.strip().lower() for v in value]


def words_of(text: str) -> list[str]:
    """Lower-case words, apostrophes kept ("i'm"), other punctuation dropped."""
    return [w.replace("’", "'").strip("-") for w in _WORD.findall(text.lower()) if w.strip("-")]


@functools.cache
def turn_words(lang: str) -> TurnWords:
    """The lists for `lang` ("en" or "es"; anything else gets English)."""
    return TurnWords.load(WORDS_DIR / f"{lang if lang in LANGS else 'en'}.toml")


def _single_words(words: TurnWords) -> frozenset[str]:
    return frozenset(w for w in words.fillers if " " not in w)


def completeness(text: str, lang: str) -> Completeness:
    """Classify how the (speculative) transcript `text` ends."""
    lists = turn_words(lang)
    words = words_of(text)
    if not words:
        return Completeness.EMPTY
    fillers = _single_words(lists)
    content = list(words)
    while content and content[-1] in fillers:
        content.pop()
    if not content:
        return Completeness.FILLER
    if len(content) < len(words) or _TRAILING_OFF.search(text.strip()):
        return Completeness.UNFINISHED  # "I went, um" / "I went..." : still searching
    if content[-1] in lists.unfinished or any(_ends_with(content, e) for e in lists.endings):
        return Completeness.UNFINISHED
    if content[-1] in lists.maybe_unfinished:
        return Completeness.MAYBE_UNFINISHED
    return Completeness.COMPLETE


def _ends_with(words: list[str], ending: tuple[str, ...]) -> bool:
    return len(words) >= len(ending) and tuple(words[-len(ending) :]) == ending


def is_backchannel(text: str, lang: str) -> bool:
    """True for a short acknowledgement ("mm-hm", "yeah", "ajá", "sí") or a thinking sound."""
    words = tuple(words_of(text))
    if not words:
        return True  # nothing intelligible: not a reason to stop speaking
    lists = [turn_words(lang)] + ([turn_words("en")] if lang != "en" else [])
    for current in lists:
        if words in current.backchannels or all(w in current.fillers for w in words):
            return True
        # "yeah yeah yeah", "sí, sí": repeats of one acknowledgement
        if len(set(words)) == 1 and (words[0],) in current.backchannels:
            return True
    return False
