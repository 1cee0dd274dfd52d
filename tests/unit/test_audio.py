"""voice.audio: conversions, resampling, WAV reading/writing and input limits."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path

import numpy as np
import pytest

from voice.audio import (
    check_samples,
    float_to_pcm16,
    pcm16_to_float,
    pcm16_wav_bytes,
    read_wav,
    resample,
    wav_bytes,
    write_wav,
)
from voice.errors import AudioFormatError, AudioTooLongError, VoiceError


def _tone(seconds: float, rate: int, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _pcm_wav(samples: np.ndarray, rate: int, channels: int = 1, width: int = 2) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        if width == 2:
            out.writeframes((samples * 32767).astype("<i2").tobytes())
        else:
            out.writeframes(((samples * 127) + 128).astype(np.uint8).tobytes())
    return buffer.getvalue()


def _float_wav(samples: np.ndarray, rate: int) -> bytes:
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_pcm16_round_trip_is_within_one_step() -> None:
    samples = np.linspace(-1.0, 1.0, 1001, dtype=np.float32)
    back = pcm16_to_float(float_to_pcm16(samples))
    assert back.dtype == np.float32
    assert np.max(np.abs(back - samples)) <= 2.0 / 32767  # rounding + 32767/32768 scale


def test_float_to_pcm16_clips_out_of_range() -> None:
    pcm = np.frombuffer(float_to_pcm16(np.array([2.0, -3.0], dtype=np.float32)), "<i2")
    assert pcm.tolist() == [32767, -32767]


def test_odd_pcm_bytes_rejected() -> None:
    with pytest.raises(AudioFormatError) as info:
        pcm16_to_float(b"\x00\x01\x02")
    assert info.value.code == "audio_pcm_odd"


def test_nan_and_inf_samples_rejected() -> None:
    for bad in (np.nan, np.inf):
        with pytest.raises(AudioFormatError) as info:
            check_samples(np.array([0.0, bad], dtype=np.float32))
        assert info.value.code == "audio_invalid_samples"
        with pytest.raises(AudioFormatError):
            float_to_pcm16(np.array([bad], dtype=np.float32))


def test_resample_changes_length_and_keeps_pitch() -> None:
    tone = _tone(1.0, 22050)
    out = resample(tone, 22050, 16000)
    assert abs(len(out) - 16000) <= 1
    spectrum = np.abs(np.fft.rfft(out))
    peak_hz = np.argmax(spectrum) * 16000 / len(out)
    assert abs(peak_hz - 440.0) < 2.0
    assert resample(tone, 16000, 16000) is not None and len(resample(tone, 8, 8)) == len(tone)


def test_write_then_read_wav_from_path_and_bytes(tmp_path: Path) -> None:
    tone = _tone(0.5, 16000)
    path = tmp_path / "tone.wav"
    write_wav(path, tone, 16000)
    from_path = read_wav(path)
    from_bytes = read_wav(path.read_bytes())
    assert np.allclose(from_path, tone, atol=1e-4)
    assert np.array_equal(from_path, from_bytes)
    assert read_wav(wav_bytes(tone, 16000)).shape == tone.shape


def test_pcm16_wav_bytes_wraps_raw_pcm() -> None:
    tone = _tone(0.1, 24000)
    data = pcm16_wav_bytes(float_to_pcm16(tone), 24000)
    assert np.allclose(read_wav(data, target_rate=24000), tone, atol=1e-4)


def test_wrong_sample_rate_is_resampled_not_rejected() -> None:
    tone = _tone(2.0, 44100)
    out = read_wav(_pcm_wav(tone, 44100), target_rate=16000)
    assert abs(len(out) - 32000) <= 2


def test_stereo_is_downmixed() -> None:
    left = _tone(0.2, 16000, amp=0.4)
    interleaved = np.stack([left, np.zeros_like(left)], axis=1).reshape(-1)
    out = read_wav(_pcm_wav(interleaved, 16000, channels=2))
    assert out.shape == left.shape
    assert np.allclose(out, left / 2, atol=1e-3)


def test_8_bit_wav_is_read() -> None:
    tone = _tone(0.2, 16000, amp=0.5)
    out = read_wav(_pcm_wav(tone, 16000, width=1))
    assert np.allclose(out, tone, atol=0.02)


def test_float_wav_is_read_and_nan_float_wav_rejected() -> None:
    tone = _tone(0.2, 16000)
    assert np.allclose(read_wav(_float_wav(tone, 16000)), tone, atol=1e-6)
    tone[100] = np.nan
    with pytest.raises(AudioFormatError) as info:
        read_wav(_float_wav(tone, 16000))
    assert info.value.code == "audio_invalid_samples"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "audio_empty"),
        (b"ID3\x03\x00 this is an mp3, honest" * 4, "audio_not_wav"),
        (b"RIFF\x00\x00\x00\x00WAVE", "audio_not_wav"),
    ],
)
def test_malformed_input_rejected_with_code(data: bytes, code: str) -> None:
    with pytest.raises(AudioFormatError) as info:
        read_wav(data)
    assert info.value.code == code


def test_empty_file_and_header_only_wav(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioFormatError) as info:
        read_wav(empty)
    assert info.value.code == "audio_empty"
    with pytest.raises(AudioFormatError) as info:
        read_wav(wav_bytes(np.zeros(0, dtype=np.float32), 16000))
    assert info.value.code == "audio_empty"


def test_missing_file_is_a_voice_error(tmp_path: Path) -> None:
    with pytest.raises(VoiceError) as info:
        read_wav(tmp_path / "nope.wav")
    assert info.value.code == "audio_not_found"


def test_ten_minute_file_rejected_by_cap() -> None:
    ten_minutes = pcm16_wav_bytes(bytes(2 * 8000 * 600), 8000)
    with pytest.raises(AudioTooLongError) as info:
        read_wav(ten_minutes, max_seconds=120)
    assert info.value.code == "audio_too_long"
    assert "600.0 s" in str(info.value)
    assert len(read_wav(ten_minutes, target_rate=8000, max_seconds=None)) == 8000 * 600


def test_unsupported_encoding_rejected() -> None:
    data = bytearray(_pcm_wav(_tone(0.1, 16000), 16000))
    data[20:22] = struct.pack("<H", 6)  # A-law
    with pytest.raises(AudioFormatError) as info:
        read_wav(bytes(data))
    assert info.value.code == "audio_unsupported_format"
