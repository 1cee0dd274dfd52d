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

from benchmarks.turn_corpus import PAUSES_S, PausedUtterance, Voice, espeak_voice, paused
from benchmarks.turn_corpus import with_conjunction_variants as _variants
from benchmarks.turn_corpus_first_contact import complete_turn

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
    """Every paused sentence x pause length, then every complete turn in every voice."""
    out: list[PausedUtterance] = []
    seed = 20_000  # room tone unlike either earlier set's
    for lang, sentences, complete in (("en", ENGLISH, ENGLISH_COMPLETE),
                                      ("es", SPANISH, SPANISH_COMPLETE)):
        clause = [s for s in sentences if s[2] == "clause"][: (per_lang + 1) // 2]
        chosen = _variants(clause + [s for s in sentences if s[2] == "phrase"][: per_lang // 2])
        choices = voices[lang]
        for index, (before, after, where) in enumerate(chosen):
            for pause_index, pause_s in enumerate(pauses):
                seed += 1
                # Offset by one against set 1's rotation, so each voice gets other pauses.
                voice = choices[(index + pause_index + 1) % len(choices)]
                out.append(paused(voice, before, after, where, lang, pause_s, seed))
        for text in complete[: max(1, per_lang // 2)]:
            for voice in choices:
                seed += 1
                out.append(complete_turn(voice, text, lang, seed))
    return out
