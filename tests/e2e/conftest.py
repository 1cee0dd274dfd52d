"""One real `reflect serve` (temp data dir, SQLite, real models, scripted responder, accounts
made over REST) shared by the server's end-to-end tests, plus websocket client helpers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import httpx
import numpy as np
import pytest
import websockets

from server.protocol import AudioFrameHeader, unpack_audio_frame

# Re-exported: the test modules import the launcher and its password from here.
from tests.e2e.server_process import PASSWORD as PASSWORD
from tests.e2e.server_process import LiveServer as LiveServer
from voice.audio import float_to_pcm16

ADMIN_PASSWORD = "amber lantern orchard 17"
USERS = {"dr_ana": "therapist", "dr_ben": "therapist", "desk_fay": "front_desk"}


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for all of the server's e2e tests (start-up loads the real models)."""
    server = LiveServer.in_dir(tmp_path_factory.mktemp("reflect-server"), {
        "REFLECT_RESPONDER__KIND": "scripted",
        "REFLECT_REFLECTION__LIVE_TRANSCRIPT": "true",
        "REFLECT_LOG_LEVEL": "INFO",
        # Every test signs in from 127.0.0.1 and many fail on purpose: the per-address delay
        # would make later tests wait on earlier ones. It is tested on servers of its own
        # (test_doors, test_two_servers); the per-account delay stays as configured.
        "REFLECT_SECURITY__LOGIN_ADDRESS_FREE_FAILURES": "1000",
        # Likewise wrong kiosk tokens and enrolment codes (the REST fuzzer sends many): tested
        # in test_doors, where no later test depends on the loopback address.
        "REFLECT_SECURITY__ADDRESS_AUTH_FAILURES_PER_MINUTE": "1000",
    })
    server.start()
    try:
        bootstrap = server.bootstrap_password()
        assert bootstrap not in server.log(), "the bootstrap password reached the log"
        with closing(server.client("admin", bootstrap)) as admin:
            # The bootstrap password is one-time: nothing else is allowed until it is changed.
            changed = admin.post(
                "/api/me/password",
                json={"current_password": bootstrap, "new_password": ADMIN_PASSWORD},
            )
            changed.raise_for_status()
            server.admin_password = ADMIN_PASSWORD
            for name, role in USERS.items():
                created = admin.post(
                    "/api/users", json={"username": name, "password": PASSWORD, "role": role}
                )
                created.raise_for_status()
                server.ids[name] = created.json()["id"]
            enrolled = admin.post("/api/kiosks", json={"name": "Waiting room 1"})
            enrolled.raise_for_status()
            server.kiosk_token = enrolled.json()["token"]
        yield server
    finally:
        server.stop()


Message = dict[str, Any] | tuple[AudioFrameHeader, bytes]


