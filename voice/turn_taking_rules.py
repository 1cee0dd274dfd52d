"""The end-of-turn decision table: silence, the words' completeness and the voice's cues."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from voice.turn_words import Completeness

# The patience setting (`end_silence_ms`) the default policy is tuned for.
DEFAULT_PATIENCE_MS = 700


class EndCause(StrEnum):
    """Why the decider ended a turn (for diagnostics and the benchmark, never the client)."""

    COMPLETE = "complete"  # finished words, and the voice sounded finished
    DOUBT = "doubt"  # words that may lead on (or none yet), after a longer silence
    LATE = "late"  # finished words though the voice sounded unfinished: the patience silence
    HOLD = "hold"  # finished words in a voice that leads on (its pitch has not fallen)
    MAX_WAIT = "max_wait"  # nothing said after the longest wait
    URGENT = "urgent"  # the words so far screen as risk: answer now, whatever follows


@dataclass(frozen=True)
class TurnPolicy:
    """Silences (ms) and Smart Turn probabilities that end a turn."""

    # Nothing ends a turn sooner; this is also when the pause is first offered for a guess.
    min_silence_ms: int = 200
    # Whatever was said, the turn ends after this much silence.
    max_wait_ms: int = 2500
    # Smart Turn at or above this: the voice sounds finished.
    end_probability: float = 0.5
    # Words that may lead on ("to", "is"), or none yet (speculation skipped under load), need
    # this much silence and a finished voice. A transcript is waited for, never guessed at:
    # the reply cannot start before it anyway.
    doubt_ms: int = 1200
    # Finished words in a voice that sounds unfinished wait a little longer, but less than the
    # old fixed silence: Smart Turn is unsure on synthetic and flat voices (in the turns
    # benchmark it called most espeak sentences unfinished), and a finished sentence that falls
    # must not be answered later than before (words screening as a crisis end it at once).
    late_ms: int = 450
    # Finished words whose voice has not fallen to the bottom of its range (a comma's level or
    # rising pitch: "I went to see my mother on Sunday, | and..."), and words that may lead
    # on in such a voice, wait this long whatever Smart Turn says (it called most such comma
    # pauses finished in the turns benchmark).
    hold_ms: int = 1700
    # An end at or below this many semitones under the utterance's median pitch has fallen,
    # as a statement does ("final lowering"). Tuning set, 2026-12-02: the espeak voices' ends
    # of turn at -3.8 to -6.6 st (two misheard ones higher), their comma and mid-phrase
    # pauses at -2.9 to +1.0; Piper joe falls at its commas too (down to -6.3) and ends its
    # turns at -2.9 to -7.6. One line for every voice: some voices' ends stay above it.
    fallen_pitch: float = -3.0
    # An end a little higher, down to this, still counts as fallen while its pitch is falling
    # at least `steep_fall` semitones per second: the fall is under way when the voice stops
    # (a fast or compressed voice: the first first-contact set's es-419+f4 at 175 wpm ended
    # its turns at -2.8 to -3.0 st, falling). On the tuning set and that set it changed no
    # pause inside a sentence and halved the turn ends held (14 -> 7 of 92 there).
    falling_pitch: float = -2.5
    steep_fall: float = -8.0

    def pitch_cue(self, level: float | None, slope: float | None) -> float | None:
        """The end's pitch level as the table reads it: `level`, or the fallen line when a
        steep fall is still under way just above it."""
        if level is None or level <= self.fallen_pitch:
            return level
        if level <= self.falling_pitch and slope is not None and slope <= self.steep_fall:
            return self.fallen_pitch
        return level

    def for_patience(self, patience_ms: int) -> TurnPolicy:
        """Scale every wait by the client's patience (700 ms = as tuned; 1400 = twice as long)."""
        scale = max(patience_ms, 100) / DEFAULT_PATIENCE_MS
        low = self.min_silence_ms  # never below it: the pause's audio must carry its tail

        def ms(value: int, floor: int) -> int:
            return max(floor, round(value * scale))

        return replace(
            self,
            min_silence_ms=ms(self.min_silence_ms, low),
            doubt_ms=ms(self.doubt_ms, low),
            late_ms=ms(self.late_ms, low),
            hold_ms=ms(self.hold_ms, low),
            max_wait_ms=min(8000, ms(self.max_wait_ms, 1500)),
        )



def rule(
    policy: TurnPolicy, silence_ms: float, kind: Completeness | None, voice: float | None,
    level: float | None = None,
) -> EndCause | None:
    """The decision table (a missing score or transcript is still coming: wait for it).
    `voice` is Smart Turn's probability, `level` the end's pitch against the utterance's
    middle (semitones; None = unknown, and Smart Turn alone speaks for the voice)."""
    if kind in (Completeness.FILLER, Completeness.UNFINISHED):
        return None  # "I have been feeling", "porque", "um": only the maximum wait ends it
    if voice is None:
        return None  # the score takes tens of milliseconds; it is worth them
    finished = voice >= policy.end_probability
    fallen = level is None or level <= policy.fallen_pitch
    if kind is Completeness.COMPLETE:
        if not fallen:
            return EndCause.HOLD if silence_ms >= policy.hold_ms else None
        if finished:
            return EndCause.COMPLETE
        return EndCause.LATE if silence_ms >= policy.late_ms else None
    # Maybe-unfinished words, an empty or a missing transcript: a finished voice and a longer
    # silence, longer still when the pitch has not fallen.
    wait = policy.doubt_ms if fallen else max(policy.doubt_ms, policy.hold_ms)
    if finished and silence_ms >= wait:
        return EndCause.DOUBT
    return None
