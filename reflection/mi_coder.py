"""A rule-based Motivational Interviewing coder for kiosk replies (MITI 4.2-style counts).

Each reply sentence gets one code:
- ``open_question`` / ``closed_question``: it ends with "?"; open when it starts with a
  question word ("what", "how", "qué", "cómo"...), closed otherwise ("would you like...?").
- ``affirmation``: it names a strength or effort of the client ("it takes courage...").
- ``complex_reflection``: a statement about the client ("you", "part of you", Spanish
  second-person forms) that adds meaning: double-sided ("part of you... and..."), or at least
  two content words, and half of them, that the client did not say.
- ``simple_reflection``: a statement about the client that mostly repeats their words.
- ``other``: anything else (information about the tool, thanks, structuring); the fixed
  honest answers about the tool are information, so their statements are ``other`` unless
  they are framed as a reflection ("It sounds like...", "Parece que...").
R:Q is reflections / questions; % complex is complex / all reflections (MITI 4.2: "fair" is
1:1 and 40%, "good" 2:1 and 50%). Crisis-protocol replies are fixed text, not coded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reflection.responders.tokens import fold, tokenize

if TYPE_CHECKING:
    from reflection.conversation_checks import Run

_SENTENCE = re.compile(r"[^.!?…]+[.!?…]*[\"'”’)]*")


def sentences(text: str) -> list[str]:
    """A reply's sentences, as a listener hears them."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .")]



CODES = ("simple_reflection", "complex_reflection", "open_question", "closed_question",
         "affirmation", "other")
_OPEN = {"en": ("what", "how", "where", "when", "which", "who", "why", "tell me", "in what"),
         "es": ("que", "como", "cual", "cuales", "donde", "cuando", "quien", "por que",
                "cuentame", "de que", "en que", "a que", "hasta que", "para que")}
_AFFIRM = {"en": ("takes courage", "says a lot", "you've been trying", "you've kept at",
                  "you still showed up", "you're being honest", "takes real", "you did it",
                  "and that counts", "and that matters", "shows how much you care",
                  "is a real step", "good that you", "you've been handling",
                  "you're working hard", "you've been putting real effort", "took courage",
                  "you've clearly been thinking", "you're taking this seriously"),
           "es": ("hace falta valor", "hace falta valentia", "dice mucho", "has venido",
                  "estas aqui", "eso cuenta", "eso importa", "te importa mucho",
                  "es un paso", "has hecho", "has estado intentando", "has seguido",
                  "estas siendo honest", "es bueno que", "estas esforzando",
                  "te lo estas tomando en serio", "requiere",
                  "has sostenido", "has manejado")}
_DOUBLE = {"en": ("part of you", "on one hand", "at the same time", "pulled", "both sides",
                  " and also ", " while "),
           "es": ("una parte de ti", "por un lado", "al mismo tiempo", "dividid",
                  "ambos lados", "las dos cosas", " y tambien ", " mientras ")}
_ABOUT_CLIENT = {"en": frozenset({"you", "you're", "your", "you've", "you'd", "yourself",
                                  "you'll"}),
                 "es": frozenset({"tu", "te", "ti", "contigo", "tus", "estas", "has",
                                  "sientes", "quieres", "tienes", "puedes", "eres",
                                  "piensas", "hablas", "cargas", "llevas", "vives"})}
_ABOUT_TOOL = {"en": ("i'm a computer", "i am a computer", "computer program", "i can't",
                      "i cannot", "i'll ", "i will", "your therapist will", "the summary",
                      "your summary", "shall i", "i'm here", "i'm listening", "thank you",
                      "thanks for"),
               "es": ("programa de computadora", "no puedo", "tu terapeuta vera",
                      "el resumen", "tu resumen", "aqui estoy", "te escucho", "anoto",
                      "lo anoto", "lo apunto", "gracias")}
# Frame words carry no meaning of their own in a reflection ("it sounds like you...").
_FRAME_EN = """it sounds like you you're your you've you'd yourself so and the a an of to that
    this there's there is been be have has had with for on in about when what feel feeling
    feelings felt really lot lately right now today it's its as at or but are was were not
    just more much some something seems seem like may might also still"""
