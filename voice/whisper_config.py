"""How a faster-whisper model is run: one field per `WhisperStt` keyword argument.

The server's `[stt]` settings section is this type plus which models to load, so a setting
reaches the recogniser without a second list of fields to keep in step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from voice.stt import WhisperStt


@dataclass(frozen=True)
class WhisperConfig:
    """WhisperStt's tuning (see `voice.stt.WhisperStt` for what each does)."""

    device: str = "cpu"
    compute_type: str = "int8"
    cpu_threads: int = 0  # 0 lets CTranslate2 decide
    beam_size: int = 1
    no_speech_threshold: float = 0.6
    # Segments below this mean token log-probability (and above this compression ratio)
    # are treated as hallucinated and dropped.
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4
    # Encode only the utterance plus this much padding instead of Whisper's fixed 30 s window
    # (several times faster). Its output is used only when confident and clean; otherwise
    # plain faster-whisper (30 s window, `reference_beam_size`) decides. None = always the
    # reference.
    window_margin_s: float | None = 2.0
    reference_beam_size: int = 5
    # A fast decode below this mean token log-probability goes to the reference decode
    # (chosen with `reflect bench accuracy`, docs/performance.md "Speech accuracy").
    trust_log_prob: float = -0.7
    # Below this, a transcript is "unsure": screening also checks its other readings.
    unsure_log_prob: float = -0.5
    # Languages this model always decodes with the reference (its short window measured less
    # accurate there); the server fills it from `stt.reference_only`.
    reference_languages: tuple[str, ...] = ()

    def load(self, model_dir: Path | str) -> WhisperStt:
        """The model in `model_dir`, run this way (blocking: it loads the model)."""
        return WhisperStt(model_dir, **asdict(self))
