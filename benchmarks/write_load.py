"""The turn-path write queue under load: busy typed kiosks, then a crisis on another kiosk.

Busy kiosks type a turn the moment the last one was heard, cutting off its reply (as the e2e
suite's busy kiosks end up doing): every turn is stored and shown to the therapist, far faster
than a person types. A worst case for storage, not a clinic's load.
Meanwhile one more kiosk types a crisis. Reported: turns answered, the queue's backlog, how
long it takes to drain once the kiosks stop, the per-write time from /metrics, and how long
the therapist waits for the live alert and for its stored copy (what a reconnecting dashboard
replays). Numbers are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from benchmarks import server_proc
from benchmarks.runner import machine
from server.config import Settings

BUSY_TEXT = "Work has been a lot, and I am tired."
CRISIS_TEXT = "I want to kill myself tonight. I have the pills ready."
Progress = Callable[[str], None]


class _Listening:
    """A websocket whose JSON messages a reader task hands to `_on_event` until closed."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self._reader = asyncio.create_task(self._read())

    def _on_event(self, event: dict[str, Any]) -> None:
        raise NotImplementedError

    async def _read(self) -> None:
        with contextlib.suppress(Exception):
            async for message in self.ws:
                if isinstance(message, str):
                    self._on_event(json.loads(message))

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        with contextlib.suppress(Exception):
            await self.ws.close()


class TypedKiosk(_Listening):
    """A kiosk that joins, consents and types; every JSON event lands in `events`."""

    def __init__(self, ws: ClientConnection) -> None:
        self.events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        super().__init__(ws)

    @classmethod
    async def open(cls, server: server_proc.BenchServer, token: str, local_host: str
                   ) -> TypedKiosk:
        # A loopback address of its own, as a separate machine has (joins are limited per IP).
        ws = await connect(f"{server.ws_url}/ws/kiosk", local_addr=(local_host, 0),
                           max_size=2**22, open_timeout=30)
        kiosk = cls(ws)
        await kiosk.send({"type": "hello", "protocol": 1, "token": token, "lang": "en"})
        await kiosk.until("welcome")
        await kiosk.send({"type": "join", "code": server.new_code()})
        joined = await kiosk.until("joined")
        await kiosk.send({"type": "consent", "accepted": True,
                          "consent_version": joined["consent_version"]})
        await kiosk.until("reply_done", lambda e: int(e.get("turn", 0)) >= 2)
        return kiosk

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(json.dumps(message))

    async def until(self, kind: str, also: Callable[[dict[str, Any]], bool] = lambda e: True,
                    wait_s: float = 120) -> dict[str, Any]:
        """The first event of `kind` (and matching `also`); earlier events are dropped."""
        async with asyncio.timeout(wait_s):
            while True:
                event = await self.events.get()
                if event.get("type") == kind and also(event):
                    return event

    def _on_event(self, event: dict[str, Any]) -> None:
        self.events.put_nowait(event)


class AlertWatch(_Listening):
    """The therapist's live stream: when the live alert and its stored copy arrive."""

    def __init__(self, ws: ClientConnection) -> None:
        self.live: float | None = None
        self.stored: float | None = None
        self.stored_seen = asyncio.Event()
        super().__init__(ws)

    @classmethod
    async def open(cls, server: server_proc.BenchServer) -> AlertWatch:
        ws = await connect(f"{server.ws_url}/ws/therapist", open_timeout=30, max_size=2**22,
                           additional_headers={"Cookie": f"reflect_session="
                                               f"{server.session_cookie()}",
                                               "Origin": server.url})
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "last_seq": None}))
        async for message in ws:
            if json.loads(message).get("type") == "replay_done":
                break
        return cls(ws)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("event") != "risk_alert":
            return
        at = time.monotonic()
        if (event.get("data") or {}).get("saved"):
            self.stored = self.stored or at
            self.stored_seen.set()
        else:
            self.live = self.live or at


async def _keep_busy(kiosk: TypedKiosk, stop: asyncio.Event, turns: list[int]) -> None:
    while not stop.is_set():
        await kiosk.send({"type": "text", "text": BUSY_TEXT})
        await kiosk.until("transcript")  # heard: the next one cuts its reply off
        turns[0] += 1


def _pending(server: server_proc.BenchServer) -> int:
    health = httpx.get(f"{server.url}/health", timeout=30).json()
    return int(health["database"]["writes"]["pending"])


