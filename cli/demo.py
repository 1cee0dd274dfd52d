"""`reflect demo`: a scripted three-turn conversation, end to end, without a microphone."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from cli.voice_commands import report_error
from reflection.engine import ReflectionEngine
from reflection.events import CheckIn, CrisisTriggered, ReplySentence
from server import assembly
from server.config import Settings
from server.voice_loading import load_stt, load_tts
from voice.audio import read_wav, write_wav
from voice.errors import VoiceError
from voice.stt import WhisperStt
from voice.tts import EspeakTts, SpeechSynthesizer, split_sentences

CLIENT_LINES = (
    "I have been feeling really stressed about work lately.",
    "My manager keeps adding more to my plate and I cannot say no.",
    "I want to find a way to set better boundaries.",
)
CLIENT_VOICE = "en-gb"  # espeak-ng, so the client does not sound like the kiosk


class DemoReplier(Protocol):
    """Turns a client utterance into reply sentences."""

    label: str

    def reply(self, text: str) -> Iterator[str]:
        """Reply sentences, in order."""
        ...


class EngineReplier:
    """The real reflection engine, one conversation for the demo."""

    def __init__(self, engine: ReflectionEngine) -> None:
        self.label = "reflection engine (scripted responder)"
        self._conversation = engine.new_conversation("en")

    def reply(self, text: str) -> Iterator[str]:
        """Sentences from ReplySentence events, or the crisis/check-in message."""
        for event in self._conversation.respond(text, "en"):
            if isinstance(event, ReplySentence):
                yield event.text
            elif isinstance(event, CrisisTriggered | CheckIn):
                yield from split_sentences(event.response.message)


def make_replier(settings: Settings | None = None) -> DemoReplier:
    """The engine as the server builds it (scripted responder: the demo needs no Ollama)."""
    engine = assembly.build_engine(settings or Settings(), responder_kind="scripted", probe=False)
    return EngineReplier(engine)


@dataclass(frozen=True)
class TurnTiming:
    """Measured numbers for one demo turn."""

    heard: str
    reply: str
    audio_s: float
    stt_ms: float
    reply_ms: float
    tts_first_ms: float
    tts_total_ms: float
    reply_audio_s: float

    @property
    def stt_rtf(self) -> float:
        """STT seconds per second of audio."""
        return self.stt_ms / 1000 / self.audio_s if self.audio_s else 0.0

    @property
    def tts_rtf(self) -> float:
        """TTS seconds per second of speech produced."""
        return self.tts_total_ms / 1000 / self.reply_audio_s if self.reply_audio_s else 0.0


def register(sub: Any) -> None:
    """Add the demo command."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo", help="scripted 3-turn conversation through real STT and TTS"
    )
    parser.add_argument("--out", type=Path, default=None, help="directory for the WAV files")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Synthesize client turns, transcribe, reply, speak; print a timing table."""
    out = args.out or Path(tempfile.mkdtemp(prefix="reflect-demo-"))
    out.mkdir(parents=True, exist_ok=True)
    try:
        started = time.perf_counter()
        stt = load_stt(settings)
        stt_load = time.perf_counter()
        tts = load_tts(settings)
        tts_load = time.perf_counter()
        client_voice = EspeakTts(CLIENT_VOICE, words_per_minute=140)
        _warm_up(stt, tts)
        replier = make_replier(settings)
        print(
            f"models: stt={settings.stt.model} load_ms={1000 * (stt_load - started):.0f}; "
            f"tts load_ms={1000 * (tts_load - stt_load):.0f} (one warm-up call each)"
        )
        print(f"reply: {replier.label}")
        turns = [
            _turn(n, line, out, stt, tts, client_voice, replier, settings)
            for n, line in enumerate(CLIENT_LINES, start=1)
        ]
    except VoiceError as exc:
        return report_error(exc)
    _print_table(turns)
    print(f"WAV files in {out}")
    return 0


def _warm_up(stt: WhisperStt, tts: SpeechSynthesizer) -> None:
    """First calls pay one-off set-up costs; a server pays them at start-up, not per turn."""
    stt.transcribe(np.random.default_rng(0).normal(0, 0.05, 16000).astype(np.float32))
    list(tts.synthesize("Hello."))


def _turn(
    number: int,
    line: str,
    out: Path,
    stt: WhisperStt,
    tts: SpeechSynthesizer,
    client_voice: EspeakTts,
    replier: DemoReplier,
    settings: Settings,
) -> TurnTiming:
    client = np.concatenate([chunk.samples for chunk in client_voice.synthesize(line)])
    client_wav = out / f"turn{number}_client.wav"
    write_wav(client_wav, client, client_voice.sample_rate)

    audio = read_wav(client_wav, max_seconds=settings.audio.max_input_seconds)
    t0 = time.perf_counter()
    transcript = stt.transcribe(audio, language="en")
    t1 = time.perf_counter()
    sentences = list(replier.reply(transcript.text or "(nothing heard)"))
    t2 = time.perf_counter()
    first_ms = 0.0
    parts: list[NDArray[np.float32]] = []
    for chunk in tts.synthesize(
        " ".join(sentences), rate=settings.tts.rate, volume=settings.tts.volume
    ):
        if not parts:
            first_ms = 1000 * (time.perf_counter() - t2)
        parts.append(chunk.samples)
    t3 = time.perf_counter()
    reply_audio = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    write_wav(out / f"turn{number}_reply.wav", reply_audio, tts.sample_rate)
    print(f'turn {number}: heard  "{transcript.text}"')
    print(f'        reply  "{" ".join(sentences)}"')
    return TurnTiming(
        heard=transcript.text,
        reply=" ".join(sentences),
        audio_s=transcript.duration_s,
        stt_ms=1000 * (t1 - t0),
        reply_ms=1000 * (t2 - t1),
        tts_first_ms=first_ms,
        tts_total_ms=1000 * (t3 - t2),
        reply_audio_s=len(reply_audio) / tts.sample_rate,
    )


def _print_table(turns: list[TurnTiming]) -> None:
    header = (
        f"{'turn':>4} {'audio s':>8} {'STT ms':>8} {'STT RTF':>8} {'reply ms':>9} "
        f"{'TTS first-audio ms':>19} {'TTS ms':>8} {'TTS RTF':>8} {'reply s':>8}"
    )
    print(header)
    print("-" * len(header))
    for n, t in enumerate(turns, start=1):
        print(
            f"{n:>4} {t.audio_s:>8.2f} {t.stt_ms:>8.0f} {t.stt_rtf:>8.3f} {t.reply_ms:>9.1f} "
            f"{t.tts_first_ms:>19.0f} {t.tts_total_ms:>8.0f} {t.tts_rtf:>8.3f} "
            f"{t.reply_audio_s:>8.2f}"
        )
    sys.stdout.flush()
