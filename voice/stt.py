"""Speech-to-text with faster-whisper, for utterances the endpointer already cut."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice.audio import STT_RATE, check_samples
from voice.errors import VoiceError

# Below this RMS (about -60 dBFS) there is nothing to hear; skip the model entirely.
_SILENCE_RMS = 1e-3
_LOOP_REPEATS = 3


@dataclass(frozen=True)
class TranscriptSegment:
    """One decoded segment with its timing (seconds from the start of the audio)."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


@dataclass(frozen=True)
class Transcript:
    """What was said; empty text means nothing (trustworthy) was heard."""

    text: str
    language: str
    segments: tuple[TranscriptSegment, ...]
    confidence: float
    duration_s: float
    dropped_segments: int = 0

    @property
    def is_empty(self) -> bool:
        """True when nothing was recognised."""
        return not self.text


@dataclass(frozen=True)
class HallucinationFilter:
    """Limits beyond which a segment is treated as made up rather than heard."""

    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4

    def keep(self, segment: TranscriptSegment) -> bool:
        """Whether a decoded segment is believable."""
        if not segment.text.strip():
            return False
        if segment.compression_ratio > self.compression_ratio_threshold:
            return False  # repetition loops
        if segment.no_speech_prob > self.no_speech_threshold:
            return False  # the model itself thinks there was no speech
        # Uncertain text that the model also half-suspects is silence: noise, not words.
        return not (segment.avg_logprob < self.log_prob_threshold and segment.no_speech_prob > 0.2)


    def apply(self, segments: list[TranscriptSegment]) -> tuple[TranscriptSegment, ...]:
        """The believable segments, minus any phrase looped three or more times."""
        kept = [seg for seg in segments if self.keep(seg)]
        counts = Counter(seg.text.lower() for seg in kept)
        # Whisper fills noise with one stock phrase over and over; real talk rarely loops.
        return tuple(seg for seg in kept if counts[seg.text.lower()] < _LOOP_REPEATS)


class WhisperStt:
    """One loaded faster-whisper model; `transcribe` blocks, so call it from a worker thread."""

    def __init__(
        self,
        model_dir: Path | str,
        *,
        device: str = "cpu",
        compute_type: str = "int8",
        cpu_threads: int = 0,
        beam_size: int = 1,
        no_speech_threshold: float = 0.6,
        log_prob_threshold: float = -1.0,
        compression_ratio_threshold: float = 2.4,
    ) -> None:
        from faster_whisper import WhisperModel

        # A resolved directory never touches the network; only a bare name may be looked up.
        self._model: Any = WhisperModel(
            str(model_dir),
            device=device,
            compute_type=compute_type,
            cpu_threads=cpu_threads,
            local_files_only=isinstance(model_dir, Path),
        )
        self.model_dir = model_dir
        self.beam_size = beam_size
        self.filter = HallucinationFilter(
            no_speech_threshold, log_prob_threshold, compression_ratio_threshold
        )

    @property
    def multilingual(self) -> bool:
        """False for English-only (".en") models."""
        return bool(self._model.model.is_multilingual)

    def transcribe(
        self, samples_16k: NDArray[np.float32], *, language: str | None = None
    ) -> Transcript:
        """Transcribe mono 16 kHz float audio; `language=None` detects it (multilingual)."""
        audio = check_samples(samples_16k)
        duration = len(audio) / STT_RATE
        if not self.multilingual:
            if language not in (None, "en"):
                raise VoiceError(
                    f"this English-only model cannot transcribe language {language!r}",
                    code="stt_language_unsupported",
                )
            language = "en"
        if audio.size == 0 or float(np.sqrt(np.mean(audio**2))) < _SILENCE_RMS:
            return Transcript("", language or "", (), 0.0, duration)
        try:
            raw_segments, info = self._model.transcribe(
                audio,
                language=language,
                beam_size=self.beam_size,
                temperature=0.0,
                # Utterances are already endpointed; conditioning only feeds loops.
                condition_on_previous_text=False,
                vad_filter=False,
                without_timestamps=False,
                no_speech_threshold=self.filter.no_speech_threshold,
                log_prob_threshold=self.filter.log_prob_threshold,
                compression_ratio_threshold=self.filter.compression_ratio_threshold,
            )
            decoded = [_segment(raw) for raw in raw_segments]
        except (RuntimeError, ValueError) as exc:
            raise VoiceError(f"transcription failed: {exc}", code="stt_failed") from exc
        kept = self.filter.apply(decoded)
        text = " ".join(seg.text for seg in kept).strip()
        return Transcript(
            text=text,
            language=str(info.language),
            segments=kept,
            confidence=_confidence(kept),
            duration_s=duration,
            dropped_segments=len(decoded) - len(kept),
        )


def _segment(raw: Any) -> TranscriptSegment:
    return TranscriptSegment(
        start=float(raw.start),
        end=float(raw.end),
        text=str(raw.text).strip(),
        avg_logprob=float(raw.avg_logprob),
        no_speech_prob=float(raw.no_speech_prob),
        compression_ratio=float(raw.compression_ratio),
    )


def _confidence(segments: tuple[TranscriptSegment, ...]) -> float:
    """Duration-weighted mean token probability, 0..1."""
    if not segments:
        return 0.0
    weights = [max(seg.end - seg.start, 0.01) for seg in segments]
    total = sum(w * math.exp(seg.avg_logprob) for w, seg in zip(weights, segments, strict=True))
    return round(total / sum(weights), 4)
