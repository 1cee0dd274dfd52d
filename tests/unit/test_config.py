"""Settings come from a TOML file and REFLECT_* variables; the environment wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main
from server.config import CONFIG_FILE_ENV, Settings


def test_defaults_work_offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, str(tmp_path / "absent.toml"))
    settings = Settings(data_dir=tmp_path)
    assert settings.stt.model == "tiny.en"
    assert settings.responder.kind == "auto"
    assert settings.server.host == "127.0.0.1"
    assert settings.database_url == f"sqlite:///{tmp_path / 'reflect.db'}"
    assert settings.keyring_file == tmp_path / "keyring.json"


def test_toml_file_then_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "reflect.toml"
    config.write_text('[vad]\nend_silence_ms = 1200\n[server]\nport = 9000\n')
    monkeypatch.setenv(CONFIG_FILE_ENV, str(config))
    monkeypatch.setenv("REFLECT_SERVER__PORT", "9100")
    settings = Settings()
    assert settings.vad.end_silence_ms == 1200  # from the file
    assert settings.server.port == 9100  # the environment beats the file


def test_invalid_value_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, str(tmp_path / "absent.toml"))
    monkeypatch.setenv("REFLECT_RESPONDER__KIND", "gpt")
    with pytest.raises(ValueError, match=r"responder\.kind"):
        Settings()


def test_config_command_prints_sections(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(CONFIG_FILE_ENV, str(tmp_path / "absent.toml"))
    monkeypatch.setenv("REFLECT_STT__BEAM_SIZE", "3")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "[stt]" in out
    assert "beam_size = 3" in out
