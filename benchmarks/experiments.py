"""Before/after evidence for proposed fixes, measured on the same corpus and machine.

`stt_window`: faster-whisper pads every utterance to a 30 s window, and the encoder's cost is
that window, not the speech (tiny.en on 2 cores: ~470 ms of encoder per call). CTranslate2's
Whisper encoder accepts shorter mel inputs (whisper.cpp calls this `audio_ctx`), so encoding
only the utterance plus a margin cuts STT time several-fold; the word error rate shows that
accuracy holds. voice/stt.py adopted the short window after this measurement; the experiment
keeps comparing plain faster-whisper with a minimal short-window decoder so regressions in
either show up.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.corpus import RATE, SpokenUtterance
from benchmarks.stats import summarize
from server.config import Settings
from server.voice_loading import model_cache_dir
from voice.model_store import resolve_whisper_model

FRAMES_PER_S = 100  # Whisper mel frames (10 ms hop)
FULL_WINDOW_FRAMES = 3000


def words(text: str) -> list[str]:
    """Lower-case words without punctuation, for word error rates."""
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower().replace("-", " ")).split()


def word_errors(reference: Sequence[str], hypothesis: Sequence[str]) -> int:
    """Levenshtein distance between two word sequences (substitutions, insertions, deletions)."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        current = [i]
        for j, hyp in enumerate(hypothesis, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ref != hyp)))
        previous = current
    return previous[-1]


def word_error_rate(references: Sequence[str], hypotheses: Sequence[str]) -> float:
    """Corpus WER: total word errors over total reference words."""
    errors = sum(word_errors(words(r), words(h)) for r, h in zip(references, hypotheses,
                                                                  strict=True))
    total = sum(len(words(r)) for r in references)
    return round(errors / total, 3) if total else 0.0


def window_frames(samples: int, margin_s: float = 1.0, quantum: int = 100) -> int:
    """Mel frames to encode for an utterance: its length plus a margin, rounded up, <= 30 s."""
    needed = samples * FRAMES_PER_S // RATE + 1 + round(margin_s * FRAMES_PER_S)
    return int(min(FULL_WINDOW_FRAMES, -(-needed // quantum) * quantum))


class ShortWindowWhisper:
    """A prototype of the fix: encode only the utterance's frames, decode without timestamps."""

    def __init__(self, model: Any) -> None:
        from faster_whisper.tokenizer import Tokenizer

        self.model = model
        self.tokenizer = Tokenizer(model.hf_tokenizer, model.model.is_multilingual,
                                   task="transcribe", language="en")
        # Log-mel of silence: what the padding frames would have held.
        self.silence = model.feature_extractor(np.zeros(RATE * 30, dtype=np.float32))

    def transcribe(self, audio: NDArray[np.float32]) -> str:
        """English text of one endpointed utterance."""
        import ctranslate2

        features = self.model.feature_extractor(audio)
        frames = window_frames(len(audio))
        have = min(frames, features.shape[-1])
        window = np.concatenate([features[:, :have], self.silence[:, : frames - have]], axis=1)
        encoded = self.model.model.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(window[np.newaxis])))
        prompt = [*self.tokenizer.sot_sequence, self.tokenizer.no_timestamps]
        result = self.model.model.generate(encoded, [prompt], beam_size=1, max_length=224,
                                           suppress_blank=True, suppress_tokens=[-1])[0]
        return str(self.tokenizer.decode(result.sequences_ids[0])).strip()


def stt_window(
    settings: Settings, model_name: str, corpus: Sequence[SpokenUtterance]
) -> dict[str, Any]:
    """Standard faster-whisper vs the short-window prototype: ms, real-time factor, WER."""
    from faster_whisper import WhisperModel

    stt = settings.stt
    model_dir = resolve_whisper_model(model_name, cache_dir=model_cache_dir(settings),
                                      verify=stt.verify_checksums)
    model = WhisperModel(str(model_dir), device=stt.device, compute_type=stt.compute_type,
                         cpu_threads=stt.cpu_threads, local_files_only=True)
    short = ShortWindowWhisper(model)

    def standard(audio: NDArray[np.float32]) -> str:
        segments, _ = model.transcribe(
            audio, language="en", beam_size=stt.beam_size, temperature=0.0,
            condition_on_previous_text=False, vad_filter=False)
        return " ".join(segment.text.strip() for segment in segments)

    out: dict[str, Any] = {}
    for name, call in (("standard_30s_window", standard), ("short_window", short.transcribe)):
        call(corpus[0].audio)  # warm-up
        times, texts = [], []
        for spoken in corpus:
            started = time.perf_counter()
            texts.append(call(spoken.audio))
            times.append(time.perf_counter() - started)
        out[name] = {
            "ms": summarize(t * 1000.0 for t in times),
            "rtf": summarize((t / s.duration_s for t, s in zip(times, corpus, strict=True)), 3),
            "wer": word_error_rate([s.text for s in corpus], texts),
        }
    return out
