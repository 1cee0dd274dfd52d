"""Errors raised by the voice package; each carries a stable `code` for the edge to map."""

from __future__ import annotations


class VoiceError(Exception):
    """Base of every voice error; `code` is stable, the message is for humans."""

    default_code = "voice_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code


class AudioFormatError(VoiceError):
    """Audio that is empty, not a WAV, in an unsupported encoding, or holds invalid samples."""

    default_code = "audio_format"


class AudioTooLongError(VoiceError):
    """Audio longer than the configured cap."""

    default_code = "audio_too_long"


class ModelNotFoundError(VoiceError):
    """A model name or path that does not resolve to usable files."""

    default_code = "model_not_found"


class ModelChecksumError(VoiceError):
    """A model file whose sha256 differs from the pinned value."""

    default_code = "model_checksum"

    def __init__(self, path: str, expected: str, actual: str) -> None:
        super().__init__(
            f"checksum mismatch for model file {path}: expected sha256 {expected}, got {actual}"
        )
        self.path = path
        self.expected = expected
        self.actual = actual


class SynthesisError(VoiceError):
    """Text-to-speech failed."""

    default_code = "tts_failed"


class DeviceError(VoiceError):
    """No usable audio device (or PortAudio missing)."""

    default_code = "audio_device"
