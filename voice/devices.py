"""Microphone capture and speaker playback with sounddevice (imported lazily: the server
never needs PortAudio)."""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice.audio import pcm16_to_float
from voice.errors import DeviceError
from voice.tts import SpeechChunk


def _sounddevice() -> Any:
    """Import sounddevice only when a device is actually used."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library is missing
        raise DeviceError(f"audio devices unavailable (sounddevice/PortAudio): {exc}") from exc
    return sounddevice


def list_devices() -> list[dict[str, Any]]:
    """The host's audio devices as sounddevice reports them."""
    return [dict(device) for device in _sounddevice().query_devices()]


class Microphone:
    """Mono float32 capture in fixed-size frames (512 samples at 16 kHz suits the VAD)."""

    def __init__(
        self, *, sample_rate: int = 16000, frame_samples: int = 512, device: int | str | None = None
    ) -> None:
        self.sample_rate = sample_rate
        self.frame_samples = frame_samples
        self.device = device
        self._frames: queue.Queue[NDArray[np.float32]] = queue.Queue(maxsize=256)
        self._stream: Any = None

    def __enter__(self) -> Microphone:
        sd = _sounddevice()
        try:
            self._stream = sd.InputStream(
                samplerate=self.sample_rate,
                blocksize=self.frame_samples,
                channels=1,
                dtype="float32",
                device=self.device,
                callback=self._on_audio,
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError has no stable import path
            raise DeviceError(f"cannot open microphone: {exc}") from exc
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None

    def _on_audio(self, data: NDArray[np.float32], frames: int, time: Any, status: Any) -> None:
        # If the consumer fell behind, dropping audio beats blocking the audio thread.
        with contextlib.suppress(queue.Full):
            self._frames.put_nowait(data[:, 0].copy())

    def frames(self, timeout_s: float = 1.0) -> Iterator[NDArray[np.float32]]:
        """Captured frames, in order, until the microphone is closed."""
        while self._stream is not None:
            try:
                yield self._frames.get(timeout=timeout_s)
            except queue.Empty:
                continue


class Speaker:
    """Blocking playback of PCM16 audio."""

    def __init__(self, *, device: int | str | None = None) -> None:
        self.device = device

    def play(self, pcm16: bytes, sample_rate: int) -> None:
        """Play mono PCM16 audio and wait until it has finished."""
        sd = _sounddevice()
        try:
            sd.play(pcm16_to_float(pcm16), samplerate=sample_rate, device=self.device)
            sd.wait()
        except Exception as exc:  # PortAudioError has no stable import path
            raise DeviceError(f"cannot play audio: {exc}") from exc

    def play_chunks(self, chunks: Iterable[SpeechChunk]) -> None:
        """Play each sentence as soon as it arrives."""
        for chunk in chunks:
            self.play(chunk.pcm16, chunk.sample_rate)
