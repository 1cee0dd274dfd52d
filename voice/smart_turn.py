"""Smart Turn v3.2: an audio model of whether the speaker has finished their turn."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice.errors import AudioFormatError, ModelNotFoundError
from voice.onnx_session import cpu_session

SMART_TURN_RATE = 16000
# The model sees the last 8 s; shorter audio is padded with silence in front (as trained).
WINDOW_SAMPLES = 8 * SMART_TURN_RATE
SMART_TURN_FILE = "smart-turn-v3.2-cpu.onnx"
# Where the file sits inside the pipecat-ai wheel (installed without its dependencies).
_PIPECAT_DATA = ("audio", "turn", "smart_turn", "data")
_NORM_EPS = 1e-7


def default_smart_turn_path() -> Path:
    """The Smart Turn v3.2 ONNX file shipped in the pipecat-ai wheel (never imported)."""
    import importlib.util

    # find_spec on the top-level name does not run pipecat's __init__ (which needs its deps).
    spec = importlib.util.find_spec("pipecat")
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            "Smart Turn model not found: install pipecat-ai (scripts/lib.sh does, without deps)"
        )
    return Path(next(iter(spec.submodule_search_locations))).joinpath(
        *_PIPECAT_DATA, SMART_TURN_FILE
    )


def window_of(audio: NDArray[np.float32]) -> NDArray[np.float32]:
    """The last 8 s of `audio`, front-padded with zeros to exactly 8 s."""
    samples = np.asarray(audio, dtype=np.float32).reshape(-1)
    if samples.size >= WINDOW_SAMPLES:
        return samples[-WINDOW_SAMPLES:]
    return np.pad(samples, (WINDOW_SAMPLES - samples.size, 0))


class SmartTurnModel:
    """One loaded Smart Turn model; `probability` is thread-safe."""

    def __init__(self, model_path: Path | None = None, *, threads: int = 1) -> None:
        from faster_whisper.feature_extractor import FeatureExtractor

        path = model_path or default_smart_turn_path()
        self.model_path = path
        self._session = cpu_session(path, threads=threads, what="Smart Turn")
        # The same Whisper log-mel features the model was trained on (80 mels, 8 s window).
        self._features = FeatureExtractor(feature_size=80, chunk_length=8)
        self._lock = threading.Lock()  # the extractor keeps per-call attributes

    def features(self, audio: NDArray[np.float32]) -> NDArray[np.float32]:
        """(1, 80, 800) log-mel input for the last 8 s of 16 kHz mono `audio`."""
        window = window_of(audio)
        # Zero-mean, unit-variance waveform first, as the model's training pipeline did.
        window = (window - window.mean()) / np.sqrt(window.var() + _NORM_EPS)
        with self._lock:
            mel: Any = self._features(window.astype(np.float32), padding=0)
        return np.asarray(mel, dtype=np.float32)[np.newaxis, :, :]

    def probability(self, audio: NDArray[np.float32]) -> float:
        """Probability (0-1) that the speaker finished their turn at the end of `audio`."""
        if np.asarray(audio).ndim != 1:
            raise AudioFormatError("Smart Turn takes mono audio", code="smart_turn_audio")
        outputs = self._session.run(None, {"input_features": self.features(audio)})
        return float(np.asarray(outputs[0]).reshape(-1)[0])
