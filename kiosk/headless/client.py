"""The headless kiosk: the same protocol and flow as the kiosk page, with a mic and a speaker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from kiosk.headless.audio_io import AudioIO
from kiosk.headless.console import Console, KioskView
from kiosk.headless.frames import FrameError, parse_frame
from kiosk.headless.prompts import prompt
from kiosk.headless.speech_input import spoken_digits, yes_or_no

log = logging.getLogger(__name__)
PLAYED_WAIT_S = 120.0

PROTOCOL_VERSION = 1
AUDIO_STATES = frozenset({"opening", "reflecting", "focus"})
# Half-duplex: keep the mic muted a little after playback so the room echo dies away.
ECHO_TAIL_S = 0.3
MAX_CODE_ATTEMPTS = 3


class KioskError(Exception):
    """The server refused the kiosk (bad token, protocol) or went away."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class KioskOptions:
    """How this kiosk behaves."""

    lang: str = "en"
    full_duplex: bool = False
    tts_rate: float = 1.0
    end_silence_ms: int | None = None


class HeadlessKiosk:
    """One websocket connection running client sessions one after another."""

    def __init__(self, url: str, token: str, audio: AudioIO, console: Console,
                 options: KioskOptions = KioskOptions()) -> None:
        self.url = url
        self.token = token
        self.audio = audio
        self.console = console
        self.options = options
        self.view = KioskView()
        self._events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._stopped_turns: set[int] = set()
        self.played_turns: list[int] = []  # replies reported as heard to the end
        self._reporting: set[asyncio.Task[None]] = set()
        self._muted_until = 0.0
        self.audio_frames_received = 0
        self.mic_frames_sent = 0
        self.mic_frames_muted = 0  # dropped while our own reply was playing (half-duplex)
        self._conversation = asyncio.Event()  # the mic opens when the first conversation starts

    async def run(self, sessions: int | None = 1) -> list[str]:
        """Connect, then run `sessions` sessions (None: forever); returns each end reason."""
        reasons: list[str] = []
        async with connect(self.url, max_size=2**20) as ws:
            await self._hello(ws)
            receiver = asyncio.create_task(self._receive(ws))
            mic = asyncio.create_task(self._stream_mic(ws))
            try:
                while sessions is None or len(reasons) < sessions:
                    self.view = KioskView()
                    reasons.append(await self._session(ws))
            finally:
                for task in (receiver, mic):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                        await task
        return reasons

    async def _hello(self, ws: ClientConnection) -> None:
        await self._send(ws, {
            "type": "hello", "protocol": PROTOCOL_VERSION, "token": self.token,
            "client": "kiosk-headless/0.1", "lang": self.options.lang,
            "capabilities": {"audio_in": True, "audio_out": True},
        })
        reply = json.loads(await ws.recv())
        if reply.get("type") != "welcome":
            raise KioskError(str(reply.get("message", "refused")), code=str(reply.get("code")))
        settings: dict[str, Any] = {"type": "settings", "lang": self.options.lang,
                                    "tts_rate": self.options.tts_rate}
        if self.options.end_silence_ms is not None:
            settings["end_silence_ms"] = self.options.end_silence_ms
        await self._send(ws, settings)

    @staticmethod
    async def _send(ws: ClientConnection, message: dict[str, Any]) -> None:
        await ws.send(json.dumps(message))

    async def _receive(self, ws: ClientConnection) -> None:
        async for message in ws:
            if isinstance(message, bytes):
                ended = self._on_audio(message)
                if ended is not None:
                    task = asyncio.create_task(self._report_played(ws, ended))
                    self._reporting.add(task)
                    task.add_done_callback(self._reporting.discard)
            else:
                event = json.loads(message)
                if event.get("type") == "audio_stop":
                    self._stopped_turns.add(int(event["turn"]))
                    self.audio.stop_playback()
                await self._events.put(event)
        await self._events.put({"type": "closed"})

    def _on_audio(self, data: bytes) -> int | None:
        """Play a frame; the turn number when it is the (empty) end-of-reply frame."""
        try:
            frame = parse_frame(data)
        except FrameError:
            log.warning("ignored a malformed audio frame")
            return None
        if frame.turn in self._stopped_turns:
            return None
        if frame.pcm16:
            self.audio_frames_received += 1
            self.audio.play(frame.pcm16, frame.sample_rate)
        return frame.turn if frame.end_of_reply else None

    async def _report_played(self, ws: ClientConnection, turn: int) -> None:
        """Tell the server once the reply has been heard to the end (`played`)."""
        deadline = time.monotonic() + PLAYED_WAIT_S
        while self.audio.playing and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # the audio device has no completion callback to await
        if turn in self._stopped_turns:
            return
        with contextlib.suppress(ConnectionClosed):
            await self._send(ws, {"type": "played", "turn": turn})
            self.played_turns.append(turn)

    def _mic_open(self) -> bool:
        if self.view.state not in AUDIO_STATES:
            return False
        if self.options.full_duplex:
            return True
        # Half-duplex: no echo cancellation here, so our own voice must not reach the VAD.
        now = time.monotonic()
        if self.audio.playing:
            self._muted_until = now + ECHO_TAIL_S
            return False
        return now >= self._muted_until

    async def _stream_mic(self, ws: ClientConnection) -> None:
        await self._conversation.wait()
        async for frame in self.audio.frames():
            if self._mic_open():
                await ws.send(frame)
                self.mic_frames_sent += 1
            elif self.view.state in AUDIO_STATES:
                self.mic_frames_muted += 1

    async def _next(self) -> dict[str, Any]:
        event = await self._events.get()
        kind = event.get("type")
        if kind == "closed":
            raise KioskError("the server closed the connection", code="closed")
        if kind == "error" and event.get("fatal"):
            raise KioskError(str(event.get("message")), code=str(event.get("code")))
        self._track(event)
        return event

    def _track(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        lang = self.options.lang
        if kind == "state":
            self.view.state = str(event["state"])
            if self.view.state in AUDIO_STATES:
                self._conversation.set()
        elif kind == "transcript" and event.get("text"):
            self.view.transcripts.append(str(event["text"]))
            self.console.show(f"{prompt(lang, 'you')}: {event['text']}")
        elif kind == "reply_sentence":
            self.view.replies.append(str(event["text"]))
            self.console.show(f"{prompt(lang, 'kiosk')}: {event['text']}")
        elif kind == "crisis":
            self.view.crisis = True
            self.console.show(str(event.get("message", "")))
            for resource in event.get("resources", []):
                self.console.show(f"  {resource.get('name')}: {resource.get('action')}")
        elif kind == "summary":
            self.view.summary = dict(event["summary"])
        elif kind == "ended":
            self.view.ended = str(event["reason"])

    async def _session(self, ws: ClientConnection) -> str:
        """Code, consent, conversation, review, feedback; returns the end reason."""
        lang = self.options.lang
        if not await self._join(ws):
            return "code_failed"
        commands = asyncio.create_task(self._run_commands(ws))
        try:
            while True:
                event = await self._next()
                kind = event.get("type")
                if kind == "joined":
                    self.console.show(str(event.get("consent_text", "")))
                    answer = yes_or_no(await self.console.ask("consent", prompt(lang, "consent")))
                    await self._send(ws, {"type": "consent", "accepted": bool(answer),
                                          "consent_version": event.get("consent_version", "")})
                elif kind == "summary":
                    await self._review(ws, event["summary"])
                elif kind == "state" and event.get("state") == "feedback":
                    await self._feedback(ws)
                elif kind == "ended":
                    self.audio.stop_playback()
                    return str(event.get("reason"))
        finally:
            commands.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await commands

    async def _join(self, ws: ClientConnection) -> bool:
        lang = self.options.lang
        for _ in range(MAX_CODE_ATTEMPTS):
            code = spoken_digits(await self.console.ask("code", prompt(lang, "code")))
            if len(code) < 4:
                self.console.show(prompt(lang, "code_invalid"))
                continue
            await self._send(ws, {"type": "join", "code": code})
            while True:
                event = await self._next()
                if event.get("type") == "joined":
                    await self._events.put(event)  # the session loop handles consent
                    return True
                if event.get("type") == "error" and event.get("ref") == "join":
                    self.console.show(prompt(lang, "code_invalid"))
                    break
        return False

    async def _review(self, ws: ClientConnection, summary: dict[str, Any]) -> None:
        lang = self.options.lang
        for field in ("themes", "key_phrases"):
            for item in summary.get(field, []):
                self.console.show(f"- {item}")
        if summary.get("focus"):
            self.console.show(f"- {summary['focus']}")
        answer = await self.console.ask("review", prompt(lang, "review"))
        if answer.startswith("remove "):
            field, _, index = answer.removeprefix("remove ").partition(" ")
            if index.isdigit():
                await self._send(ws, {"type": "review", "action": "remove", "field": field,
                                      "index": int(index)})
                return  # the updated summary comes back and is reviewed again
        await self._send(ws, {"type": "review", "action": "approve"})

    async def _feedback(self, ws: ClientConnection) -> None:
        answer = spoken_digits(await self.console.ask("rating", prompt(self.options.lang,
                                                                       "rating")))
        rating = int(answer[0]) if answer and answer[0] in "12345" else None
        await self._send(ws, {"type": "feedback", "rating": rating})

    async def _run_commands(self, ws: ClientConnection) -> None:
        async for line in self.console.commands(self.view):
            word = line.strip().lower()
            if word == "":
                # A key press interrupts the reply (half-duplex barge-in).
                if self.audio.playing:
                    self.audio.stop_playback()
                    await self._send(ws, {"type": "barge_in"})
            elif word in {"end", "fin", "terminar"}:
                await self._send(ws, {"type": "end"})
            elif word in {"erase", "borrar"}:
                await self._send(ws, {"type": "erase"})
            elif self.view.state in AUDIO_STATES | {"crisis"}:
                await self._send(ws, {"type": "text", "text": line.strip()[:2000]})
