"""Text-to-speech: Piper (default) and an espeak-ng fallback, streamed one sentence at a time."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

from voice.audio import float_to_pcm16, pcm16_to_float, read_wav
from voice.errors import SynthesisError
from voice.model_store import PiperVoiceFiles

MIN_RATE, MAX_RATE = 0.5, 2.0
MIN_VOLUME, MAX_VOLUME = 0.0, 2.0
# A sentence ends at terminal punctuation (plus any closing quotes/brackets) before a space.
_SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"'”’)\]]*(?=\s)|$)", re.DOTALL)


@dataclass(frozen=True, eq=False)
class SpeechChunk:
    """The audio of one sentence, as soon as it is synthesized."""

    sentence_index: int
    text: str
    pcm16: bytes
    sample_rate: int

    @property
    def samples(self) -> NDArray[np.float32]:
        """The audio as float samples."""
        return pcm16_to_float(self.pcm16)

    @property
    def duration_s(self) -> float:
        """Length of this chunk's audio."""
        return len(self.pcm16) / 2 / self.sample_rate


class SpeechSynthesizer(Protocol):
    """A TTS stage: text in, one chunk per sentence out (blocking; run in a worker thread)."""

    @property
    def sample_rate(self) -> int:
        """Rate of every chunk this synthesizer yields."""
        ...

    def synthesize(
        self, text: str, *, rate: float = 1.0, volume: float = 1.0
    ) -> Iterator[SpeechChunk]:
        """Yield one chunk per sentence of `text`."""
        ...


def split_sentences(text: str) -> list[str]:
    """Split text at sentence ends (., !, ?, …) and line breaks."""
    sentences: list[str] = []
    for line in text.splitlines():
        sentences.extend(match.group().strip() for match in _SENTENCE.finditer(line.strip()))
    return [sentence for sentence in sentences if sentence]


def _check_controls(rate: float, volume: float) -> None:
    if not MIN_RATE <= rate <= MAX_RATE:
        raise SynthesisError(
            f"speaking rate {rate} outside {MIN_RATE}..{MAX_RATE}", code="tts_bad_rate"
        )
    if not MIN_VOLUME <= volume <= MAX_VOLUME:
        raise SynthesisError(
            f"volume {volume} outside {MIN_VOLUME}..{MAX_VOLUME}", code="tts_bad_volume"
        )


class PiperTts:
    """One loaded Piper voice."""

    def __init__(
        self, voice_files: PiperVoiceFiles, *, threads: int = 0, release_memory: bool = False
    ) -> None:
        """`threads` = onnxruntime intra-op threads per call (0 = one per core);
        `release_memory` shrinks onnxruntime's arena after each sentence instead of keeping
        the high-water mark of every concurrent call (~130 MB per long sentence) for good."""
        self.voice_files = voice_files
        try:
            self._voice: Any = _load_voice(voice_files, threads, release_memory)
        except (OSError, ValueError, KeyError) as exc:
            raise SynthesisError(f"cannot load Piper voice {voice_files.onnx}: {exc}") from exc

    @property
    def sample_rate(self) -> int:
        """The voice's native output rate."""
        return int(self._voice.config.sample_rate)

    def synthesize(
        self, text: str, *, rate: float = 1.0, volume: float = 1.0
    ) -> Iterator[SpeechChunk]:
        """Yield each sentence's audio as soon as Piper has produced it."""
        from piper import SynthesisConfig

        _check_controls(rate, volume)
        # Piper's length_scale is a duration multiplier: faster speech = shorter phonemes.
        config = SynthesisConfig(length_scale=1.0 / rate, volume=volume)
        for index, sentence in enumerate(split_sentences(text)):
            parts = [chunk.audio_float_array for chunk in self._voice.synthesize(sentence, config)]
            if not parts:
                continue  # nothing pronounceable (e.g. only punctuation)
            audio = np.concatenate(parts).astype(np.float32)
            yield SpeechChunk(index, sentence, float_to_pcm16(audio), self.sample_rate)


def _load_voice(voice_files: PiperVoiceFiles, threads: int, release_memory: bool) -> Any:
    """PiperVoice.load, but with our onnxruntime session options (Piper's are fixed)."""
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    config = json.loads(voice_files.config.read_text(encoding="utf-8"))
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(0, threads)
    options.inter_op_num_threads = 1  # the graph is one sequential chain
    options.log_severity_level = 3
    session: Any = onnxruntime.InferenceSession(
        str(voice_files.onnx), sess_options=options, providers=["CPUExecutionProvider"]
    )
    if release_memory:
        session = _ShrinkingSession(session)
    return PiperVoice(session=session, config=PiperConfig.from_dict(config))


class _ShrinkingSession:
    """An onnxruntime session whose arena returns its memory after every run.

    Piper calls `session.run(names, feeds)` without run options, so they are added here.
    """

    def __init__(self, session: Any) -> None:
        import onnxruntime

        self._session = session
        self._options = onnxruntime.RunOptions()
        self._options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    def run(self, output_names: Any, input_feed: Any) -> Any:
        """InferenceSession.run with the shrinking run options."""
        return self._session.run(output_names, input_feed, self._options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class EspeakTts:
    """espeak-ng through a subprocess (WAV on stdout, no temp files): the Spanish fallback."""

    _OUTPUT_RATE = 22050  # espeak-ng's fixed output rate

    def __init__(self, voice: str = "es", *, words_per_minute: int = 160) -> None:
        binary = shutil.which("espeak-ng")
        if binary is None:
            raise SynthesisError("espeak-ng is not installed", code="tts_unavailable")
        self._binary = binary
        self.voice = voice
        self.words_per_minute = words_per_minute

    @property
    def sample_rate(self) -> int:
        """espeak-ng's output rate."""
        return self._OUTPUT_RATE

    def synthesize(
        self, text: str, *, rate: float = 1.0, volume: float = 1.0
    ) -> Iterator[SpeechChunk]:
        """Yield each sentence's audio as soon as espeak-ng has produced it."""
        _check_controls(rate, volume)
        for index, sentence in enumerate(split_sentences(text)):
            audio = self._run(sentence, rate, volume)
            if audio.size:
                yield SpeechChunk(index, sentence, float_to_pcm16(audio), self.sample_rate)

    def _run(self, sentence: str, rate: float, volume: float) -> NDArray[np.float32]:
        command = [
            self._binary,
            "-v", self.voice,
            "-s", str(round(self.words_per_minute * rate)),
            "-a", str(round(100 * volume)),
            "--stdout",
            "--stdin",  # text via stdin: never in argv (visible in ps), never parsed as a flag
        ]  # fmt: skip
        try:
            done = subprocess.run(
                command,
                input=sentence.encode("utf-8"),
                capture_output=True,
                check=True,
                timeout=30,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
            raise SynthesisError(f"espeak-ng failed for voice {self.voice!r}") from exc
        return read_wav(done.stdout, target_rate=self.sample_rate)
