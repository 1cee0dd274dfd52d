"""Audio in and out behind one interface: WAV files for tests, sounddevice for a real kiosk."""

from __future__ import annotations

import asyncio
import time
import wave
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

import numpy as np

MIC_RATE = 16000
FRAME_SAMPLES = 512  # 32 ms, the server VAD's frame size
FRAME_BYTES = FRAME_SAMPLES * 2


class AudioIO(Protocol):
    """Microphone frames in (16 kHz PCM16 mono), reply audio out."""

    def frames(self) -> AsyncIterator[bytes]:
        """Endless 512-sample PCM16 frames, paced like a real microphone."""
        ...

    def play(self, pcm16: bytes, sample_rate: int) -> None:
        """Queue reply audio right after whatever is already queued."""
        ...

    def stop_playback(self) -> None:
        """Barge-in: drop everything queued."""
        ...

    @property
    def playing(self) -> bool:
        """Whether reply audio is still coming out of the speaker."""
        ...

    def close(self) -> None:
        """Release devices and flush any recording."""
        ...


def read_pcm16_wav(path: Path) -> tuple[bytes, int]:
    """Mono PCM16 samples and rate from a WAV file (the test fixtures write this format)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
            raise ValueError("expected a mono 16-bit WAV file")
        return wav.readframes(wav.getnframes()), wav.getframerate()


def resample_pcm16(pcm16: bytes, src_rate: int, dst_rate: int) -> bytes:
    """Linear-interpolation resampling; enough for recording what the kiosk played."""
    if src_rate == dst_rate or not pcm16:
        return pcm16
    samples = np.frombuffer(pcm16, dtype="<i2").astype(np.float32)
    count = int(len(samples) * dst_rate / src_rate)
    positions = np.arange(count) * (src_rate / dst_rate)
    out = np.interp(positions, np.arange(len(samples)), samples)
    converted: bytes = np.clip(np.round(out), -32768, 32767).astype("<i2").tobytes()
    return converted


# How long the person in a mic WAV file waits after the kiosk stops speaking (longer than the
# headless kiosk's half-duplex echo tail, so none of their words fall into it).
WAIT_AFTER_REPLY_S = 0.6


class WavFileIO:
    """Plays a WAV file as the microphone (then silence); records reply audio to a WAV file."""

    def __init__(self, mic_wav: Path, speaker_wav: Path | None = None, *, speed: float = 1.0):
        pcm, rate = read_pcm16_wav(mic_wav)
        self._mic = resample_pcm16(pcm, rate, MIC_RATE)
        self._speaker_wav = speaker_wav
        self._speed = speed
        self._recorded: list[bytes] = []
        self._record_rate = 0
        self._play_until = 0.0
        self.stopped_count = 0

    async def frames(self) -> AsyncIterator[bytes]:
        """The file's frames in real time (or `speed` times faster), then silence forever.

        The file is a person who waits for the kiosk: while a reply plays (and a moment after)
        it gives silence and holds its place, so a slow reply never swallows their next words.
        """
        step = FRAME_SAMPLES / MIC_RATE / self._speed
        start = time.monotonic()
        offset = 0
        sent = 0
        while True:
            if time.monotonic() < self._play_until + WAIT_AFTER_REPLY_S:
                yield bytes(FRAME_BYTES)
            else:
                chunk = self._mic[offset : offset + FRAME_BYTES]
                offset += FRAME_BYTES
                yield chunk + bytes(FRAME_BYTES - len(chunk))
            sent += 1
            await asyncio.sleep(max(0.0, start + sent * step - time.monotonic()))

    def play(self, pcm16: bytes, sample_rate: int) -> None:
        """Record the audio and pretend to play it for its real duration."""
        if not self._record_rate:
            self._record_rate = sample_rate
        self._recorded.append(resample_pcm16(pcm16, sample_rate, self._record_rate))
        now = time.monotonic()
        self._play_until = max(now, self._play_until) + len(pcm16) / 2 / sample_rate

    def stop_playback(self) -> None:
        """Cut the pretend playback short."""
        self._play_until = time.monotonic()
        self.stopped_count += 1

    @property
    def playing(self) -> bool:
        """True until the queued audio would have finished."""
        return time.monotonic() < self._play_until

    @property
    def recorded_seconds(self) -> float:
        """How much reply audio was received."""
        if not self._record_rate:
            return 0.0
        return sum(len(chunk) for chunk in self._recorded) / 2 / self._record_rate

    def close(self) -> None:
        """Write everything received to the speaker WAV, if one was asked for."""
        if self._speaker_wav is None or not self._record_rate:
            return
        with wave.open(str(self._speaker_wav), "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(self._record_rate)
            wav.writeframes(b"".join(self._recorded))
