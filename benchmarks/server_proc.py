"""A real `reflect serve` subprocess on loopback with a temporary data dir, watched by psutil."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil
from prometheus_client.parser import text_string_to_metric_families

from server.config import Settings
from server.voice_loading import model_cache_dir
from voice.model_store import resolve_piper_voice, resolve_whisper_model

THERAPIST = ("bench_therapist", "bench therapist passphrase 1")
ADMIN = ("bench_admin", "bench admin passphrase 2")
# Sections whose values the benchmarked server takes from the caller's settings.
PASSED_SECTIONS = ("stt", "tts", "vad", "audio")
READY_TIMEOUT_S = 300.0


def settings_env(settings: Settings, data_dir: Path, model: str) -> dict[str, str]:
    """REFLECT_* variables for a bench server: the caller's speech settings, bench policy."""
    env: dict[str, str] = {}
    dumped = settings.model_dump()
    for section in PASSED_SECTIONS:
        for key, value in dumped[section].items():
            if value is None:
                continue  # unset (the default applies on the other side too)
            if isinstance(value, list | tuple | dict):
                # JSON is how pydantic-settings reads a complex field.
                text = json.dumps(list(value) if isinstance(value, tuple) else value)
            else:
                text = str(value).lower() if isinstance(value, bool) else str(value)
            env[f"REFLECT_{section.upper()}__{key.upper()}"] = text
    env.update({
        "REFLECT_DATA_DIR": str(data_dir),
        "REFLECT_CONFIG": str(data_dir / "absent.toml"),
        "REFLECT_LOG_LEVEL": "WARNING",
        "REFLECT_STT__MODEL": model,
        "REFLECT_SERVER__MODEL_WORKERS": str(settings.server.model_workers),
        # The budget is defined with the scripted reflector (no Ollama in the loop).
        "REFLECT_RESPONDER__KIND": "scripted",
        # A benchmark kiosk talks for many turns; the clinical time box would cut it short.
        "REFLECT_REFLECTION__MAX_TURNS": "10000",
        "REFLECT_REFLECTION__SESSION_MINUTES": "600",
    })
    return env


def free_port() -> int:
    """An unused loopback port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ResourceMonitor:
    """Samples the server's RSS every 50 ms in a thread; keeps the peak."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.peak_rss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="bench-rss", daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.05):
            try:
                self.peak_rss = max(self.peak_rss, self.process.memory_info().rss)
            except psutil.Error:
                return

    def rss(self) -> int:
        """Current RSS in bytes (0 once the process is gone)."""
        try:
            rss: int = self.process.memory_info().rss
        except psutil.Error:
            return 0
        self.peak_rss = max(self.peak_rss, rss)
        return rss

    def cpu_seconds(self) -> float:
        """User + system CPU time of the server so far."""
        try:
            times = self.process.cpu_times()
        except psutil.Error:
            return 0.0
        return float(times.user + times.system)

    def stop(self) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join(timeout=1)


class PhaseUsage:
    """CPU used during a phase: by the server (100 = one core) and the whole machine (0-100)."""

    def __init__(self, monitor: ResourceMonitor) -> None:
        self.monitor = monitor
        self.started = time.monotonic()
        self.server_cpu = monitor.cpu_seconds()
        # The simulated kiosks share the cores with the server: their cost is reported too.
        self.client = psutil.Process()
        self.client_cpu = _cpu(self.client)
        psutil.cpu_percent(interval=None)  # starts the machine-wide interval

    def end(self) -> dict[str, float]:
        """Usage since the phase began."""
        wall = max(time.monotonic() - self.started, 1e-6)
        used = self.monitor.cpu_seconds() - self.server_cpu
        return {
            "wall_s": round(wall, 1),
            "server_cpu_percent": round(100.0 * used / wall, 1),
            "bench_client_cpu_percent": round(
                100.0 * (_cpu(self.client) - self.client_cpu) / wall, 1),
            "machine_cpu_percent": round(psutil.cpu_percent(interval=None), 1),
        }


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


