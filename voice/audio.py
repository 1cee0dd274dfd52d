"""Audio formats: PCM16/float conversion, resampling, WAV read/write with input limits."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path
from typing import BinaryIO

import numpy as np
import soxr
from numpy.typing import NDArray

from voice.errors import AudioFormatError, AudioTooLongError

FloatArray = NDArray[np.float32]

STT_RATE = 16000
_PCM16_SCALE = 32768.0
_WAVE_FORMAT_PCM = 1
_WAVE_FORMAT_IEEE_FLOAT = 3
_WAVE_FORMAT_EXTENSIBLE = 0xFFFE


def pcm16_to_float(data: bytes) -> FloatArray:
    """Little-endian signed 16-bit PCM bytes to float32 samples in [-1, 1)."""
    if len(data) % 2:
        raise AudioFormatError("PCM16 data has an odd number of bytes", code="audio_pcm_odd")
    return (np.frombuffer(data, dtype="<i2").astype(np.float32) / _PCM16_SCALE).astype(np.float32)


def float_to_pcm16(samples: NDArray[np.floating]) -> bytes:
    """Float samples (clipped to [-1, 1]) to little-endian signed 16-bit PCM bytes."""
    checked = check_samples(samples)
    scaled = np.round(np.clip(checked, -1.0, 1.0) * 32767.0)
    return scaled.astype("<i2").tobytes()


def check_samples(samples: NDArray[np.floating]) -> FloatArray:
    """Return samples as 1-D float32, rejecting NaN or infinite values."""
    array = np.asarray(samples, dtype=np.float32)
    if array.ndim != 1:
        raise AudioFormatError("expected mono (1-D) samples", code="audio_not_mono")
    if not np.all(np.isfinite(array)):
        raise AudioFormatError(
            "audio contains NaN or infinite samples", code="audio_invalid_samples"
        )
    return array


def resample(samples: NDArray[np.floating], src_rate: int, dst_rate: int) -> FloatArray:
    """Resample mono float audio with soxr (high quality); a no-op at equal rates."""
    array = np.asarray(samples, dtype=np.float32)
    if src_rate <= 0 or dst_rate <= 0:
        raise AudioFormatError("sample rates must be positive", code="audio_bad_rate")
    if src_rate == dst_rate or array.size == 0:
        return array
    out = soxr.resample(array, src_rate, dst_rate, quality="HQ")
    return np.asarray(out, dtype=np.float32)


def read_wav(
    source: Path | str | bytes,
    *,
    target_rate: int = STT_RATE,
    max_seconds: float | None = None,
) -> FloatArray:
    """Read a WAV (path or bytes) as mono float32 at `target_rate`, enforcing `max_seconds`."""
    data = _load_bytes(source)
    if not data:
        raise AudioFormatError("audio file is empty", code="audio_empty")
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise AudioFormatError("not a WAV file (missing RIFF/WAVE header)", code="audio_not_wav")
    fmt_tag, channels, rate, width = _parse_fmt(data)
    if channels < 1 or rate <= 0:
        raise AudioFormatError("WAV header has no channels or no rate", code="audio_bad_header")
    # Check the length before decoding, so huge files are cheap to refuse. Streamed WAVs
    # (e.g. espeak-ng --stdout) declare a bogus huge size, so count the bytes present.
    _check_length(_data_size(data) // max(1, width * channels), rate, max_seconds)
    if fmt_tag == _WAVE_FORMAT_IEEE_FLOAT:
        frames = _float_frames(data, channels, width)
    else:
        frames = _pcm_frames(data)
    mono = frames.mean(axis=1, dtype=np.float32) if frames.shape[1] > 1 else frames[:, 0]
    if mono.size == 0:
        raise AudioFormatError("WAV file holds no samples", code="audio_empty")
    checked = check_samples(mono)
    return resample(checked, rate, target_rate)


def write_wav(target: Path | str | BinaryIO, samples: NDArray[np.floating], rate: int) -> None:
    """Write mono float samples as a PCM16 WAV to a path or a binary file object."""
    pcm = float_to_pcm16(samples)
    if isinstance(target, str | Path):
        with wave.open(str(target), "wb") as out:
            _write_frames(out, pcm, rate)
    else:
        with wave.open(target, "wb") as out:
            _write_frames(out, pcm, rate)


def wav_bytes(samples: NDArray[np.floating], rate: int) -> bytes:
    """Mono float samples as an in-memory PCM16 WAV file."""
    buffer = io.BytesIO()
    write_wav(buffer, samples, rate)
    return buffer.getvalue()


def pcm16_wav_bytes(pcm: bytes, rate: int) -> bytes:
    """Already-encoded PCM16 mono bytes wrapped in a WAV header."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        _write_frames(out, pcm, rate)
    return buffer.getvalue()


