"""`reflect guard` commands read stdin lines and write JSON lines."""

from __future__ import annotations

import io
import json
import sys

import pytest

from cli.main import main


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
        stdin: str = "") -> tuple[int, list[dict[str, object]]]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin.encode("utf-8"))))
    code = main(argv)
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return code, lines


def test_guard_screen(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(monkeypatch, capsys, ["guard", "screen"],
                    "this traffic is killing me\nI want to kms\nme pega\n\n")
    assert code == 0
    assert [(o["level"], o["categories"]) for o in out] == [
        (0, []), (2, ["suicide"]), (2, ["abused"]), (0, [])
    ]
    assert out[1]["text"] == "I want to kms"


def test_guard_screen_forced_language(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(monkeypatch, capsys, ["guard", "screen", "--lang", "es", "--evidence"],
                    "quiero morirme\n")
    assert code == 0 and out[0]["language"] == "es" and out[0]["evidence"]


def test_guard_check_reply(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(monkeypatch, capsys, ["guard", "check-reply"],
                    "You should leave him.\nIt sounds like that was hard.\n")
    assert code == 0
    assert out[0] == {"text": "You should leave him.", "allowed": False, "reasons": ["directive"]}
    assert out[1]["allowed"] is True and out[1]["reasons"] == []


def test_guard_eval_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(monkeypatch, capsys, ["guard", "eval", "--json"])
    assert code == 0 and out[0]["passed"] is True
    assert {"per_level", "per_category", "per_language", "per_group"} <= set(out[0]["screening"])


def test_guard_eval_missing_data_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: object
) -> None:
    code, out = run(monkeypatch, capsys, ["guard", "eval", "--data", str(tmp_path)])
    assert code == 2 and out[0]["error"] == "guard_eval_data_missing"
