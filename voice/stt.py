"""Speech-to-text with faster-whisper, for utterances the endpointer already cut.

Two decodes: a fast one over a short window (the utterance plus a margin instead of Whisper's
fixed 30 s), and plain faster-whisper (30 s window, its default beam search and temperature
fallback), the reference. The fast result is used only when it is confident and clean; when
it is empty, looped or unsure, the reference decides, so the fast path can cost time but never
words. Noise is dropped only where the reference itself says there was no speech.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice.audio import STT_RATE, check_samples
from voice.errors import VoiceError
from voice.stt_decode import (
    FastDecode,
    RawSegment,
    compression_ratio,
    decode_reference,
    decode_short,
    is_looped,
    words,
)

# Below this RMS (about -60 dBFS) there is nothing to hear; skip the model entirely.
_SILENCE_RMS = 1e-3
_LOOP_REPEATS = 3
_FULL_WINDOW_S = 30.0


class DecodePath(StrEnum):
    """Which decode produced a transcript."""

    NONE = "none"  # silence: no model call
    FAST = "fast"  # the short window, trusted
    REFERENCE = "reference"  # plain faster-whisper (fast path unsure, or not applicable)


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
    # Other plausible readings of the same audio (another decode or beam hypothesis) when
    # the recogniser was unsure; screening checks them too, raise-only.
    alternatives: tuple[str, ...] = ()
    path: DecodePath = DecodePath.REFERENCE
    unsure: bool = False

    @property
    def is_empty(self) -> bool:
        """True when nothing was recognised."""
        return not self.text


@dataclass(frozen=True)
class HallucinationFilter:
    """What counts as noise: the reference decode's own no-speech judgement, and loops."""

    no_speech_threshold: float = 0.6
    log_prob_threshold: float = -1.0
    compression_ratio_threshold: float = 2.4

    def keep(self, segment: TranscriptSegment) -> bool:
        """Whether a reference segment is believable."""
        if not segment.text.strip() or not words(segment.text):
            return False
        if segment.compression_ratio > self.compression_ratio_threshold:
            return False  # still looped after faster-whisper's temperature fallback
        # Whisper's stock fillers on silence ("You", "Thank you.") come with the model's
        # own verdict that nothing was said; real words (measured) stay well below it.
        return segment.no_speech_prob <= self.no_speech_threshold

    def apply(self, segments: list[TranscriptSegment]) -> tuple[TranscriptSegment, ...]:
        """The believable segments, minus any phrase looped three or more times."""
        kept = [seg for seg in segments if self.keep(seg)]
        counts = Counter(seg.text.lower() for seg in kept)
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
        window_margin_s: float | None = 2.0,
        reference_beam_size: int = 5,
        trust_log_prob: float = -0.7,
        unsure_log_prob: float = -0.5,
        reference_languages: Collection[str] = (),
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
        # Whisper pads every input to a 30 s window and the encoder's cost is that window;
        # encoding just the utterance plus this much silence is several times faster for
        # the same words (None = always the reference decode).
        self.window_margin_s = window_margin_s
        self.reference_beam_size = reference_beam_size
        # A fast decode below this mean token log-probability is re-decoded by the reference.
        self.trust_log_prob = trust_log_prob
        # Below this the transcript is "unsure" and carries alternatives for screening.
        self.unsure_log_prob = unsure_log_prob
        # Languages where this model's short window was measured less accurate than the
        # reference (`reflect bench --accuracy`): they always take the reference decode.
        self.reference_languages = frozenset(reference_languages)
        self.filter = HallucinationFilter(
            no_speech_threshold, log_prob_threshold, compression_ratio_threshold
        )

    @property
    def multilingual(self) -> bool:
        """False for English-only (".en") models."""
        return bool(self._model.model.is_multilingual)

    def transcribe(
        self, samples_16k: NDArray[np.float32], *, language: str | None = None,
        beam_size: int | None = None,
    ) -> Transcript:
        """Transcribe mono 16 kHz float audio; `language=None` detects it (multilingual).

        `beam_size` overrides the fast decode's beam (e.g. wider while the client pauses).
        """
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
            return Transcript("", language or "", (), 0.0, duration, path=DecodePath.NONE)
        fast: FastDecode | None = None
        margin = self.window_margin_s
        if margin is not None and self.tries_fast(language, duration):
            assert language is not None
            fast = decode_short(self._model, audio, language=language, duration=duration,
                                margin_s=margin, beam_size=beam_size or self.beam_size)
            if self.trusted(fast):
                return self._from_fast(fast, language, duration)
        return self.reference(audio, language=language, fast=fast)

    def tries_fast(self, language: str | None, duration_s: float) -> bool:
        """Whether the short window is worth a try (else the reference decodes at once)."""
        margin = self.window_margin_s
        return (language is not None and language not in self.reference_languages
                and margin is not None and duration_s + margin < _FULL_WINDOW_S)

    def reference(self, samples_16k: NDArray[np.float32], *, language: str | None = None,
                  fast: FastDecode | None = None) -> Transcript:
        """Plain faster-whisper's reading, noise dropped; `fast` (if any) may be an alternative."""
        audio = check_samples(samples_16k)
        duration = len(audio) / STT_RATE
        raw, detected = decode_reference(self._model, audio, language=language,
                                         beam_size=self.reference_beam_size)
        decoded = [_segment(seg) for seg in raw]
        kept = self.filter.apply(decoded)
        text = " ".join(seg.text for seg in kept).strip()
        confidence = _confidence(kept)
        alternatives: tuple[str, ...] = ()
        if fast is not None and fast.text and not fast.looped and words(fast.text) != words(text):
            alternatives = (fast.text,)  # the two decodes disagree: screen both
        unsure = bool(alternatives) or (bool(kept) and min(
            seg.avg_logprob for seg in kept) < self.unsure_log_prob)
        return Transcript(
            text=text, language=detected, segments=kept, confidence=confidence,
            duration_s=duration, dropped_segments=len(decoded) - len(kept),
            alternatives=alternatives, path=DecodePath.REFERENCE, unsure=unsure,
        )

    def trusted(self, fast: FastDecode, trust_log_prob: float | None = None) -> bool:
        """Clean, confident speech: the only fast output used without the reference."""
        floor = self.trust_log_prob if trust_log_prob is None else trust_log_prob
        return (bool(words(fast.text)) and not fast.looped and fast.avg_logprob >= floor
                and fast.no_speech_prob <= self.filter.no_speech_threshold)

    def fast_decode(self, samples_16k: NDArray[np.float32], *, language: str,
                    beam_size: int | None = None) -> FastDecode:
        """Only the short-window decode (for the accuracy benchmark)."""
        audio = check_samples(samples_16k)
        return decode_short(self._model, audio, language=language,
                            duration=len(audio) / STT_RATE, margin_s=self.window_margin_s or 2.0,
                            beam_size=beam_size or self.beam_size)

    def plain(self, samples_16k: NDArray[np.float32], *, language: str | None
              ) -> list[TranscriptSegment]:
        """Plain faster-whisper's segments, unfiltered (the benchmark's reference)."""
        raw, _ = decode_reference(self._model, check_samples(samples_16k), language=language,
                                  beam_size=self.reference_beam_size)
        return [_segment(seg) for seg in raw]

    def _from_fast(self, fast: FastDecode, language: str, duration: float) -> Transcript:
        segment = TranscriptSegment(
            start=0.0, end=duration, text=fast.text, avg_logprob=fast.avg_logprob,
            no_speech_prob=fast.no_speech_prob, compression_ratio=compression_ratio(fast.text),
        )
        unsure = fast.avg_logprob < self.unsure_log_prob
        others = tuple(t for t in fast.others if words(t) != words(fast.text) and not is_looped(t))
        return Transcript(
            text=fast.text, language=language, segments=(segment,),
            confidence=_confidence((segment,)), duration_s=duration,
            alternatives=others if unsure else (), path=DecodePath.FAST, unsure=unsure,
        )


def _segment(raw: RawSegment) -> TranscriptSegment:
    return TranscriptSegment(raw.start, raw.end, raw.text, raw.avg_logprob,
                             raw.no_speech_prob, raw.compression_ratio)


def _confidence(segments: tuple[TranscriptSegment, ...]) -> float:
    """Duration-weighted mean token probability, 0..1."""
    if not segments:
        return 0.0
    weights = [max(seg.end - seg.start, 0.01) for seg in segments]
    total = sum(w * math.exp(seg.avg_logprob) for w, seg in zip(weights, segments, strict=True))
    return round(total / sum(weights), 4)
