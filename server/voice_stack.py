"""Adapters from the voice package's models to the server's stage interfaces, loaded once."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from server.config import Settings
from server.speech import Heard, Voiced
from server.speech_cache import FixedPhrase, SpeechCache, cache_key
from server.voice_loading import load_smart_turn, load_stt, load_tts
from voice.errors import VoiceError
from voice.smart_turn import SmartTurnModel
from voice.stt import WhisperStt
from voice.tts import EspeakTts, PiperTts, SpeechSynthesizer
from voice.vad import SileroVad

log = logging.getLogger(__name__)


@dataclass
class VoiceStack:
    """Every loaded speech model; the multilingual STT loads on first non-English use."""

    settings: Settings
    vad: SileroVad
    english_stt: WhisperStt
    english_tts: SpeechSynthesizer
    spanish_tts: SpeechSynthesizer | None
    smart_turn: SmartTurnModel | None = None
    load_ms: dict[str, float] = field(default_factory=dict)
    # Audio of the fixed content sentences, shared by every kiosk.
    phrases: SpeechCache = field(default_factory=SpeechCache)
    _multilingual: WhisperStt | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(cls, settings: Settings) -> VoiceStack:
        """Load (and checksum) the configured models; blocking."""
        timings: dict[str, float] = {}
        start = time.perf_counter()
        vad = SileroVad()
        timings["vad"] = _ms(start)
        start = time.perf_counter()
        english = load_stt(settings)
        timings["stt"] = _ms(start)
        start = time.perf_counter()
        tts = load_tts(settings)
        timings["tts"] = _ms(start)
        spanish: SpeechSynthesizer | None
        try:
            spanish = load_tts(settings, lang="es")
        except VoiceError as exc:
            log.warning("no Spanish voice available (%s); Spanish replies are text only", exc.code)
            spanish = None
        start = time.perf_counter()
        smart_turn = load_smart_turn(settings)
        timings["smart_turn"] = _ms(start)
        phrases = SpeechCache(max_bytes=round(settings.tts.phrase_cache_mb * 1024 * 1024))
        return cls(settings, vad, english, tts, spanish, smart_turn, timings, phrases)

    def warm(self) -> None:
        """Run each model once so the first client does not pay for lazy initialisation."""
        start = time.perf_counter()
        rng = np.random.default_rng(0)
        self.english_stt.transcribe((rng.standard_normal(16000) * 0.01).astype(np.float32))
        list(self.english_tts.synthesize("Hello."))
        self.vad.new_stream().probability(np.zeros(512, dtype=np.float32))
        if self.smart_turn is not None:
            self.smart_turn.probability(np.zeros(16000, dtype=np.float32))
        self.load_ms["warmup"] = _ms(start)

    def transcriber(self) -> Transcribing:
        """The Transcriber stage for a kiosk."""
        return Transcribing(self)

    def speaker(self) -> Speaking:
        """The Speaker stage for a kiosk."""
        return Speaking(self)

    def stt_for(self, lang: str | None) -> WhisperStt:
        """English model for English; the multilingual one otherwise (loaded once, lazily)."""
        if lang == "en":
            return self.english_stt
        with self._lock:
            if self._multilingual is None:
                start = time.perf_counter()
                self._multilingual = load_stt(self.settings, self.settings.stt.multilingual_model)
                self.load_ms["stt_multilingual"] = _ms(start)
            return self._multilingual

    def status(self) -> dict[str, Any]:
        """For /health."""
        return {
            "stt": str(self.english_stt.model_dir),
            "stt_multilingual_loaded": self._multilingual is not None,
            "tts": (
                self.english_tts.voice_files.onnx.name
                if isinstance(self.english_tts, PiperTts)
                else type(self.english_tts).__name__
            ),
            "tts_spanish": type(self.spanish_tts).__name__ if self.spanish_tts else None,
            "phrase_cache": {"entries": len(self.phrases), "hits": self.phrases.hits},
            "load_ms": {k: round(v) for k, v in self.load_ms.items()},
        }


class Transcribing:
    """Transcriber stage over the loaded Whisper models."""

    def __init__(self, stack: VoiceStack) -> None:
        self.stack = stack

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        """Blocking; `lang` None or "auto" means detect (multilingual model)."""
        wanted = None if lang in (None, "", "auto") else lang
        model = self.stack.stt_for(wanted)
        transcript = model.transcribe(samples, language=wanted)
        # Unsure speech without another reading still gets its confusable words checked.
        unsure = (transcript.text,) if transcript.unsure and transcript.text else ()
        return Heard(
            text=transcript.text, lang=transcript.language or (wanted or "en"),
            confidence=transcript.confidence, alternatives=transcript.alternatives or unsure,
        )


class Speaking:
    """Speaker stage: Piper for English, the Spanish voice (or espeak-ng) for Spanish."""

    def __init__(self, stack: VoiceStack) -> None:
        self.stack = stack

    def _synth(self, lang: str) -> SpeechSynthesizer:
        if lang.startswith("es") and self.stack.spanish_tts is not None:
            return self.stack.spanish_tts
        return self.stack.english_tts

    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        """Blocking: the whole sentence's audio."""
        synth = self._synth(lang)
        volume = self.stack.settings.tts.volume
        parts = [chunk.pcm16 for chunk in synth.synthesize(text, rate=rate, volume=volume)]
        return Voiced(pcm16=b"".join(parts), sample_rate=synth.sample_rate)

    def recall(self, phrase: FixedPhrase, *, lang: str, rate: float) -> Voiced | None:
        """The phrase's audio if it was synthesized before (cheap; safe on the event loop)."""
        return self.stack.phrases.get(cache_key(_voice_name(self._synth(lang)), rate, phrase))

    def speak_fixed(self, phrase: FixedPhrase, *, lang: str, rate: float) -> Voiced:
        """Blocking: a content sentence's audio, synthesized once per voice and rate."""
        key = cache_key(_voice_name(self._synth(lang)), rate, phrase)
        voiced = self.stack.phrases.get(key)
        if voiced is None:
            voiced = self.speak(phrase.text, lang=lang, rate=rate)
            self.stack.phrases.put(key, voiced)
        return voiced


def _voice_name(synth: SpeechSynthesizer) -> str:
    """Identifies whose voice the audio is in (part of the cache key)."""
    if isinstance(synth, PiperTts):
        return f"piper:{synth.voice_files.onnx}"
    if isinstance(synth, EspeakTts):
        return f"espeak:{synth.voice}:{synth.words_per_minute}"
    return f"{type(synth).__name__}:{id(synth)}"


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
