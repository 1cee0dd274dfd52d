"""A simple name and number scrubber for exported review items (a first-contact set must not
carry who said it): capitalised words not at a sentence start, phone numbers, emails."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE = re.compile(r"(?<!\w)\+?\d[\d\s().-]{5,}\d(?!\w)")
NUMBER = re.compile(r"\b\d{3,}\b")
WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?¡¿…:;\"“”«»\n]\s*$")
# Capitalised in the middle of a sentence but not a name (English "I", its contractions).
KEEP = frozenset({"I", "I'm", "I’m", "I've", "I’ve", "I'll", "I’ll", "I'd", "I’d"})


def scrub(text: str) -> str:
    """Replace emails with [email], phone numbers and long numbers with [number], and
    capitalised words that do not start a sentence with [name]."""
    text = EMAIL.sub("[email]", text)
    text = PHONE.sub("[number]", text)
    text = NUMBER.sub("[number]", text)
    out: list[str] = []
    last = 0
    for match in WORD.finditer(text):
        word = match.group(0)
        before = text[:match.start()]
        starts_sentence = not before.strip() or bool(SENTENCE_END.search(before))
        if word[0].isupper() and not starts_sentence and word not in KEEP:
            out.append(text[last:match.start()] + "[name]")
            last = match.end()
    out.append(text[last:])
    return "".join(out)
