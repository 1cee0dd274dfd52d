"""Which language a session replies in: sticky, so one misheard turn never switches it."""

from __future__ import annotations

from dataclasses import dataclass

from reflection.content_files import base_language
from reflection.screening_text import detect_language


@dataclass
class SessionLanguage:
    """The session language; another language takes over only on clear, repeated evidence."""

    current: str = "en"
    min_words: int = 3
    _heard: int = 0
    _candidate: str | None = None

    def follow(self, text: str, hint: str | None = None) -> str:
        """The reply language for this turn.

        The first turn may set the language (the client's first words); after that, two turns
        in a row must agree before the session switches. Ties in detection keep the current
        language, so short or mixed turns ("ok", "A veces pienso en tirarme al metro") stay.
        """
        guess = base_language(hint) if hint else self.current
        if len(text.split()) >= self.min_words:
            guess = detect_language(text, default=guess if hint else self.current)
        first = self._heard == 0
        self._heard += 1
        if guess == self.current:
            self._candidate = None
        elif first or self._candidate == guess:
            self.current, self._candidate = guess, None
        else:
            self._candidate = guess
        return self.current
