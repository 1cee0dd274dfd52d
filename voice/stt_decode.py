"""The two Whisper decodes: a short-window fast one and plain faster-whisper (the reference)."""

from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from voice.errors import VoiceError

_MEL_FRAMES_PER_S = 100
_SILENT_MEL = -1.5  # Whisper's normalised log-mel of digital silence
_MIN_TOKENS, _MAX_TOKENS_PER_S = 12, 10
_MAX_INITIAL_TIMESTAMP = 50  # 1 s, as faster-whisper allows
_LOOP_REPEATS = 3
_MAX_NGRAM = 8


@dataclass(frozen=True)
class FastDecode:
    """The short window's best hypothesis (and the beam's others, best first)."""

    text: str
    avg_logprob: float
    no_speech_prob: float
    hit_budget: bool
    others: tuple[str, ...] = ()

    @property
    def looped(self) -> bool:
        """Whether the decode ran away (token budget reached or repeated phrases)."""
        return self.hit_budget or is_looped(self.text)


@dataclass(frozen=True)
class RawSegment:
    """A reference segment as faster-whisper returned it."""

    start: float
    end: float
    text: str
    avg_logprob: float
    no_speech_prob: float
    compression_ratio: float


def decode_short(model: Any, audio: NDArray[np.float32], *, language: str, duration: float,
                 margin_s: float, beam_size: int) -> FastDecode:
    """One decode over the utterance plus `margin_s` of silence instead of a 30 s window."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    features = model.feature_extractor(audio)
    frames = math.ceil(duration + margin_s) * _MEL_FRAMES_PER_S
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
            model.encode(window), [prompt], beam_size=beam_size,
            num_hypotheses=min(beam_size, 3),
            max_length=min(len(prompt) + budget, model.max_length), return_scores=True,
            return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=get_suppressed_tokens(tokenizer, (-1,)),
            max_initial_timestamp_index=_MAX_INITIAL_TIMESTAMP,
        )[0]
    except (RuntimeError, ValueError) as exc:
        raise VoiceError(f"transcription failed: {exc}", code="stt_failed") from exc
    texts = [str(tokenizer.decode([t for t in ids if t < tokenizer.eot])).strip()
             for ids in result.sequences_ids]
    tokens = result.sequences_ids[0]
    return FastDecode(
        text=texts[0],
        # The score is the length-normalised log-probability (length penalty 1).
        avg_logprob=float(result.scores[0]) * len(tokens) / (len(tokens) + 1),
        no_speech_prob=float(result.no_speech_prob),
        hit_budget=len(tokens) >= budget,
        others=tuple(text for text in texts[1:] if text and text != texts[0]),
    )


def decode_reference(model: Any, audio: NDArray[np.float32], *, language: str | None,
                     beam_size: int) -> tuple[list[RawSegment], str]:
    """Plain faster-whisper: the 30 s window and its default decode (temperature fallback)."""
    try:
        raw, info = model.transcribe(audio, language=language, beam_size=beam_size)
        segments = [RawSegment(float(s.start), float(s.end), str(s.text).strip(),
                               float(s.avg_logprob), float(s.no_speech_prob),
                               float(s.compression_ratio)) for s in raw]
    except (RuntimeError, ValueError) as exc:
        raise VoiceError(f"transcription failed: {exc}", code="stt_failed") from exc
    return segments, str(info.language)


def words(text: str) -> list[str]:
    """Lower-case words without punctuation (for loop checks and comparisons)."""
    return re.sub(r"[^\w\s']", " ", text.lower()).split()


def is_looped(text: str) -> bool:
    """Whether a phrase of 1-8 words comes three times in a row, or a sentence twice."""
    said = words(text)
    for size in range(1, _MAX_NGRAM + 1):
        span = size * _LOOP_REPEATS
        for start in range(len(said) - span + 1):
            gram = said[start:start + size]
            if all(said[start + k * size:start + (k + 1) * size] == gram
                   for k in range(1, _LOOP_REPEATS)):
                return True
    sentences = [" ".join(words(part)) for part in re.split(r"[.!?]+", text)]
    long_ones = [part for part in sentences if len(part.split()) >= 3]
    return len(set(long_ones)) < len(long_ones) or compression_ratio(text) > 2.4


def compression_ratio(text: str) -> float:
    """How well the text compresses; loops of one phrase compress far too well."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0
