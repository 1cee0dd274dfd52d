"""`reflect transcribe`, `reflect say`, `reflect models check`: the voice pipeline by hand."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from server.config import Settings
from server.voice_loading import load_stt, load_tts
from voice.audio import read_wav, write_wav
from voice.errors import VoiceError
from voice.model_store import (
    BASE_FILES,
    JOE_VOICE_FILES,
    SILERO_VAD_SHA256,
    TINY_EN_FILES,
    sha256_file,
)
from voice.vad import SileroVad, default_vad_model_path


def register(sub: Any) -> None:
    """Add the voice commands."""
    transcribe = sub.add_parser("transcribe", help="transcribe a WAV file")
    transcribe.add_argument("file", type=Path)
    transcribe.add_argument("--lang", default=None, help="language code; omit to detect")
    transcribe.add_argument("--model", default=None, help="model name or directory")
    transcribe.add_argument("--json", action="store_true", help="print JSON instead of text")
    transcribe.set_defaults(handler=run_transcribe)

    say = sub.add_parser("say", help="speak text into a WAV file")
    say.add_argument("text")
    say.add_argument("-o", "--output", type=Path, required=True)
    say.add_argument("--voice", default=None, help="Piper .onnx voice (default: packaged)")
    say.add_argument("--rate", type=float, default=None, help="speaking rate, 1.0 = normal")
    say.add_argument("--volume", type=float, default=None)
    say.add_argument("--lang", default="en", help="'es' uses the Spanish voice or espeak-ng")
    say.set_defaults(handler=run_say)

    models = sub.add_parser("models", help="speech model tools")
    models_sub = models.add_subparsers(dest="models_command", required=True)
    check = models_sub.add_parser("check", help="resolve, verify and load every speech model")
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=run_models_check)


# --- building the voice stages from Settings (shared with `reflect demo`) ---


def report_error(exc: VoiceError) -> int:
    """Print a voice error for humans (stderr) and return the exit code."""
    print(f"error [{exc.code}]: {exc}", file=sys.stderr)
    return 2


# --- commands ---


def run_transcribe(args: argparse.Namespace, settings: Settings) -> int:
    """Transcript on stdout; timings and model details on stderr."""
    try:
        audio = read_wav(args.file, max_seconds=settings.audio.max_input_seconds)
        model = args.model or (
            settings.stt.model if args.lang in (None, "en") else settings.stt.multilingual_model
        )
        started = time.perf_counter()
        stt = load_stt(settings, model)
        loaded = time.perf_counter()
        transcript = stt.transcribe(audio, language=args.lang)
        done = time.perf_counter()
    except VoiceError as exc:
        return report_error(exc)
    stt_s = done - loaded
    rtf = stt_s / transcript.duration_s if transcript.duration_s else 0.0
    print(
        f"model={model} load_ms={1000 * (loaded - started):.0f} stt_ms={1000 * stt_s:.0f} "
        f"rtf={rtf:.3f} audio_s={transcript.duration_s:.2f} language={transcript.language} "
        f"confidence={transcript.confidence:.2f} dropped_segments={transcript.dropped_segments} "
        f"decode={transcript.path}",
        file=sys.stderr,
    )
    if args.json:
        payload = {
            "text": transcript.text,
            "language": transcript.language,
            "confidence": transcript.confidence,
            "duration_s": transcript.duration_s,
            "segments": [
                {"start": s.start, "end": s.end, "text": s.text} for s in transcript.segments
            ],
            "model": model,
            "decode": str(transcript.path),
            "alternatives": list(transcript.alternatives),
            "stt_ms": round(1000 * stt_s, 1),
            "real_time_factor": round(rtf, 4),
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(transcript.text)
    return 0


def run_say(args: argparse.Namespace, settings: Settings) -> int:
    """Synthesize text to a WAV file, sentence by sentence."""
    rate = args.rate if args.rate is not None else settings.tts.rate
    volume = args.volume if args.volume is not None else settings.tts.volume
    try:
        tts = load_tts(settings, lang=args.lang, voice=args.voice)
        started = time.perf_counter()
        first_ms = None
        parts = []
        for chunk in tts.synthesize(args.text, rate=rate, volume=volume):
            if first_ms is None:
                first_ms = 1000 * (time.perf_counter() - started)
            parts.append(chunk.samples)
        if not parts:
            print("error [tts_nothing_to_say]: no speakable text", file=sys.stderr)
            return 2
        total_ms = 1000 * (time.perf_counter() - started)
        audio = np.concatenate(parts)
        write_wav(args.output, audio, tts.sample_rate)
    except VoiceError as exc:
        return report_error(exc)
    except OSError as exc:
        print(f"error [output_unwritable]: {exc}", file=sys.stderr)
        return 2
    print(
        f"wrote {args.output} ({len(audio) / tts.sample_rate:.2f} s at {tts.sample_rate} Hz, "
        f"{len(parts)} sentences) first_audio_ms={first_ms:.0f} total_ms={total_ms:.0f}",
        file=sys.stderr,
    )
    return 0


def run_models_check(args: argparse.Namespace, settings: Settings) -> int:
    """Resolve, verify and load each speech model; report checksums and load times."""
    rows = [
        _check(
            "stt", settings.stt.model, lambda: load_stt(settings), _whisper_pins(settings.stt.model)
        ),
        _check(
            "stt_multilingual",
            settings.stt.multilingual_model,
            lambda: load_stt(settings, settings.stt.multilingual_model),
            _whisper_pins(settings.stt.multilingual_model),
        ),
        _check(
            "tts",
            settings.tts.voice or "en_US-joe-medium (packaged)",
            lambda: load_tts(settings),
            JOE_VOICE_FILES if not settings.tts.voice else None,
        ),
        _check("vad", "silero_vad_v6", SileroVad, None),
    ]
    vad_sha = sha256_file(default_vad_model_path())
    rows[-1]["checksum"] = "verified" if vad_sha == SILERO_VAD_SHA256 else "MISMATCH"
    rows[-1]["sha256"] = vad_sha
    ok = all(row["ok"] for row in rows) and rows[-1]["checksum"] == "verified"
    if args.json:
        print(json.dumps({"ok": ok, "models": rows}, indent=2))
    else:
        for row in rows:
            status = "ok  " if row["ok"] else "FAIL"
            line = (
                f"{status} {row['role']:<17} {row['model']:<30} checksum={row['checksum']:<10} "
                f"load_ms={row['load_ms']:<6} {row.get('where', '')} {row.get('error', '')}"
            )
            print(line.rstrip())
    return 0 if ok else 1


def _whisper_pins(model: str) -> Mapping[str, str] | None:
    return {"tiny.en": TINY_EN_FILES, "base": BASE_FILES}.get(model)


def _check(
    role: str, model: str, load: Any, pins: Mapping[str, str] | None, *, verify: bool = True
) -> dict[str, Any]:
    """Load one model, timing it; a pinned model that loads was verified on the way."""
    row: dict[str, Any] = {"role": role, "model": model, "checksum": "not pinned", "load_ms": "-"}
    try:
        started = time.perf_counter()
        loaded = load()
        row["load_ms"] = round(1000 * (time.perf_counter() - started))
    except VoiceError as exc:
        row.update(ok=False, error=f"[{exc.code}] {exc}")
        return row
    if pins and verify:
        row["checksum"] = "verified"
        row["sha256"] = dict(pins)
    where = getattr(loaded, "model_dir", None) or getattr(
        getattr(loaded, "voice_files", None), "onnx", None
    )
    if where is not None:
        row["where"] = str(where)
    row["ok"] = True
    return row
