"""One way to open a small ONNX model on the CPU (Silero VAD, Smart Turn)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from voice.errors import ModelNotFoundError


def cpu_session(path: Path, *, threads: int, what: str) -> Any:
    """An onnxruntime session on `path`; one inter-op thread, since many streams share 2 cores."""
    import onnxruntime

    if not path.is_file():
        raise ModelNotFoundError(f"{what} model not found at {path}")
    options = onnxruntime.SessionOptions()
    options.inter_op_num_threads = 1
    options.intra_op_num_threads = threads
    options.log_severity_level = 4
    return onnxruntime.InferenceSession(
        str(path), providers=["CPUExecutionProvider"], sess_options=options
    )
