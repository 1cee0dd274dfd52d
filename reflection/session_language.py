"""Which language a session replies in: sticky, so one misheard turn never switches it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from reflection.content_files import base_language
from reflection.screening_text import detect_language

_WORD = re.compile(r"[^\W\d_]+")


def language_votes(text: str) -> dict[str, int]:
    """How many words read as clearly English or clearly Spanish (the detector, word by word)."""
    votes = {"en": 0, "es": 0}
    for word in _WORD.findall(text):
        # A word is a vote only when it is not a tie whichever language is the default.
        if detect_language(word, default="es") == "en":
            votes["en"] += 1
        elif detect_language(word, default="en") == "es":
            votes["es"] += 1
    return votes


@dataclass
class SessionLanguage:
    """The session language; another language takes over only on clear, repeated evidence."""

    current: str = "en"
    min_words: int = 3
    # The first turn may switch alone only with this many more words in the other language.
    first_turn_margin: int = 2
    _heard: int = 0
    _candidate: str | None = None

    def follow(self, text: str, hint: str | None = None) -> str:
        """The reply language for this turn.

        A per-turn hint (the kiosk's or the speech recogniser's language) counts as evidence,
        not as a decision. The first turn switches only on a clear margin ("Me siento muy
        cansada" in an English session); after that two turns in a row must agree. Short or
        mixed turns ("ok", "Me he estado cortando otra vez") keep the current language.
        """
        first = self._heard == 0
        self._heard += 1
        other = "es" if self.current == "en" else "en"
        votes = language_votes(text) if len(text.split()) >= self.min_words else {}
        said = base_language(hint) if hint else ""
        margin = (votes.get(other, 0) - votes.get(self.current, 0)
                  + (said == other) - (said == self.current))
        guess = other if margin > 0 else self.current
        if guess == self.current:
            self._candidate = None
        elif (first and margin >= self.first_turn_margin) or self._candidate == guess:
            self.current, self._candidate = guess, None
        else:
            self._candidate = guess
        return self.current
