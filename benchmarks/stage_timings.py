"""Per-stage timings in process: VAD end of turn, STT, screening, responder, filter, TTS."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from benchmarks.corpus import RATE, SpokenUtterance, noise_floor
from benchmarks.stats import summarize
from reflection.events import ReplySentence
from reflection.responders.base import ReplyRequest
from reflection.sentences import SentenceSplitter
from server import assembly
from server.config import Settings
from server.voice_loading import endpointer_config, load_stt, load_tts
from voice.endpointer import Endpointer, UtteranceEnded
from voice.vad import FRAME_SAMPLES, SileroVad

log = logging.getLogger(__name__)
LEAD_S = 1.0


@dataclass
class Samples:
    """Named lists of measurements (milliseconds unless the name says otherwise)."""

    values: dict[str, list[float]] = field(default_factory=dict)

    def add(self, name: str, value: float) -> None:
        """Record one measurement."""
        self.values.setdefault(name, []).append(value)

    def summary(self) -> dict[str, Any]:
        """p50/p95/mean/max of every list."""
        return {name: summarize(values, 3 if "rtf" in name else 1)
                for name, values in self.values.items()}


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def endpoint(
    vad: SileroVad, settings: Settings, spoken: SpokenUtterance, seed: int, samples: Samples
) -> NDArray[np.float32]:
    """Stream one utterance through VAD + endpointer; returns the audio STT would get."""
    config = endpointer_config(settings.vad)
    tail_s = config.end_silence_ms / 1000.0 + 1.0
    audio = np.concatenate([
        noise_floor(LEAD_S, seed), spoken.audio + noise_floor(spoken.duration_s, seed + 1)[
            : len(spoken.audio)], noise_floor(tail_s, seed + 2),
    ])
    speech_end_s = LEAD_S + spoken.duration_s
    endpointer = Endpointer(config, frame_samples=FRAME_SAMPLES, sample_rate=RATE)
    stream = vad.new_stream()
    frames = audio[: len(audio) - len(audio) % FRAME_SAMPLES].reshape(-1, FRAME_SAMPLES)
    for index, frame in enumerate(frames):
        start = time.perf_counter()
        events = endpointer.push(frame, stream.probability(frame))
        elapsed = _ms(start)
        samples.add("vad_frame_ms", elapsed)
        for event in events:
            if isinstance(event, UtteranceEnded):
                samples.add("eot_decision_ms", elapsed)
                # How much audio after the last word the endpointer needed before deciding.
                decided_s = (index + 1) * FRAME_SAMPLES / RATE
                samples.add("eot_lag_after_speech_ms", (decided_s - speech_end_s) * 1000.0)
                return event.audio
    samples.add("eot_missed", 1.0)
    return spoken.audio


def stt_stage(
    settings: Settings, model: str, audios: Sequence[NDArray[np.float32]], samples: Samples
) -> list[str]:
    """Transcribe every utterance with `model` (after one warm-up call); returns the texts."""
    start = time.perf_counter()
    stt = load_stt(settings, model)
    samples.add(f"stt_load_ms[{model}]", _ms(start))
    stt.transcribe(audios[0], language="en")  # warm-up: first call pays lazy initialisation
    texts = []
    for audio in audios:
        start = time.perf_counter()
        transcript = stt.transcribe(audio, language="en")
        elapsed = _ms(start)
        samples.add(f"stt_ms[{model}]", elapsed)
        samples.add(f"stt_rtf[{model}]", elapsed / 1000.0 / (len(audio) / RATE))
        texts.append(transcript.text)
    del stt
    gc.collect()
    return texts


def reflection_stage(
    texts: Sequence[str], samples: Samples, settings: Settings | None = None
) -> list[list[str]]:
    """Screening, responder first sentence, filter, and the engine end to end; returns replies."""
    made = assembly.assemble(settings or Settings(), responder_kind="scripted", probe=False)
    engine = made.engine
    screener, reply_filter = engine.screener, engine.reply_filter
    responder = made.responder
    replies = []
    pairs: list[tuple[str, str]] = []
    for turn, text in enumerate(texts):
        if not text:
            continue
        samples.add("screen_ms", _timed(screener.screen, text, "en"))
        start = time.perf_counter()
        splitter = SentenceSplitter()
        first: list[str] = []
        for piece in responder.stream(ReplyRequest(text=text, language="en", turn_index=turn)):
            first = splitter.feed(piece)
            if first:
                break
        samples.add("responder_first_sentence_ms", _ms(start))
        conversation = engine.new_conversation("en")
        start = time.perf_counter()
        sentences: list[str] = []
        for event in conversation.respond(text, "en"):
            if isinstance(event, ReplySentence):
                if not sentences:
                    samples.add("engine_first_sentence_ms", _ms(start))
                sentences.append(event.text)
        for sentence in sentences:
            samples.add("filter_ms", _timed(reply_filter.check, sentence, lang="en",
                                            client_text=text))
        replies.append(sentences)
        pairs += [(sentence, text) for sentence in sentences]
    # The optional model judge on top of the rules (local fake of Ollama: its own overhead).
    from benchmarks.reply_filter_bench import judged_fake_ms

    for value in judged_fake_ms(pairs):
        samples.add("filter_judged_fake_ms", value)
    return replies


def tts_stage(settings: Settings, replies: Sequence[Sequence[str]], samples: Samples) -> None:
    """Piper time to first audio (first sentence), whole-reply time and real-time factor."""
    start = time.perf_counter()
    tts = load_tts(settings)
    samples.add("tts_load_ms", _ms(start))
    list(tts.synthesize("Hello there."))  # warm-up
    for sentences in replies:
        audio_s = 0.0
        start = time.perf_counter()
        for index, sentence in enumerate(sentences):
            for chunk in tts.synthesize(sentence):
                audio_s += chunk.duration_s
            if index == 0:
                samples.add("tts_first_audio_ms", _ms(start))
        total = _ms(start)
        samples.add("tts_whole_reply_ms", total)
        if audio_s:
            samples.add("tts_rtf", total / 1000.0 / audio_s)
        samples.add("reply_audio_s", audio_s)


def _timed(call: Callable[..., object], *args: Any, **kwargs: Any) -> float:
    start = time.perf_counter()
    call(*args, **kwargs)
    return _ms(start)


def run(
    settings: Settings, corpus: Sequence[SpokenUtterance], models: Sequence[str],
    progress: Callable[[str], None],
) -> dict[str, Any]:
    """Every stage over the corpus; STT once per model (the first model feeds the rest)."""
    samples = Samples()
    vad = SileroVad()
    progress(f"stages: VAD + endpointer over {len(corpus)} utterances")
    audios = [endpoint(vad, settings, spoken, i * 10, samples) for i, spoken in enumerate(corpus)]
    texts: list[str] = []
    for model in models:
        progress(f"stages: STT {model}")
        heard = stt_stage(settings, model, audios, samples)
        texts = texts or heard
    progress("stages: screening, responder, filter")
    replies = reflection_stage(texts, samples, settings)
    progress("stages: TTS")
    tts_stage(settings, replies, samples)
    result = samples.summary()
    result["empty_transcripts"] = sum(1 for text in texts if not text)
    result["end_silence_ms"] = settings.vad.end_silence_ms
    return result
