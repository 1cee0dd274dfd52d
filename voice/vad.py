"""Silero VAD v6 (the ONNX model shipped in faster_whisper/assets) with per-stream state."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from voice.errors import AudioFormatError
from voice.onnx_session import cpu_session

FRAME_SAMPLES = 512  # 32 ms at 16 kHz: the only window size the v6 model accepts
VAD_RATE = 16000
_CONTEXT_SAMPLES = 64  # the model sees the previous frame's tail in front of each frame
_STATE_SHAPE = (1, 1, 128)


def default_vad_model_path() -> Path:
    """The Silero VAD model file that ships inside faster-whisper."""
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / "silero_vad_v6.onnx"


class SileroVad:
    """One loaded Silero VAD model; create a `VadStream` per audio stream."""

    def __init__(self, model_path: Path | None = None, *, threads: int = 1) -> None:
        path = model_path or default_vad_model_path()
        self.model_path = path
        self._session = cpu_session(path, threads=threads, what="Silero VAD")

    def new_stream(self) -> VadStream:
        """Fresh recurrent state for one audio stream (one kiosk, one file)."""
        return VadStream(self)

    def run_frame(
        self,
        frame_with_context: NDArray[np.float32],
        h: NDArray[np.float32],
        c: NDArray[np.float32],
    ) -> tuple[float, NDArray[np.float32], NDArray[np.float32]]:
        """One model step; thread-safe (onnxruntime sessions may be shared)."""
        probs, h_next, c_next = self._session.run(
            None, {"input": frame_with_context[np.newaxis, :], "h": h, "c": c}
        )
        return float(np.asarray(probs).reshape(-1)[0]), h_next, c_next


class VadStream:
    """Speech probability per 512-sample frame, carrying the model state between frames."""

    def __init__(self, vad: SileroVad) -> None:
        self._vad = vad
        self.reset()

    def reset(self) -> None:
        """Forget everything heard so far."""
        self._h = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(_STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(_CONTEXT_SAMPLES, dtype=np.float32)

    def probability(self, frame: NDArray[np.float32]) -> float:
        """Speech probability of one 512-sample, 16 kHz float frame."""
        samples = np.asarray(frame, dtype=np.float32)
        if samples.shape != (FRAME_SAMPLES,):
            raise AudioFormatError(
                f"VAD frames must be {FRAME_SAMPLES} samples, got {samples.shape}",
                code="vad_frame_size",
            )
        window = np.concatenate([self._context, samples])
        prob, self._h, self._c = self._vad.run_frame(window, self._h, self._c)
        self._context = samples[-_CONTEXT_SAMPLES:].copy()
        return prob

    def probabilities(self, samples: NDArray[np.float32]) -> list[float]:
        """Probabilities for consecutive frames of a buffer (the tail is zero-padded)."""
        return [self.probability(frame) for frame in frames_of(samples)]


def frames_of(samples: NDArray[np.float32], size: int = FRAME_SAMPLES) -> list[NDArray[np.float32]]:
    """Split mono audio into `size`-sample frames, zero-padding the last one."""
    array = np.asarray(samples, dtype=np.float32)
    if array.size % size:
        array = np.pad(array, (0, size - array.size % size))
    return list(array.reshape(-1, size))
