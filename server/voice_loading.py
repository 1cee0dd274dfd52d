"""Settings -> loaded voice objects, built one way for the CLI, the server and the benchmark."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from server.config import Settings, SttSettings, VadSettings
from voice.endpointer import EndpointerConfig
from voice.model_store import resolve_piper_voice, resolve_smart_turn, resolve_whisper_model
from voice.smart_turn import SmartTurnModel
from voice.stt import WhisperStt
from voice.tts import EspeakTts, PiperTts, SpeechSynthesizer
from voice.turn_taking import BargeInPolicy, TurnPolicy, TurnTaking
from voice.whisper_config import WhisperConfig


def model_cache_dir(settings: Settings) -> Path:
    """Where assembled models and checksum results are kept."""
    return settings.data_dir / "models"


def _own_fields(section: object, config_type: type) -> dict[str, Any]:
    """The fields of a library config type, read from the settings section that extends it."""
    return {f.name: getattr(section, f.name) for f in fields(config_type)}


def endpointer_config(vad: VadSettings, *, speculate: bool = False) -> EndpointerConfig:
    """The endpointer thresholds; `speculate` turns on pause events for early transcription."""
    return EndpointerConfig(**{
        **_own_fields(vad, EndpointerConfig),
        "pause_ms": vad.speculate_after_ms if speculate else 0,
        "sustained_ms": vad.barge_in_ms if vad.turn_decision == "smart" else 0,
    })


def load_smart_turn(settings: Settings) -> SmartTurnModel | None:
    """Smart Turn v3.2 when turns are decided by it (checksummed); blocking."""
    if settings.vad.turn_decision != "smart":
        return None
    path = resolve_smart_turn(
        cache_dir=model_cache_dir(settings), verify=settings.stt.verify_checksums
    )
    return SmartTurnModel(path)


def turn_taking(
    vad: VadSettings,
    model: SmartTurnModel | None,
    screen: Callable[[str, str], int] | None = None,
) -> TurnTaking | None:
    """The kiosk's turn-taking rules (`screen`: risk level of words so far); None keeps the
    fixed `end_silence_ms`."""
    if vad.turn_decision != "smart":
        return None
    return TurnTaking(
        policy=TurnPolicy(min_silence_ms=vad.speculate_after_ms, max_wait_ms=vad.max_wait_ms),
        score=model.probability if model is not None else None,
        barge_in=BargeInPolicy(sustained_ms=vad.barge_in_ms),
        screen=screen,
    )


def load_stt(settings: Settings, model: str | None = None) -> WhisperStt:
    """A loaded WhisperStt for `model` (default: the configured English model); blocking."""
    stt = settings.stt
    # faster-whisper logs every call at INFO, which buries everything else.
    logging.getLogger("faster_whisper").setLevel(max(logging.WARNING, logging.root.level))
    name = model or stt.model
    model_dir = resolve_whisper_model(
        name, cache_dir=model_cache_dir(settings), verify=stt.verify_checksums
    )
    multilingual = name == stt.multilingual_model and name != stt.model
    return whisper_config(stt, name, multilingual=multilingual).load(model_dir)


def whisper_config(stt: SttSettings, name: str = "", *, multilingual: bool = False
                   ) -> WhisperConfig:
    """The recogniser's config from the `[stt]` section (the multilingual model's own beam)."""
    return WhisperConfig(**{
        **_own_fields(stt, WhisperConfig),
        "beam_size": stt.multilingual_beam_size if multilingual else stt.beam_size,
        "window_margin_s": stt.window_margin_s or None,
        "reference_languages": reference_languages(stt.reference_only, name),
    })


def reference_languages(pairs: Sequence[str], model: str) -> tuple[str, ...]:
    """The languages `model` always decodes with the reference, from "model:language" pairs."""
    return tuple(sorted({lang for name, _, lang in (pair.partition(":") for pair in pairs)
                         if name == model and lang}))


def load_tts(
    settings: Settings, *, lang: str = "en", voice: str | None = None
) -> SpeechSynthesizer:
    """The configured Piper voice for `lang`, or espeak-ng for Spanish without a Piper voice."""
    tts = settings.tts
    chosen = voice if voice is not None else (tts.spanish_voice if lang == "es" else tts.voice)
    if lang == "es" and not chosen:
        return EspeakTts(tts.espeak_spanish_voice)
    files = resolve_piper_voice(
        chosen, cache_dir=model_cache_dir(settings), verify=settings.stt.verify_checksums
    )
    return PiperTts(files, threads=tts.threads, release_memory=tts.release_memory)
