"""Speech-to-text with faster-whisper, for utterances the endpointer already cut."""

from __future__ import annotations

import math
import re
import zlib
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
_MEL_FRAMES_PER_S = 100
_FULL_WINDOW_S = 30.0
_SILENT_MEL = -1.5  # Whisper's normalised log-mel of digital silence
_MIN_TOKENS, _MAX_TOKENS_PER_S = 12, 10
_MAX_INITIAL_TIMESTAMP = 50  # 1 s, as faster-whisper allows


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
        window_margin_s: float | None = 2.0,
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
        # the same words (None = always the full window).
        self.window_margin_s = window_margin_s
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
        if language is not None and self._fits_short_window(duration):
            short = self._transcribe_short(audio, language, duration)
            if short is not None:
                return short  # else it looped: the full window decodes it the standard way
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


    def _fits_short_window(self, duration: float) -> bool:
        margin = self.window_margin_s
        return margin is not None and duration + margin < _FULL_WINDOW_S

    def _transcribe_short(self, audio: NDArray[np.float32], language: str, duration: float
                          ) -> Transcript | None:
        """One greedy decode over the utterance plus a margin; None when it looks looped."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        model = self._model
        features = model.feature_extractor(audio)
        frames = math.ceil(duration + (self.window_margin_s or 0.0)) * _MEL_FRAMES_PER_S
        have = min(frames, features.shape[-1])
        # Padded the way Whisper saw silence in training (log-mel of zeros), not with zeros.
        silence = np.full((features.shape[0], frames - have), _SILENT_MEL, dtype=np.float32)
        window = np.concatenate([features[:, :have], silence], axis=1)
        tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                              task="transcribe", language=language)
        # Timestamp tokens let the model mark where speech ends; without them it tends to
        # repeat itself into the silence of a short window, worst in noise.
        prompt = model.get_prompt(tokenizer, [], without_timestamps=False)
        # Far more tokens than anyone speaks in that time: reaching it means a loop.
        budget = _MIN_TOKENS + math.ceil(duration * _MAX_TOKENS_PER_S)
        try:
            result = model.model.generate(
                model.encode(window), [prompt], beam_size=self.beam_size,
                max_length=min(len(prompt) + budget, model.max_length), return_scores=True,
                return_no_speech_prob=True, suppress_blank=True,
                suppress_tokens=get_suppressed_tokens(tokenizer, (-1,)),
                max_initial_timestamp_index=_MAX_INITIAL_TIMESTAMP,
            )[0]
        except (RuntimeError, ValueError) as exc:
            raise VoiceError(f"transcription failed: {exc}", code="stt_failed") from exc
        tokens = result.sequences_ids[0]
        text = str(tokenizer.decode([t for t in tokens if t < tokenizer.eot])).strip()
        segment = TranscriptSegment(
            start=0.0, end=duration, text=text,
            # The score is the length-normalised log-probability (length penalty 1).
            avg_logprob=float(result.scores[0]) * len(tokens) / (len(tokens) + 1),
            no_speech_prob=float(result.no_speech_prob),
            compression_ratio=_compression_ratio(text),
        )
        looped = segment.compression_ratio > self.filter.compression_ratio_threshold
        if looped or len(tokens) >= budget or _repeats_a_sentence(text):
            return None
        kept = self.filter.apply([segment])
        return Transcript(
            text=" ".join(seg.text for seg in kept).strip(), language=language, segments=kept,
            confidence=_confidence(kept), duration_s=duration, dropped_segments=1 - len(kept),
        )


def _repeats_a_sentence(text: str) -> bool:
    """Whether one sentence comes twice: a short window's typical loop (rare in real talk,
    and then the full-window decode only costs time)."""
    sentences = [part.strip(" ,").lower() for part in re.split(r"[.!?]+", text)]
    said = [part for part in sentences if len(part.split()) >= 3]
    return len(set(said)) < len(said)


def _compression_ratio(text: str) -> float:
    """How well the text compresses; loops of one phrase compress far too well."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


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
