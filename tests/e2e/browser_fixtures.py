"""Browser fixtures: Debian's chromium with a fake mic, axe, screenshots, and a module's own
`LiveServer` with one therapist, one admin and one kiosk made by the CLI.

Import the fixtures into a test module with
``from tests.e2e.browser_fixtures import *  # noqa: F403``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.e2e.server_process import ROOT as ROOT
from tests.e2e.server_process import LiveServer
from tests.speechgen import RATE, espeak_available, espeak_speech, save_wav, silence

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
    "axe_check",
    "browser_for",
    "dashboard_login",
    "playwright_driver",
    "provisioned_server",
    "reflect_server",
    "snap",
    "speech_file",
]


@contextmanager
def provisioned_server(data_dir: Path,
                       settings: Mapping[str, str | None] | None = None) -> Iterator[LiveServer]:
    """A running server (scripted responder) with THERAPIST, ADMIN and a kiosk made by the CLI."""
    server = LiveServer.in_dir(data_dir, {
        "REFLECT_RESPONDER__KIND": "scripted",
        "REFLECT_LOG_LEVEL": "WARNING",
        **(settings or {}),
    })
    for (user, password), role in ((THERAPIST, "therapist"), (ADMIN, "admin")):
        server.create_account(user, role, password, display_name=user.split("_")[1].title())
    server.enrol_kiosk("Waiting room")
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def reflect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One real server per test module (real models, scripted responder, live transcript on)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    with provisioned_server(tmp_path_factory.mktemp("reflect-data"),
                            {"REFLECT_REFLECTION__LIVE_TRANSCRIPT": "true"}) as server:
        yield server


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


def axe_check(page: Any, name: str, *, every_impact: bool = False) -> list[dict[str, Any]]:
    """Run axe-core on the page; save the report; return serious or critical violations
    (`every_impact`: minor and moderate ones too)."""
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page)
    violations: list[dict[str, Any]] = result.response.get("violations", [])
    out = ARTIFACTS / "axe" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(violations, indent=1))
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in violations
        if every_impact or v.get("impact") in SERIOUS
    ]


def dashboard_login(page: Any, server: LiveServer, creds: tuple[str, str] = THERAPIST) -> None:
    """Sign in on the dashboard page and wait for today's sessions."""
    page.goto(f"{server.url}/dashboard/")
    page.get_by_label("Username").fill(creds[0])
    page.get_by_label("Password").fill(creds[1])
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Today's sessions").wait_for()

