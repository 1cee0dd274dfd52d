"""A kiosk session's limits (from settings) and the client's accessibility choices."""

from __future__ import annotations

from dataclasses import dataclass

from voice.endpointer import EndpointerConfig


@dataclass
class KioskPrefs:
    """The client's accessibility choices."""

    lang: str = "auto"
    tts_rate: float = 1.0
    end_silence_ms: int = 700
    audio_out: bool = True


@dataclass(frozen=True)
class KioskPolicy:
    """Session limits from settings."""

    max_turns: int
    session_minutes: float
    live_transcript: bool
    endpointer: EndpointerConfig
    inactivity_s: float = 180.0
    resume_window_s: float = 120.0