@dataclass
class BenchServer:
    """A running server with a therapist, an admin and a pool of enrolled kiosk tokens."""

    url: str
    process: subprocess.Popen[bytes]
    monitor: ResourceMonitor
    ready_s: float
    rss_ready: int
    log_path: Path
    therapist: httpx.Client
    admin: httpx.Client
    health: dict[str, Any]
    tokens: list[str] = field(default_factory=list)
    # Kiosk names are unique per database: processes sharing one enrol under their own names.
    kiosk_names: str = "bench"

    @property
    def ws_url(self) -> str:
        """The websocket base URL."""
        return self.url.replace("http://", "ws://")

    def enroll(self, count: int) -> None:
        """Make sure at least `count` kiosks are enrolled."""
        while len(self.tokens) < count:
            name = f"{self.kiosk_names}-{len(self.tokens)}"
            reply = self.admin.post("/api/kiosks", json={"name": name})
            reply.raise_for_status()
            self.tokens.append(str(reply.json()["token"]))

    def new_code(self) -> str:
        """A fresh one-time session code (the therapist owns the session)."""
        reply = self.therapist.post("/api/sessions", json={"label": "benchmark"})
        reply.raise_for_status()
        return str(reply.json()["code"])

    def session_cookie(self) -> str:
        """The therapist's dashboard session cookie value."""
        return str(self.therapist.cookies.get("reflect_session"))

    def metrics(self) -> dict[str, float]:
        """The server's Prometheus samples, keyed "name{label=value,...}"."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        out: dict[str, float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
                out[f"{sample.name}{{{labels}}}"] = float(sample.value)
        return out

    def stop(self) -> None:
        """Terminate the server and close the HTTP clients."""
        self.therapist.close()
        self.admin.close()
        self.monitor.stop()
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _cli(env: Mapping[str, str], *args: str, stdin: str | None = None) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args], env=dict(env), input=stdin, capture_output=True,
        text=True, timeout=120, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reflect {' '.join(args[:2])} failed: {done.stderr[-1500:]}")


def _login(url: str, user: tuple[str, str]) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    reply = client.post("/api/auth/login", json={"username": user[0], "password": user[1]})
    reply.raise_for_status()
    client.headers["X-CSRF-Token"] = reply.json()["csrf_token"]
    return client


def prepare_models(settings: Settings, data_dir: Path, model: str) -> None:
    """Assemble and verify the models in the new data dir, as a restarted clinic server has."""
    cache = model_cache_dir(settings.model_copy(update={"data_dir": data_dir}))
    verify = settings.stt.verify_checksums
    resolve_whisper_model(model, cache_dir=cache, verify=verify)
    resolve_piper_voice(settings.tts.voice, cache_dir=cache, verify=verify)


def start(settings: Settings, data_dir: Path, model: str, entry: str = "cli", *,
          extra_env: Mapping[str, str] | None = None, accounts: bool = True) -> BenchServer:
    """Create accounts, start `reflect serve` on loopback and wait until /health answers.

    `entry` is the module run as the server (another entry can patch in an experiment);
    `extra_env` adds settings (a shared database and Redis); `accounts=False` when another
    process on the same database made them already.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **settings_env(settings, data_dir, model), **(extra_env or {})}
    env.pop("REFLECT_KEYRING", None)
    prepare_models(settings, data_dir, model)
    for (user, password), role in ((THERAPIST, "therapist"), (ADMIN, "admin")) if accounts else ():
        _cli(env, "admin", "create-user", user, "--role", role, "--password-stdin",
             stdin=password + "\n")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", entry, "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    monitor = ResourceMonitor(process.pid)
    health = _wait_ready(url, process, log_path)
    ready_s = time.monotonic() - started
    rss_ready = monitor.rss()
    return BenchServer(
        url=url, process=process, monitor=monitor, ready_s=ready_s, rss_ready=rss_ready,
        log_path=log_path, therapist=_login(url, THERAPIST), admin=_login(url, ADMIN),
        health=health,
    )


def _wait_ready(url: str, process: subprocess.Popen[bytes], log_path: Path) -> dict[str, Any]:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-2000:]}")
        try:
            reply = httpx.get(f"{url}/health", timeout=5)
            health: dict[str, Any] = reply.json()
            if health.get("status") in {"ok", "degraded"}:
                return health
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.05)
    process.terminate()
    raise RuntimeError(f"server not ready in {READY_TIMEOUT_S:.0f} s")
