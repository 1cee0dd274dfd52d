"""The second first-contact turn set (2026-12-02 afternoon): new sentences, voices, rates and
room-tone seeds, written before the decider's afternoon changes and scored once on the tree
as it stood (docs/performance.md, "## Turn-taking").

Same shape as `benchmarks.turn_corpus_first_contact`: pauses after a complete clause, just
after its conjunction and inside a phrase, plus complete turns spoken without a pause. Some
phrase pauses are deliberately hard: the words before them read as a finished sentence
("I keep comparing myself | to the people...", "Anoche no | pude dejar de llorar") or end on
a word no list names. `reflect bench --turns --first-contact 2` runs it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from benchmarks.turn_corpus import PAUSES_S, PausedUtterance, Voice, espeak_voice
from benchmarks.turn_corpus_first_contact import build_set

# (before the pause, after it, "clause" boundary or "phrase" inside one)
ENGLISH: tuple[tuple[str, str, str], ...] = (
    ("I stopped going to the gym after Christmas,", "and now I feel worse about myself.",
     "clause"),
    ("My daughter barely talks to me these days,", "but I know she is struggling.", "clause"),
    ("I could not concentrate in the meeting today,",
     "because I kept worrying about the test results.", "clause"),
    ("We had dinner with his parents on Friday,", "and nobody mentioned what happened.",
     "clause"),
    ("The part I find hardest is", "being on my own in the evenings.", "phrase"),
    ("I never really got over", "losing my grandmother last year.", "phrase"),
    ("Last night I", "could not stop crying in the shower.", "phrase"),
    ("I keep comparing myself", "to the people I went to school with.", "phrase"),
)
SPANISH: tuple[tuple[str, str, str], ...] = (
    ("Dejé de ir al gimnasio después de Navidad,", "y ahora me siento peor conmigo misma.",
     "clause"),
    ("Mi hija casi no me habla estos días,", "pero sé que lo está pasando mal.", "clause"),
    ("Hoy no pude concentrarme en la reunión,",
     "porque no paraba de pensar en los análisis.", "clause"),
    ("Cenamos con sus padres el viernes,", "y nadie dijo nada de lo que pasó.", "clause"),
    ("Lo que peor llevo es", "estar sola por las noches.", "phrase"),
    ("Nunca he superado del todo", "la muerte de mi abuela.", "phrase"),
    ("Anoche no", "pude dejar de llorar en la ducha.", "phrase"),
    ("Siempre me comparo con", "la gente del colegio.", "phrase"),
)
# Complete turns spoken without a pause: only felt latency (and a cut, if any) is scored.
ENGLISH_COMPLETE: tuple[str, ...] = (
    "I finally slept through the night.",
    "Things with my partner are getting worse.",
    "I do not know why I am here today.",
    "Work was fine this week.",
)
SPANISH_COMPLETE: tuple[str, ...] = (
    "Por fin dormí toda la noche.",
    "Las cosas con mi pareja van a peor.",
    "No sé muy bien por qué estoy aquí hoy.",
    "El trabajo fue bien esta semana.",
)
# Piper joe's rate here (the tuning set has 1x, the first first-contact set 0.85x).
PIPER_RATE = 1.15


def first_contact_voices(piper_joe_fast: Voice) -> dict[str, list[Voice]]:
    """Voices and rates in neither earlier set (tuning: Piper joe 1x, espeak en-us+f3, es,
    es-419+f3 at 150 wpm; first contact 1: joe 0.85x, en-gb-x-rp+m3 and es+m3 at 130,
    es-419+f4 at 175): a fast Piper joe, espeak en-us+m4 at 140 wpm, es+f2 at 160 and
    es-419+m2 at 140."""
    return {
        "en": [piper_joe_fast, espeak_voice("en-us+m4", 140)],
        "es": [espeak_voice("es+f2", 160), espeak_voice("es-419+m2", 140)],
    }


def build(
    voices: Mapping[str, Sequence[Voice]], pauses: Sequence[float] = PAUSES_S, per_lang: int = 8
) -> list[PausedUtterance]:
    """This set: room tone unlike either earlier set's (seeds from 20 000), and each voice
    offset by one against set 1's rotation, so it gets other pauses."""
    return build_set(voices, {"en": (ENGLISH, ENGLISH_COMPLETE), "es": (SPANISH, SPANISH_COMPLETE)},
                     seed=20_000, rotation=1, pauses=pauses, per_lang=per_lang)
