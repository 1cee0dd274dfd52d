"""The fixed benchmark corpus: client utterances spoken by espeak-ng at run time (never stored)."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from voice.audio import read_wav

RATE = 16000
ESPEAK_WPM = 140
# Digital silence is unlike any room; a faint seeded noise floor keeps the VAD honest.
NOISE_FLOOR_DBFS = -65.0
MIN_SECONDS, MAX_SECONDS = 2.0, 15.0

#: What clients say in the waiting room: short, medium and long turns (none is a risk cue).
UTTERANCES: tuple[str, ...] = (
    "I feel tired all the time lately.",
    "Work has been really stressful this week.",
    "I miss my brother a lot, more than I expected to.",
    "My sister called me yesterday and we talked for an hour about our mother.",
    "I keep thinking about what my boss said to me in the meeting on Monday.",
    "I want to sleep better and worry less about money, but I do not know where to start.",
    "Since the move I have not really made any friends, and the evenings feel long and quiet.",
    "My partner and I argue about small things, like the dishes or who picks up the kids.",
    "I started running again last month and it helps a little with my mood.",
    "I am nervous about today because I have never talked to anyone like this before.",
    "My dad is sick and I have been driving to the hospital every day after work.",
    "I think I drink more coffee than I should, and then I cannot fall asleep at night.",
    "I have been feeling overwhelmed at work because my manager keeps adding projects, and I "
    "do not feel like I can say no without looking lazy or ungrateful.",
    "When I get home I just sit on the couch and scroll on my phone for hours, and then I feel "
    "guilty that I did not do anything useful with my evening.",
    "My daughter is starting high school next month, and I worry that she will have a hard "
    "time like I did, even though she seems excited about it.",
    "I used to love painting, but I have not picked up a brush in almost two years, and I am "
    "not sure why I stopped or how to start again.",
    "Money has been tight since my hours were cut, and I keep going over the budget at night "
    "instead of sleeping, which makes the next day even harder.",
    "I had a good weekend with my friends at the lake, and it reminded me what relaxing feels "
    "like.",
    "I would like to be more patient with my kids when I am tired.",
    "I am proud that I finally asked for help with the paperwork.",
    "The holidays are coming and I am already dreading the family dinner.",
    "My mother keeps calling to ask when I will visit, and I feel torn between her and my own "
    "family, because every time I go there we end up fighting about the same old things and I "
    "come home more exhausted than before.",
)

#: Crisis disclosures (level 2-3) for the therapist alert delay.
CRISIS_UTTERANCES: tuple[str, ...] = (
    "I have a plan to kill myself tonight with the pills I have been saving.",
    "I want to end my life and I have the rope ready at home.",
    "I have been thinking about killing myself and I bought a gun last week.",
    "I am going to kill myself this weekend, I already wrote the notes.",
)

#: espeak-ng voices rotated over the corpus (two speakers, so nothing is tuned to one voice).
VOICES: tuple[str, ...] = ("en-us", "en-us+f3")


@dataclass(frozen=True, eq=False)
class SpokenUtterance:
    """One utterance as audio: 16 kHz mono float32, trimmed to the speech itself."""

    text: str
    audio: NDArray[np.float32]

    @property
    def duration_s(self) -> float:
        """Length of the speech."""
        return len(self.audio) / RATE


def estimated_seconds(text: str) -> float:
    """Rough spoken length of `text` (for checking the corpus without synthesizing it)."""
    # espeak-ng at -s 140 speaks this corpus at about 175 words a minute (measured).
    return len(text.split()) * 60.0 / 175.0


def pick(texts: Sequence[str], count: int) -> list[str]:
    """`count` texts spread evenly over the corpus (short, medium and long alike)."""
    if count <= 0:
        return []
    if count >= len(texts):
        return list(texts)
    step = len(texts) / count
    return [texts[int(i * step)] for i in range(count)]


def speech_bounds(audio: NDArray[np.float32], threshold: float = 1e-3) -> tuple[int, int]:
    """First and one-past-last sample louder than `threshold` ((0, 0) when all quiet)."""
    loud: NDArray[np.intp] = np.flatnonzero(np.abs(audio) > threshold)
    if loud.size == 0:
        return 0, 0
    return int(loud[0]), int(loud[-1]) + 1


def noise_floor(seconds: float, seed: int, dbfs: float = NOISE_FLOOR_DBFS) -> NDArray[np.float32]:
    """Seeded white noise at `dbfs` RMS."""
    rng = np.random.default_rng(seed)
    amplitude = 10.0 ** (dbfs / 20.0)
    return rng.standard_normal(round(seconds * RATE), dtype=np.float32) * np.float32(amplitude)


def espeak_available() -> bool:
    """Whether the espeak-ng binary is installed."""
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str = "en-us", words_per_minute: int = ESPEAK_WPM) -> SpokenUtterance:
    """Synthesize one utterance with espeak-ng (text on stdin, WAV on stdout; no temp files)."""
    done = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", str(words_per_minute), "--stdout", "--stdin"],
        input=text.encode("utf-8"), capture_output=True, check=True, timeout=60,
    )
    audio = read_wav(done.stdout, target_rate=RATE)
    start, end = speech_bounds(audio)
    return SpokenUtterance(text, np.ascontiguousarray(audio[start:end] * np.float32(0.8)))


def build(texts: Sequence[str]) -> list[SpokenUtterance]:
    """Speak each text, rotating the voices."""
    return [speak(text, VOICES[i % len(VOICES)]) for i, text in enumerate(texts)]
