"""The headless kiosk's pure parts: spoken answers, audio frames, WAV audio I/O, server URL."""

from __future__ import annotations

import asyncio
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from cli.kiosk_commands import websocket_url
from kiosk.headless.audio_io import FRAME_BYTES, WavFileIO, resample_pcm16
from kiosk.headless.frames import FrameError, parse_frame
from kiosk.headless.prompts import prompt
from kiosk.headless.speech_input import spoken_digits, yes_or_no


@pytest.mark.parametrize(("said", "digits"), [
    ("four two seven nine", "4279"),
    ("Four, two... 7 nine!", "4279"),
    ("cuatro dos siete nueve", "4279"),
    ("my code is one oh one five", "1015"),
    ("", ""),
])
def test_spoken_digits(said: str, digits: str) -> None:
    assert spoken_digits(said) == digits


@pytest.mark.parametrize(("said", "answer"), [
    ("yes", True), ("Yes please.", True), ("sí", True), ("y", True),
    ("no", False), ("No, thank you", False), ("yes... no", False), ("hmm", None),
])
def test_yes_or_no(said: str, answer: bool | None) -> None:
    assert yes_or_no(said) is answer


def test_parse_frame_reads_the_protocol_header() -> None:
    pcm = b"\x01\x00\x02\x00"
    frame = struct.pack("<2sBBIHHI", b"RK", 1, 0b11, 7, 2, 5, 22050) + pcm
    parsed = parse_frame(frame)
    assert (parsed.turn, parsed.index, parsed.seq, parsed.sample_rate) == (7, 2, 5, 22050)
    assert parsed.end_of_sentence and parsed.end_of_reply
    assert parsed.pcm16 == pcm
    with pytest.raises(FrameError):
        parse_frame(b"XX" + frame[2:])
    with pytest.raises(FrameError):
        parse_frame(frame[:10])


def test_websocket_url() -> None:
    assert websocket_url("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/ws/kiosk"
    assert websocket_url("https://kiosk.example/reflect/") == "wss://kiosk.example/reflect/ws/kiosk"
    assert websocket_url("localhost:9000") == "ws://localhost:9000/ws/kiosk"


def test_prompts_come_from_the_page_strings() -> None:
    assert prompt("en", "code").startswith("Please enter the code")
    assert prompt("es", "code").startswith("Escribe el código")
    assert prompt("xx", "consent") == prompt("en", "consent")


def _write_wav(path: Path, samples: np.ndarray, rate: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())


def test_wav_io_streams_the_file_then_silence_and_records_replies(tmp_path: Path) -> None:
    rate = 8000
    tone = (np.sin(np.arange(rate // 4) * 2 * np.pi * 440 / rate) * 10000).astype(np.int16)
    _write_wav(tmp_path / "mic.wav", tone, rate)
    io = WavFileIO(tmp_path / "mic.wav", tmp_path / "out.wav", speed=50.0)

    async def take(count: int) -> list[bytes]:
        frames = []
        async for frame in io.frames():
            frames.append(frame)
            if len(frames) == count:
                break
        return frames

    frames = asyncio.run(take(12))
    assert all(len(frame) == FRAME_BYTES for frame in frames)
    samples = np.frombuffer(b"".join(frames), dtype="<i2")
    # A quarter second resampled to 16 kHz is 4000 samples of tone, then digital silence.
    assert np.abs(samples[:3900]).max() > 5000
    assert not samples[4100:].any()

    io.play(b"\x10\x00" * 2205, 22050)
    assert io.playing
    io.stop_playback()
    assert not io.playing
    assert io.recorded_seconds == pytest.approx(0.1)
    io.close()
    with wave.open(str(tmp_path / "out.wav"), "rb") as out:
        assert out.getframerate() == 22050 and out.getnframes() == 2205


def test_resample_pcm16_keeps_duration() -> None:
    pcm = np.zeros(22050, dtype="<i2").tobytes()
    assert len(resample_pcm16(pcm, 22050, 16000)) == 16000 * 2