def duration_s(samples: NDArray[np.floating], rate: int = STT_RATE) -> float:
    """Length of mono samples in seconds."""
    return float(len(samples)) / rate


def _write_frames(out: wave.Wave_write, pcm: bytes, rate: int) -> None:
    out.setnchannels(1)
    out.setsampwidth(2)
    out.setframerate(rate)
    out.writeframes(pcm)


def _load_bytes(source: Path | str | bytes) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        return bytes(source)
    path = Path(source)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise AudioFormatError(f"audio file not found: {path}", code="audio_not_found") from exc
    except IsADirectoryError as exc:
        raise AudioFormatError(f"not a file: {path}", code="audio_not_found") from exc


def _chunks(data: bytes) -> list[tuple[bytes, int, int]]:
    """(id, offset, size) of each RIFF sub-chunk; tolerant of a truncated last chunk."""
    found = []
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack_from("<I", data, pos + 4)
        found.append((chunk_id, pos + 8, min(size, len(data) - pos - 8)))
        pos += 8 + size + (size & 1)
    return found


def _parse_fmt(data: bytes) -> tuple[int, int, int, int]:
    for chunk_id, offset, size in _chunks(data):
        if chunk_id == b"fmt " and size >= 16:
            tag, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", data, offset)
            if tag == _WAVE_FORMAT_EXTENSIBLE and size >= 26:
                # The real format is the first two bytes of the sub-format GUID.
                (tag,) = struct.unpack_from("<H", data, offset + 24)
            if tag not in (_WAVE_FORMAT_PCM, _WAVE_FORMAT_IEEE_FLOAT):
                raise AudioFormatError(
                    f"unsupported WAV encoding (format tag {tag}); use PCM or float",
                    code="audio_unsupported_format",
                )
            return tag, channels, rate, bits // 8
    raise AudioFormatError("WAV file has no fmt chunk", code="audio_not_wav")


def _check_length(frames: int, rate: int, max_seconds: float | None) -> None:
    if max_seconds is not None and frames / rate > max_seconds:
        raise AudioTooLongError(
            f"audio is {frames / rate:.1f} s long; the limit is {max_seconds:g} s"
        )


def _data_size(data: bytes) -> int:
    for chunk_id, _, size in _chunks(data):
        if chunk_id == b"data":
            return size
    raise AudioFormatError("WAV file has no data chunk", code="audio_not_wav")


def _pcm_frames(data: bytes) -> NDArray[np.float32]:
    try:
        with wave.open(io.BytesIO(data), "rb") as reader:
            channels, width = reader.getnchannels(), reader.getsampwidth()
            raw = reader.readframes(reader.getnframes())
    except (wave.Error, EOFError, struct.error) as exc:
        raise AudioFormatError(f"malformed WAV file: {exc}", code="audio_not_wav") from exc
    usable = len(raw) - len(raw) % (width * channels)
    raw = raw[:usable]
    if width == 1:
        ints = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    elif width == 2:
        ints = np.frombuffer(raw, dtype="<i2").astype(np.float32) / _PCM16_SCALE
    elif width == 3:
        bytes3 = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3)
        padded = np.zeros((bytes3.shape[0], 4), dtype=np.uint8)
        padded[:, 1:] = bytes3
        ints = padded.view("<i4").reshape(-1).astype(np.float32) / 2147483648.0
    elif width == 4:
        ints = np.frombuffer(raw, dtype="<i4").astype(np.float32) / 2147483648.0
    else:
        raise AudioFormatError(f"unsupported sample width {width}", code="audio_unsupported_format")
    return ints.astype(np.float32).reshape(-1, channels)


def _float_frames(data: bytes, channels: int, width: int) -> NDArray[np.float32]:
    if width not in (4, 8):
        raise AudioFormatError(f"unsupported float width {width}", code="audio_unsupported_format")
    for chunk_id, offset, size in _chunks(data):
        if chunk_id == b"data":
            usable = size - size % (width * channels)
            dtype = "<f4" if width == 4 else "<f8"
            values = np.frombuffer(data, dtype=dtype, count=usable // width, offset=offset)
            return values.astype(np.float32).reshape(-1, channels)
    raise AudioFormatError("WAV file has no data chunk", code="audio_not_wav")