_FRAME_ES = """parece que te tu tus ti has estas esta es y el la los las un una de del a lo en
    con por para se sientes sentir siento como mucho muy hoy ahora todo eso esto algo
    ultimamente estado sido hay o pero no ya mas tambien al su sus me mi"""
_FRAME = {"en": frozenset(_FRAME_EN.split()), "es": frozenset(_FRAME_ES.split())}


@dataclass(frozen=True)
class CodedSentence:
    """One reply sentence and its MI code."""

    text: str
    code: str


@dataclass(frozen=True)
class MIFigures:
    """Per-conversation (or per-set) MI counts."""

    name: str
    counts: Counter[str]

    @property
    def reflections(self) -> int:
        """Simple plus complex reflections."""
        return self.counts["simple_reflection"] + self.counts["complex_reflection"]

    @property
    def questions(self) -> int:
        """Open plus closed questions."""
        return self.counts["open_question"] + self.counts["closed_question"]

    @property
    def r_to_q(self) -> float:
        """Reflections per question (all reflections when no question was asked)."""
        return self.reflections / self.questions if self.questions else float(self.reflections)

    @property
    def complex_share(self) -> float:
        """Share of reflections that are complex (0 when there are none)."""
        return self.counts["complex_reflection"] / self.reflections if self.reflections else 0.0


def _content(words: Iterable[str], lang: str) -> set[str]:
    frame = _FRAME.get(lang, _FRAME["en"])
    # A five-letter stem lets "worried" match "worry" and "cansada" match "cansado".
    return {w[:5] for w in words if w.isalpha() and len(w) > 2 and w not in frame}


def code_sentence(sentence: str, client_text: str, lang: str = "en") -> str:
    """The MI code of one reply sentence, given what the client had just said."""
    text = f" {fold(sentence).strip()} "
    lang = lang if lang in _OPEN else "en"
    if sentence.rstrip("\"'”’) ").endswith("?"):
        # The question proper: after "¿" in Spanish, else the last clause ("If..., what...?").
        head = text.rsplit("¿", 1)[-1] if "¿" in text else text
        clauses = [c.strip(" ¡\"'") for c in head.split(",")]
        return ("open_question" if any(c.startswith(_OPEN[lang]) for c in clauses)
                else "closed_question")
    if any(m in text for m in _AFFIRM[lang]):
        return "affirmation"
    if any(m in text for m in _ABOUT_TOOL[lang]):
        return "other"
    words = [t.key for t in tokenize(sentence) if t.is_word]
    frames = ("parece", "se nota", "it sounds like", "sounds like", "so ")
    if not _ABOUT_CLIENT[lang] & set(words) and not text.strip().startswith(frames):
        return "other"
    if any(m in text for m in _DOUBLE[lang]):
        return "complex_reflection"
    said = _content((t.key for t in tokenize(client_text) if t.is_word), lang)
    mine = _content(words, lang)
    novel = mine - said
    if len(novel) >= 2 and len(novel) * 2 >= len(mine):
        return "complex_reflection"
    return "simple_reflection"


def code_reply(reply: str, client_text: str, lang: str = "en") -> list[CodedSentence]:
    """Every sentence of one reply, coded."""
    return [CodedSentence(s, code_sentence(s, client_text, lang)) for s in sentences(reply)]


def _reflective(coded: CodedSentence) -> bool:
    """A reflection inside a fixed answer ("It sounds like this matters a lot to you")."""
    return coded.code.endswith("reflection") and fold(coded.text).startswith(
        ("it sounds like", "parece que"))


def code_run(run: Run) -> MIFigures:
    """MI counts over one conversation's replies (crisis-protocol text excluded)."""
    counts: Counter[str] = Counter({code: 0 for code in CODES})
    for reply in run.replies:
        if reply.crisis or reply.check_in:
            continue
        coded = code_reply(reply.text, reply.client, run.lang)
        if reply.responder == "honesty":  # fixed information about the tool: giving information
            coded = [c if c.code.endswith("question") or _reflective(c) else
                     CodedSentence(c.text, "other") for c in coded]
        counts.update(c.code for c in coded)
    return MIFigures(run.id, counts)


def total(figures: Sequence[MIFigures], name: str = "all") -> MIFigures:
    """The counts of several conversations added up."""
    counts: Counter[str] = Counter({code: 0 for code in CODES})
    for f in figures:
        counts.update(f.counts)
    return MIFigures(name, counts)
