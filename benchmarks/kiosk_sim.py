"""A simulated kiosk on `/ws/kiosk`: streams speech in real time and timestamps what comes back."""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray
from websockets.asyncio.client import ClientConnection, connect

from benchmarks.corpus import RATE, noise_floor

FRAME_SAMPLES = 512  # what the browser kiosk sends: 32 ms per frame
FRAME_S = FRAME_SAMPLES / RATE
HEADER = struct.Struct("<2sBBIHHI")  # docs/protocol.md, "Server -> client audio"
END_OF_REPLY = 0b10


@dataclass(frozen=True)
class AudioHeader:
    """The 16-byte header of a reply audio frame."""

    turn: int
    index: int
    seq: int
    end_of_reply: bool
    payload_bytes: int


def parse_audio_frame(frame: bytes) -> AudioHeader | None:
    """The header of a server audio frame, or None when it is not one."""
    if len(frame) < HEADER.size:
        return None
    magic, version, flags, turn, index, seq, _rate = HEADER.unpack_from(frame)
    if magic != b"RK" or version != 1:
        return None
    return AudioHeader(turn, index, seq, bool(flags & END_OF_REPLY), len(frame) - HEADER.size)


def pcm16(audio: NDArray[np.float32]) -> bytes:
    """Float samples as PCM16 LE bytes."""
    return (np.clip(audio, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


@dataclass
class TurnTimes:
    """Monotonic receive times (seconds) of one turn's events."""

    speech_ended: float | None = None
    transcript: float | None = None
    transcript_text: str | None = None
    first_sentence: float | None = None
    first_audio: float | None = None
    last_audio: float | None = None
    reply_done: float | None = None
    crisis: float | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Said:
    """One utterance as the kiosk experienced it."""

    speech_end: float
    turn: int | None
    times: TurnTimes | None
    error: str | None = None
    splits: int = 0

    def ms(self, start: str, end: str) -> float | None:
        """Milliseconds between two marks ("speech_end" or a TurnTimes field), if both exist."""
        if self.times is None:
            return None
        a = self.speech_end if start == "speech_end" else getattr(self.times, start)
        b = getattr(self.times, end)
        return None if a is None or b is None else (b - a) * 1000.0


class SimKiosk:
    """One kiosk connection: hello, join, consent, then real-time audio for every utterance."""

    def __init__(self, ws_url: str, token: str, local_host: str, seed: int) -> None:
        self.ws_url = ws_url
        self.token = token
        self.local_host = local_host
        self.seed = seed
        self.errors: Counter[str] = Counter()
        self.turns: dict[int, TurnTimes] = {}
        self.end_silence_ms = 0
        self._ws: ClientConnection | None = None
        self._ended: asyncio.Queue[tuple[int, float]] = asyncio.Queue()
        self._waiters: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._audio = np.zeros(0, dtype=np.float32)
        self._marker: asyncio.Future[float] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # ----- connection -------------------------------------------------------------------

    async def open(self, code: str, *, lead_s: float = 1.5) -> None:
        """Connect (from `local_host` on loopback), join with `code`, consent, start audio."""
        # A distinct loopback source address per kiosk, as separate machines would have:
        # the server limits joins per IP address.
        self._ws = await connect(
            f"{self.ws_url}/ws/kiosk", local_addr=(self.local_host, 0), max_size=2**20,
            open_timeout=30,
        )
        self._tasks.append(asyncio.create_task(self._receive()))
        welcome = self._expect("welcome")
        await self._send({"type": "hello", "protocol": 1, "token": self.token,
                          "client": "reflect-bench/1", "lang": "en"})
        await asyncio.wait_for(welcome, 30)
        settings = self._expect("settings")
        await self._send({"type": "settings", "lang": "en"})
        self.end_silence_ms = int((await asyncio.wait_for(settings, 30))["end_silence_ms"])
        joined = self._expect("joined")
        await self._send({"type": "join", "code": code})
        version = (await asyncio.wait_for(joined, 30))["consent_version"]
        opening_done = self._expect("reply_done")
        await self._send({"type": "consent", "accepted": True, "consent_version": version})
        # The consent prompt is turn 1 (its reply_done may come first); the opening is turn 2.
        done = await asyncio.wait_for(opening_done, 60)
        while done.get("cancelled") or int(done["turn"]) < 2:
            opening_done = self._expect("reply_done")
            done = await asyncio.wait_for(opening_done, 60)
        await self._send({"type": "played", "turn": done["turn"]})
        self._tasks.append(asyncio.create_task(self._stream()))
        # Room tone first, so the endpointer learns the background level.
        await asyncio.sleep(lead_s)

    async def close(self) -> None:
        """Stop the audio, erase the session (nothing benchmarked is kept) and disconnect."""
        for task in self._tasks[1:]:  # the audio sender first: no frames after the session
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        if self._tasks:
            ended = self._expect("ended")
            with contextlib.suppress(Exception):
                await self._send({"type": "erase"})
                await asyncio.wait_for(ended, 10)
            self._tasks[0].cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._tasks[0]
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    async def _send(self, message: dict[str, Any]) -> None:
        assert self._ws is not None
        await self._ws.send(json.dumps(message))

    def _expect(self, kind: str) -> asyncio.Future[dict[str, Any]]:
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._waiters[kind] = future
        return future

    # ----- speaking ---------------------------------------------------------------------

    async def say(self, audio: NDArray[np.float32], *, timeout_s: float = 60.0) -> Said:
        """Stream one utterance in real time (then room tone) and wait for the whole reply."""
        marker: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._marker = marker
        self._audio = audio
        try:
            # The sender stops if the server closed the socket: never wait for it forever.
            speech_end = await asyncio.wait_for(marker, len(audio) / RATE + 10.0)
        except TimeoutError:
            self.errors["not_sent"] += 1
            return Said(time.monotonic(), None, None, error="not_sent")
        splits = 0
        deadline = speech_end + self.end_silence_ms / 1000.0 + timeout_s
        try:
            while True:
                turn, at = await asyncio.wait_for(self._ended.get(), deadline - time.monotonic())
                if at >= speech_end - 0.05:
                    break
                splits += 1  # the endpointer cut the utterance in the middle
            times = self.turns.setdefault(turn, TurnTimes())
            await asyncio.wait_for(times.done.wait(), deadline - time.monotonic())
        except TimeoutError:
            self.errors["no_reply"] += 1
            return Said(speech_end, None, None, error="no_reply", splits=splits)
        if times.reply_done is not None:
            await self._send({"type": "played", "turn": turn})
        return Said(speech_end, turn, times, splits=splits)

    async def _stream(self) -> None:
        """Send one 32 ms frame every 32 ms: room tone, plus the current utterance if any."""
        assert self._ws is not None
        tone = noise_floor(30.0, self.seed)
        tone_at = 0
        next_at = time.monotonic()
        while True:
            frame = tone[tone_at:tone_at + FRAME_SAMPLES].copy()
            tone_at = (tone_at + FRAME_SAMPLES) % (len(tone) - FRAME_SAMPLES)
            after_end = -1  # samples of this frame after the end of speech (-1: not this frame)
            if self._audio.size:
                chunk, self._audio = self._audio[:FRAME_SAMPLES], self._audio[FRAME_SAMPLES:]
                frame[: len(chunk)] += chunk
                if not self._audio.size:
                    after_end = FRAME_SAMPLES - len(chunk)
            await self._ws.send(pcm16(frame))
            # The frame holds the 32 ms captured just before it is sent.
            sent = time.monotonic()
            if after_end >= 0 and self._marker is not None and not self._marker.done():
                self._marker.set_result(sent - after_end / RATE)
            next_at += FRAME_S
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))

    # ----- receiving --------------------------------------------------------------------

    async def _receive(self) -> None:
        assert self._ws is not None
        async for message in self._ws:
            at = time.monotonic()
            if isinstance(message, bytes):
                self._audio_frame(message, at)
            else:
                self._event(json.loads(message), at)

    def _audio_frame(self, frame: bytes, at: float) -> None:
        header = parse_audio_frame(frame)
        if header is None:
            self.errors["bad_audio_frame"] += 1
            return
        times = self.turns.setdefault(header.turn, TurnTimes())
        if header.payload_bytes and times.first_audio is None:
            times.first_audio = at
        if header.end_of_reply:
            times.last_audio = at

    def _event(self, event: dict[str, Any], at: float) -> None:
        kind = str(event.get("type"))
        waiter = self._waiters.pop(kind, None)
        if waiter is not None and not waiter.done():
            waiter.set_result(event)
        turn = event.get("turn")
        times = self.turns.setdefault(int(turn), TurnTimes()) if isinstance(turn, int) else None
        if kind == "error":
            self.errors[str(event.get("code"))] += 1
        elif times is None:
            return
        elif kind == "speech_ended":
            times.speech_ended = at
            self._ended.put_nowait((int(event["turn"]), at))
        elif kind == "transcript":
            times.transcript, times.transcript_text = at, str(event.get("text", ""))
            if not times.transcript_text:
                self.errors["empty_transcript"] += 1
                times.done.set()
        elif kind == "reply_sentence" and times.first_sentence is None:
            times.first_sentence = at
        elif kind == "crisis":
            times.crisis = at
        elif kind == "reply_done":
            times.reply_done = at
            times.done.set()