def _wait_drained(server: server_proc.BenchServer, wait_s: float) -> None:
    """Poll /health until no write is queued (bounded only against a stuck queue)."""
    deadline = time.monotonic() + wait_s
    while _pending(server) and time.monotonic() < deadline:
        time.sleep(0.5)


def _write_ms(metrics: dict[str, float]) -> dict[str, float]:
    """Mean milliseconds per stored write, by kind, from the server's histogram."""
    sums = {k: v for k, v in metrics.items() if k.startswith("reflect_write_seconds_sum")}
    out = {}
    for key, total in sums.items():
        count = metrics.get(key.replace("_sum{", "_count{"), 0.0)
        kind = key.split("kind=", 1)[1].rstrip("}")
        if count:
            out[kind] = round(1000 * total / count, 2)
    return out


async def _measure(server: server_proc.BenchServer, busy: int, seconds: float,
                   progress: Progress) -> dict[str, Any]:
    server.enroll(busy + 1)
    kiosks = [await TypedKiosk.open(server, token, f"127.0.0.{10 + i}")
              for i, token in enumerate(server.tokens[:busy])]
    crisis = await TypedKiosk.open(server, server.tokens[busy], "127.0.0.9")
    watch = await AlertWatch.open(server)
    stop, turns = asyncio.Event(), [0]
    started = time.monotonic()
    tasks = [asyncio.create_task(_keep_busy(k, stop, turns)) for k in kiosks]
    try:
        await asyncio.sleep(seconds / 2)
        backlog_at_crisis = await asyncio.to_thread(_pending, server)
        typed = time.monotonic()
        await crisis.send({"type": "text", "text": CRISIS_TEXT})
        await asyncio.wait_for(watch.stored_seen.wait(), 600)
        await asyncio.sleep(max(0.0, started + seconds - time.monotonic()))
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    loaded_s = time.monotonic() - started
    backlog = await asyncio.to_thread(_pending, server)
    stopped = time.monotonic()
    await asyncio.to_thread(_wait_drained, server, 1200)
    drained_s = time.monotonic() - stopped
    progress(f"{turns[0]} turns in {loaded_s:.0f} s; backlog {backlog}, drained in "
             f"{drained_s:.1f} s")
    for kiosk in (*kiosks, crisis):
        await kiosk.close()
    await watch.close()
    assert watch.stored is not None
    return {
        "busy_kiosks": busy, "seconds": round(loaded_s, 1), "turns": turns[0],
        "turns_per_s": round(turns[0] / loaded_s, 1),
        "backlog_at_crisis": backlog_at_crisis, "backlog_at_stop": backlog,
        "drain_s": round(drained_s, 1),
        "alert_live_ms": None if watch.live is None else round(1000 * (watch.live - typed)),
        "alert_stored_ms": round(1000 * (watch.stored - typed)),
        "write_ms_by_kind": _write_ms(await asyncio.to_thread(server.metrics)),
        "dropped": int((await asyncio.to_thread(
            lambda: httpx.get(f"{server.url}/health", timeout=30).json()
        ))["database"]["writes"]["dropped"]),
    }


def run(settings: Settings, *, busy: int, seconds: float, progress: Progress) -> dict[str, Any]:
    """Start a server (scripted reflector, live transcripts on) and measure one load phase."""
    with tempfile.TemporaryDirectory(prefix="reflect-writes-") as tmp:
        server = server_proc.start(
            settings, Path(tmp), settings.stt.model,
            extra_env={"REFLECT_REFLECTION__LIVE_TRANSCRIPT": "true"},
        )
        try:
            progress(f"server ready in {server.ready_s:.1f} s; {busy} busy kiosks for "
                     f"{seconds:.0f} s, a crisis half way")
            result = asyncio.run(_measure(server, busy, seconds, progress))
        finally:
            server.stop()
    return {"machine": machine(), **result}


def human(results: dict[str, Any]) -> str:
    """The figures as a few lines for a person."""
    by_kind = ", ".join(f"{k} {v} ms" for k, v in sorted(results["write_ms_by_kind"].items()))
    return "\n".join([
        f"{results['busy_kiosks']} busy kiosks: {results['turns']} turns in "
        f"{results['seconds']} s ({results['turns_per_s']}/s)",
        f"write backlog: {results['backlog_at_crisis']} at the crisis, "
        f"{results['backlog_at_stop']} at stop, drained in {results['drain_s']} s, "
        f"{results['dropped']} dropped",
        f"crisis alert: live {results['alert_live_ms']} ms, stored copy "
        f"{results['alert_stored_ms']} ms after the text",
        f"mean write: {by_kind}",
    ])
