"""`reflect transcribe / say / models check / demo` through cli.main.main()."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from cli.demo import CLIENT_LINES
from cli.main import main
from tests import speechgen as sg
from tests.integration.test_stt import wer
from voice.audio import read_wav
from voice.model_store import resolve_whisper_model

pytestmark = pytest.mark.integration


@pytest.fixture
def data_dir(tmp_path: Path, model_cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings pointed at a temp data dir (models cache shared with the session)."""
    monkeypatch.setenv("REFLECT_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("REFLECT_DATA_DIR", str(tmp_path))
    (tmp_path / "models").symlink_to(model_cache_dir)
    return tmp_path


def test_transcribe_json(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentence = sg.ENGLISH_SENTENCES[2]
    wav = sg.save_wav(data_dir / "in.wav", sg.pad_silence(sg.espeak_speech(sentence), 0.3, 0.5))
    assert main(["transcribe", str(wav), "--json"]) == 0
    captured = capsys.readouterr()
    payload = json.loads(captured.out)
    assert wer([sentence], [payload["text"]]) <= 0.25
    assert payload["language"] == "en" and payload["segments"]
    assert payload["real_time_factor"] > 0
    assert "rtf=" in captured.err  # diagnostics go to stderr, never stdout


def test_transcribe_plain_and_errors(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wav = sg.save_wav(
        data_dir / "in.wav", sg.espeak_speech("Good morning.", rate=44100), rate=44100
    )
    assert main(["transcribe", str(wav)]) == 0
    heard = sg.normalise_text(capsys.readouterr().out)
    # Judged against plain faster-whisper with the same model on the same audio, not against
    # one CPU's output: never empty where it hears words, right whenever it is right.
    reference = sg.normalise_text(_plain_tiny_en(data_dir, read_wav(wav, target_rate=16000)))
    if reference:
        assert heard, f"empty transcript where plain faster-whisper heard {reference!r}"
    if reference == "good morning":
        assert heard == "good morning"
    bogus = data_dir / "bogus.wav"
    bogus.write_text("not audio")
    assert main(["transcribe", str(bogus)]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "audio_not_wav" in captured.err


def _plain_tiny_en(data_dir: Path, audio: Any) -> str:
    from faster_whisper import WhisperModel

    model_dir = resolve_whisper_model("tiny.en", cache_dir=data_dir / "models")
    model = WhisperModel(str(model_dir), device="cpu", compute_type="int8", local_files_only=True)
    segments, _ = model.transcribe(audio, language="en")
    return " ".join(segment.text.strip() for segment in segments)


def test_say_writes_a_wav(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = data_dir / "said.wav"
    assert main(["say", "Thank you for sharing. Take your time.", "-o", str(out)]) == 0
    normal = read_wav(out, target_rate=22050)
    assert (
        main(["say", "Thank you for sharing. Take your time.", "-o", str(out), "--rate", "1.5"])
        == 0
    )
    faster = read_wav(out, target_rate=22050)
    assert len(faster) < len(normal)
    assert "first_audio_ms=" in capsys.readouterr().err
    assert main(["say", "Hi.", "-o", str(out), "--rate", "9"]) == 2
    assert "tts_bad_rate" in capsys.readouterr().err


def test_models_check(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "check", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True
    roles = {row["role"]: row for row in report["models"]}
    assert set(roles) == {"stt", "stt_multilingual", "tts", "vad"}
    assert all(row["checksum"] == "verified" for row in roles.values())
    assert isinstance(roles["stt"]["load_ms"], int)


def test_demo(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = data_dir / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "STT RTF" in printed and "TTS first-audio ms" in printed
    assert sorted(p.name for p in out.glob("*.wav")) == [
        f"turn{n}_{who}.wav" for n in (1, 2, 3) for who in ("client", "reply")
    ]
    engine_used = "reflection engine (" in printed
    assert engine_used or "PLACEHOLDER echo reply" in printed
    heard = re.findall(r'^turn \d: heard\s+"(.*)"$', printed, flags=re.MULTILINE)
    assert len(heard) == len(CLIENT_LINES)
    assert sg.word_error_rate(list(CLIENT_LINES), heard) <= 0.35, heard
