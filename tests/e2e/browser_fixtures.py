"""Playwright fixtures: a real `reflect serve` subprocess, Debian's chromium with a fake mic, axe.

Import the fixtures into a test module with
``from tests.e2e.browser_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from tests.speechgen import RATE, espeak_available, espeak_speech, save_wav, silence

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream",
    "--autoplay-policy=no-user-gesture-required",
]
THERAPIST = ("dr_rivera", "correct horse battery staple 1")
ADMIN = ("admin_ana", "correct horse battery staple 2")
SERIOUS = {"serious", "critical"}

__all__ = [
    "ADMIN",
    "ARTIFACTS",
    "THERAPIST",
    "ReflectServer",
    "axe_check",
    "browser_for",
    "dashboard_login",
    "playwright_driver",
    "reflect_server",
    "snap",
    "speech_file",
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class ReflectServer:
    """A running `reflect serve` with one therapist, one admin and one enrolled kiosk."""

    url: str
    data_dir: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    kiosk_token: str
    log_path: Path
    extra: dict[str, Any] = field(default_factory=dict)

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `reflect ARGS` against this server's data directory."""
        return _cli(self.env, *args, stdin=stdin)

    def health(self) -> dict[str, Any]:
        """The parsed /health answer."""
        result: dict[str, Any] = httpx.get(f"{self.url}/health", timeout=10).json()
        return result


def _cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "cli", *args], env=env, input=stdin, capture_output=True,
        text=True, timeout=120, check=False, cwd=ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"reflect {' '.join(args[:2])} failed: {done.stderr[-2000:]}")
    return done.stdout


def start_server(data_dir: Path, extra_env: dict[str, str] | None = None) -> ReflectServer:
    """Create accounts and a kiosk, start the server, wait until /health is ready."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "REFLECT_DATA_DIR": str(data_dir),
        "REFLECT_CONFIG": str(data_dir / "absent.toml"),
        "REFLECT_RESPONDER__KIND": "scripted",
        "REFLECT_LOG_LEVEL": "WARNING",
        **(extra_env or {}),
    }
    env.pop("REFLECT_KEYRING", None)
    for (user, password), role in ((THERAPIST, "therapist"), (ADMIN, "admin")):
        _cli(env, "admin", "create-user", user, "--role", role, "--display-name",
             user.split("_")[1].title(), "--password-stdin", stdin=password + "\n")
    enrolled = _cli(env, "admin", "enroll-kiosk", "Waiting room")
    match = re.search(r"token[^:]*:\s*(\S+)", enrolled)
    if match is None:
        raise RuntimeError("enroll-kiosk printed no token")
    port = _free_port()
    log_path = data_dir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
    server = ReflectServer(f"http://127.0.0.1:{port}", data_dir, env, process, match.group(1),
                           log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {log_path.read_text()[-3000:]}")
        try:
            if server.health().get("status") in {"ok", "degraded"}:
                return server
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError("server did not become ready in 90 s")


def stop_server(server: ReflectServer) -> None:
    """Terminate the subprocess and wait for it."""
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def reflect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReflectServer]:
    """One real server per test module (real models, scripted responder, live transcript on)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    server = start_server(
        tmp_path_factory.mktemp("reflect-data"),
        {"REFLECT_REFLECTION__LIVE_TRANSCRIPT": "true"},
    )
    yield server
    stop_server(server)


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Any]:
    """The sync Playwright driver (module scope; browsers are launched per journey)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as driver:
        yield driver


def browser_for(driver: Any, fake_audio: Path | None = None) -> Any:
    """Launch Debian's chromium, optionally with a WAV file as the microphone (played once)."""
    args = list(CHROMIUM_ARGS)
    if fake_audio is not None:
        # %noloop: play the file once, then silence, so each utterance is heard exactly once.
        args.append(f"--use-file-for-fake-audio-capture={fake_audio}%noloop")
    return driver.chromium.launch(executable_path=str(CHROMIUM), args=args)


def speech_file(path: Path, utterances: Sequence[tuple[str, str]], *, gap_s: float = 7.0,
                lead_s: float = 1.5, tail_s: float = 20.0) -> Path:
    """A mic recording: (text, espeak voice) utterances separated by long pauses.

    The gap leaves time for the reply to be spoken before the next utterance; the long tail
    lets the endpointer hear the end of the last one.
    """
    parts = [silence(lead_s)]
    for text, voice in utterances:
        parts += [espeak_speech(text, voice=voice, speed=140) * np.float32(0.8), silence(gap_s)]
    parts.append(silence(tail_s))
    return save_wav(path, np.concatenate(parts), rate=RATE)


def snap(page: Any, name: str) -> Path:
    """Save a screenshot under artifacts/screenshots/ (never committed)."""
    out = ARTIFACTS / "screenshots" / f"{name}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(out))
    return out


def axe_check(page: Any, name: str) -> list[dict[str, Any]]:
    """Run axe-core on the page; save the report; return serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    violations: list[dict[str, Any]] = result.response.get("violations", [])
    out = ARTIFACTS / "axe" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(violations, indent=1))
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if v.get("impact") in SERIOUS
    ]


def dashboard_login(page: Any, server: ReflectServer, creds: tuple[str, str] = THERAPIST) -> None:
    """Sign in on the dashboard page and wait for today's sessions."""
    page.goto(f"{server.url}/dashboard/")
    page.get_by_label("Username").fill(creds[0])
    page.get_by_label("Password").fill(creds[1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today's sessions").wait_for()

