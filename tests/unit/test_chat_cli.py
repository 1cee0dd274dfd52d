"""`reflect chat`: stdin turns in, one JSON object per line out, then the summary."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from cli.chat_commands import build_engine, chat
from server.config import Settings

TURNS = [
    "I've been really anxious about my sister.",
    "",
    "Work is exhausting and I can't sleep.",
    "I want to kill myself.",
    "Anyway, how was your day?",
]


def test_chat_over_streams_follows_the_interface() -> None:
    engine = build_engine(Settings(), "scripted")
    out = io.StringIO()
    assert chat(engine, "en", io.StringIO("\n".join(TURNS) + "\n"), out) == 0
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    turns, final = rows[:-1], rows[-1]
    assert len(turns) == 4  # the blank line is skipped
    for row in turns:
        assert set(row) == {"reply", "level", "crisis", "blocked"} and row["reply"]
    assert "anxious" in turns[0]["reply"] and turns[0]["level"] == 0 and not turns[0]["crisis"]
    assert turns[2]["crisis"] and turns[2]["level"] >= 2 and "988" in turns[2]["reply"]
    assert turns[3]["crisis"]  # locked: no more generated replies this session
    summary = final["summary"]
    assert summary["turn_count"] == 4 and summary["draft"] is True
    assert "family" in summary["themes"] and "anxious" in {f["word"] for f in summary["feelings"]}
    assert any(flag["level"] >= 2 for flag in summary["risk_flags"])


def test_reflect_chat_command_in_spanish(tmp_path: Path) -> None:
    env = {**os.environ, "REFLECT_CONFIG": str(tmp_path / "none.toml"),
           "REFLECT_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "chat", "--lang", "es", "--responder", "scripted"],
        input="Me siento muy cansada por el trabajo.\n", capture_output=True, text=True,
        env=env, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr
    first, last = (json.loads(line) for line in result.stdout.splitlines())
    assert "cansada" in first["reply"] and first["blocked"] == 0
    assert last["summary"]["language"] == "es" and "trabajo" in last["summary"]["themes"]
