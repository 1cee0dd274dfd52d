"""The headless kiosk end to end: WAV file as microphone, real server, real models."""

from __future__ import annotations

import asyncio
import wave
from collections.abc import Iterator
from pathlib import Path

import pytest

from cli.kiosk_commands import websocket_url
from kiosk.headless.audio_io import WavFileIO
from kiosk.headless.client import HeadlessKiosk, KioskOptions
from kiosk.headless.console import KioskView, ScriptedConsole
from tests.e2e.browser_fixtures import THERAPIST, provisioned_server, speech_file
from tests.e2e.server_process import LiveServer
from tests.speechgen import espeak_available

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not espeak_available():
        pytest.skip("espeak-ng is not installed")
    with provisioned_server(tmp_path_factory.mktemp("headless-data")) as running:
        yield running


def test_headless_kiosk_full_session_from_wav(server: LiveServer, tmp_path: Path) -> None:
    therapist = server.client(*THERAPIST)
    created = therapist.post("/api/sessions", json={"label": "headless"}).json()
    mic = speech_file(tmp_path / "mic.wav", [
        ("I have been feeling very tired at work this week.", "en-us"),
        ("I want to sleep better and worry less about money.", "en-us"),
    ], lead_s=8.0)  # half-duplex: the mic is muted while the opening question is spoken

    def after_two_turns(view: KioskView) -> bool:
        return len(view.transcripts) >= 2 and len(view.replies) >= 3

    console = ScriptedConsole(
        answers={"code": " ".join(created["code"]), "consent": "yes", "review": "",
                 "rating": "five"},
        commands=[(after_two_turns, "end"),
                  (lambda view: view.state == "focus", "I want to sleep better.")],
    )
    audio = WavFileIO(mic, tmp_path / "speaker.wav")
    kiosk = HeadlessKiosk(websocket_url(server.url), server.kiosk_token, audio, console,
                          KioskOptions(lang="en"))
    reasons = asyncio.run(asyncio.wait_for(kiosk.run(1), timeout=240))
    audio.close()

    assert reasons == ["completed"]
    assert console.asked[:2] == ["code", "consent"]
    assert "tired" in kiosk.view.transcripts[0].lower()
    assert "sleep" in kiosk.view.transcripts[1].lower()
    assert kiosk.view.summary is not None
    # Replies were spoken: audio arrived and was recorded to the speaker WAV.
    assert kiosk.audio_frames_received > 0
    assert kiosk.played_turns, "the end of each reply's playback is reported (played)"
    with wave.open(str(tmp_path / "speaker.wav"), "rb") as speaker:
        assert speaker.getnframes() / speaker.getframerate() > 2.0
    # Half-duplex: the microphone was muted while the kiosk itself was speaking.
    assert kiosk.mic_frames_muted > 0 and kiosk.mic_frames_sent > 0
    summary = therapist.get(f"/api/sessions/{created['session_id']}/summary").json()
    assert summary["approved"] is True
