"""The `reflect admin|keys|audit|purge|db` commands against a real SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from cli.main import main

pytestmark = pytest.mark.integration


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_data_commands_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REFLECT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("REFLECT_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.delenv("REFLECT_KEYRING", raising=False)
    code, out = _run(capsys, "db", "upgrade")
    assert code == 0 and "one-time password (shown ONCE)" in out
    assert (tmp_path / "keyring.json").exists()
    code, out = _run(capsys, "db", "upgrade")
    assert code == 0 and "one-time password" not in out  # printed once only
    code, out = _run(capsys, "admin", "create-user", "drlee", "--role", "therapist")
    assert code == 0 and "one-time password" in out
    code, out = _run(capsys, "admin", "enroll-kiosk", "lobby")
    token = out.split("kiosk): ")[1].split()[0]
    assert code == 0 and token.startswith("rk_") and "/kiosk/#enrol=" in out
    code, out = _run(capsys, "admin", "list")
    assert "drlee" in out and "lobby" in out and "admin" in out
    code, out = _run(capsys, "admin", "reset-password", "nobody")
    assert code == 2
    code, out = _run(capsys, "keys", "rotate")
    assert code == 0 and "active key k2" in out
    code, out = _run(capsys, "keys", "retire")  # issue 19: old keys leave the keyring
    assert code == 0 and "retired keys: k1; active key k2" in out
    assert '"k1"' not in (tmp_path / "keyring.json").read_text()
    code, out = _run(capsys, "db", "upgrade")  # the database still opens with k2 alone
    assert code == 0
    code, out = _run(capsys, "purge", "--days", "30")
    assert code == 0 and "purged 0 sessions" in out
    code, out = _run(capsys, "audit", "verify")
    assert code == 0 and "intact" in out
    with sqlite3.connect(tmp_path / "reflect.db") as raw:
        raw.execute("UPDATE audit_log SET detail = '{}' WHERE id = 2")
    code, out = _run(capsys, "audit", "verify")
    assert code == 1 and "row 2: contents altered" in out
