"""Short answers at the kiosk, spoken or typed: code digits and yes / no (English, Spanish)."""

from __future__ import annotations

import re
import unicodedata

_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "to": "2", "too": "2",
    "three": "3", "four": "4", "for": "4", "five": "5", "six": "6", "seven": "7",
    "eight": "8", "nine": "9",
    "cero": "0", "uno": "1", "una": "1", "un": "1", "dos": "2", "tres": "3", "cuatro": "4",
    "cinco": "5", "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}
_YES = {"yes", "yeah", "yep", "sure", "ok", "okay", "agree", "si", "claro", "vale", "acepto"}
_NO = {"no", "n", "nope", "not", "decline", "dont", "nah"}


def _words(text: str) -> list[str]:
    plain = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).replace("'", "")
    return re.findall(r"[a-z]+|\d", plain)


def spoken_digits(text: str) -> str:
    """Digits in a spoken or typed code: "four two, 7 nine" -> "4279"; other words are ignored."""
    out = []
    for word in _words(text):
        if word.isdigit():
            out.append(word)
        elif word in _DIGITS:
            out.append(_DIGITS[word])
    return "".join(out)


def yes_or_no(text: str) -> bool | None:
    """True for yes / sí, False for no, None when unclear (a "no" anywhere wins: safer)."""
    words = set(_words(text))
    if words & _NO:
        return False
    if words & _YES or text.strip().lower() in {"y", "s"}:
        return True
    return None