class KioskClient:
    """A protocol-1 kiosk over a real websocket; records everything it receives."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.received: list[Message] = []

    @classmethod
    async def connect(
        cls, server: LiveServer, token: str | None = None, *, resume_token: str | None = None
    ) -> KioskClient:
        ws = await websockets.connect(f"{server.ws_url}/ws/kiosk", max_size=2**22)
        client = cls(ws)
        hello: dict[str, Any] = {"type": "hello", "protocol": 1,
                                 "token": token or server.kiosk_token}
        if resume_token is not None:
            hello["resume_token"] = resume_token
        await client.send(hello)
        welcome = await client.next_event()
        assert welcome["type"] == "welcome", welcome
        return client

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def receive(self, wait_s: float = 60) -> Message:
        raw = await asyncio.wait_for(self.ws.recv(), wait_s)
        item: Message = unpack_audio_frame(raw) if isinstance(raw, bytes) else json.loads(raw)
        self.received.append(item)
        return item

    async def next_event(self, wait_s: float = 60) -> dict[str, Any]:
        while True:
            item = await self.receive(wait_s)
            if isinstance(item, dict):
                return item

    async def until(
        self, predicate: Callable[[dict[str, Any]], bool], wait_s: float = 90
    ) -> list[Message]:
        """Everything received up to and including the first event matching `predicate`."""
        start = len(self.received)
        deadline = time.monotonic() + wait_s
        while True:
            item = await self.receive(max(0.1, deadline - time.monotonic()))
            if isinstance(item, dict) and predicate(item):
                return self.received[start:]

    async def join(self, code: str) -> dict[str, Any]:
        """Join, wait for the consent text to be spoken, consent, wait for the opening."""
        await self.send({"type": "join", "code": code})
        joined = await self.next_event()
        assert joined["type"] == "joined", joined
        await self.until(lambda e: e["type"] == "reply_done")
        await self.send(
            {"type": "consent", "accepted": True, "consent_version": joined["consent_version"]}
        )
        opening = await self.until(lambda e: e["type"] == "reply_done")
        done = opening[-1]
        assert isinstance(done, dict)
        await self.send({"type": "played", "turn": done["turn"]})
        return joined

    async def speak(self, samples: np.ndarray, *, speedup: float = 4.0) -> None:
        """Stream float audio as 1024-byte PCM16 frames, `speedup` times faster than real time."""
        pcm = float_to_pcm16(samples)
        step = 1024
        for offset in range(0, len(pcm), step):
            await self.ws.send(pcm[offset : offset + step])
            await asyncio.sleep(step / 2 / 16000 / speedup)

    async def close(self) -> None:
        await self.ws.close()


class TherapistClient:
    """A dashboard stream over a real websocket, authenticated by the session cookie."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws

    @classmethod
    async def connect(
        cls, server: LiveServer, http: httpx.Client, last_seq: int | None = None
    ) -> tuple[TherapistClient, dict[str, Any], list[dict[str, Any]]]:
        """Connect, say hello; returns the client, the welcome and the replayed events."""
        cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
        ws = await websockets.connect(
            f"{server.ws_url}/ws/therapist", additional_headers={"Cookie": cookie}
        )
        client = cls(ws)
        # Refused before hello (e.g. no sign-in: error + close 4401) makes the send fail; the
        # server's error frame, sent before its close frame, is still buffered for next().
        with contextlib.suppress(websockets.ConnectionClosed):
            await ws.send(json.dumps({"type": "hello", "protocol": 1, "last_seq": last_seq}))
        welcome = await client.next()
        replayed: list[dict[str, Any]] = []
        if welcome["type"] == "welcome":
            while (message := await client.next())["type"] != "replay_done":
                replayed.append(message)
        elif welcome["type"] == "error" and welcome.get("fatal"):
            # A fatal error is followed by the close: wait for it so close_code is known.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(ws.wait_closed(), 10)
        return client, welcome, replayed

    @property
    def close_code(self) -> int | None:
        """The websocket close code once the server closed the socket (e.g. 4401)."""
        code: int | None = self.ws.close_code
        return code

    async def next(self, wait_s: float = 60) -> dict[str, Any]:
        """The next message; a closed socket is `{"type": "closed", "close_code", "reason"}`."""
        try:
            raw = await asyncio.wait_for(self.ws.recv(), wait_s)
        except websockets.ConnectionClosed as closed:
            received = closed.rcvd
            return {
                "type": "closed",
                "close_code": received.code if received else None,
                "reason": received.reason if received else "",
            }
        message: dict[str, Any] = json.loads(raw)
        return message

    async def until_event(
        self, kind: str, wait_s: float = 60, session_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Events up to and including the first of `kind` (of `session_id`, when given).

        The e2e server is shared: a therapist's stream also carries other tests' sessions
        (an earlier test's stored alert copy can arrive late), so a test names its session.
        """
        seen: list[dict[str, Any]] = []
        deadline = time.monotonic() + wait_s
        while True:
            message = await self.next(max(0.1, deadline - time.monotonic()))
            seen.append(message)
            if message["type"] == "closed":
                raise AssertionError(f"the stream closed while waiting for {kind}: {message}")
            if message.get("event") == kind and session_id in (None, message.get("session_id")):
                return seen

    async def close(self) -> None:
        await self.ws.close()
