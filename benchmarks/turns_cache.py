"""An optional on-disk cache for the turns benchmark while iterating on the decider.

The synthesized corpus, each pause's model results (text, Smart Turn, pitch and their
measured times) and the server response measured the first time are kept, so a re-run
replays the same measurements through a changed decider in seconds instead of
re-synthesizing and re-transcribing for many minutes on a loaded machine (and its felt
latency differs from the first run's only by the decision).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.turn_corpus import PausedUtterance

GuessKey = tuple[int, float, float]


def _stem(directory: Path, name: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory / name


def load_corpus(directory: Path, name: str) -> list[PausedUtterance] | None:
    """The corpus saved under `name`, or None."""
    stem = _stem(directory, name)
    meta_path, audio_path = stem.with_suffix(".json"), stem.with_suffix(".npz")
    if not meta_path.exists() or not audio_path.exists():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    with np.load(audio_path) as audio:
        return [PausedUtterance(**m, audio=audio[f"a{i}"]) for i, m in enumerate(meta)]


def save_corpus(directory: Path, name: str, corpus: list[PausedUtterance]) -> None:
    """Keep `corpus` under `name`."""
    stem = _stem(directory, name)
    meta = [{f.name: getattr(u, f.name) for f in dataclasses.fields(u) if f.name != "audio"}
            for u in corpus]
    stem.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    arrays: dict[str, Any] = {f"a{i}": u.audio for i, u in enumerate(corpus)}
    np.savez(stem.with_suffix(".npz"), **arrays)


def load_guesses(directory: Path, name: str) -> dict[GuessKey, dict[str, Any]]:
    """Saved per-pause results (as dicts of the Guess fields), keyed by (ident, start, end)."""
    path = _stem(directory, name).with_suffix(".guesses.json")
    if not path.exists():
        return {}
    rows = json.loads(path.read_text(encoding="utf-8"))
    return {(int(r["ident"]), float(r["start"]), float(r["end"])): r["guess"] for r in rows}


def save_guesses(directory: Path, name: str, guesses: dict[GuessKey, dict[str, Any]]) -> None:
    """Keep the per-pause results."""
    rows = [{"ident": k[0], "start": k[1], "end": k[2], "guess": g} for k, g in guesses.items()]
    _stem(directory, name).with_suffix(".guesses.json").write_text(
        json.dumps(rows), encoding="utf-8")


def load_response(directory: Path, name: str) -> dict[str, float] | None:
    """The server response (ms per clock) measured when the cache was made, or None: a
    replay then adds the same response, so its felt latency differs only by the decision."""
    path = _stem(directory, name).with_suffix(".response.json")
    if not path.exists():
        return None
    return {str(k): float(v) for k, v in json.loads(path.read_text(encoding="utf-8")).items()}


def save_response(directory: Path, name: str, response: dict[str, float]) -> None:
    """Keep the measured server response."""
    _stem(directory, name).with_suffix(".response.json").write_text(
        json.dumps(response), encoding="utf-8")
