"""The speech cache: content sentences only, bounded, and replayed without queueing."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from reflection.events import CrisisEventType, EngineEvent, ReplyKind, ReplySentence, Screened
from server.config import Settings
from server.events import Event
from server.pipeline import TurnPipeline
from server.speech import Heard, Voiced
from server.speech_cache import FixedPhrase, SpeechCache, cache_key
from server.turn_state import TurnOptions, TurnState
from server.voice_stack import Speaking, VoiceStack
from server.workers import ModelPool
from tests.unit.reply_fakes import reply_done, sentence
from voice.tts import SpeechChunk


class FakeSynth:
    """A synthesizer whose audio spells the text; counts what it was asked to say."""

    sample_rate = 16000

    def __init__(self) -> None:
        self.said: list[str] = []

    def synthesize(self, text: str, *, rate: float = 1.0, volume: float = 1.0
                   ) -> Iterator[SpeechChunk]:
        self.said.append(text)
        yield SpeechChunk(0, text, text.encode() * 2, self.sample_rate)


def _speaking(max_bytes: int = 1 << 20) -> tuple[Speaking, FakeSynth]:
    synth = FakeSynth()
    stack = VoiceStack(
        settings=Settings(), vad=None, english_stt=None,  # type: ignore[arg-type]
        english_tts=synth, spanish_tts=None, phrases=SpeechCache(max_bytes=max_bytes),
    )
    return Speaking(stack), synth


class Fixed:
    def __init__(self, sentences: list[ReplySentence]) -> None:
        self.sentences = sentences

    def reply(self, text: str, lang: str | None) -> Iterator[EngineEvent]:
        yield from self.sentences
        yield reply_done()


class Output:
    def __init__(self) -> None:
        self.audio_frames: list[bytes] = []

    async def event(self, event: Event) -> None:
        pass

    async def audio(self, frame: bytes) -> None:
        self.audio_frames.append(frame)

    async def heard(self, turn: int, heard: Heard) -> None:
        pass

    async def screened(self, turn: int, heard: Heard, screening: Screened) -> None:
        pass

    async def crisis(self, turn: int, crisis: CrisisEventType) -> bool:
        return True


async def _say(pool: ModelPool, speaking: Speaking, sentences: list[ReplySentence]) -> Output:
    """A prompt (fixed sentences) as the kiosk says it; a reply goes through the engine."""
    output = Output()
    pipeline = TurnPipeline(pool=pool, transcriber=None, speaker=speaking,  # type: ignore[arg-type]
                            replier=Fixed(sentences), output=output, hooks=output)
    if all(s.reply_kind is ReplyKind.PROMPT for s in sentences):
        await pipeline.say(TurnState(turn=1), TurnOptions(), sentences, "en")
    else:
        await pipeline.respond(TurnState(turn=1), TurnOptions(), Heard("", "en", 1.0))
    return output


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(1)
    yield workers
    workers.shutdown()


def test_only_content_kinds_become_phrases() -> None:
    assert FixedPhrase.of(sentence(0, "You feel tired.")) is None  # a reply: may echo the client
    assert FixedPhrase.of(sentence(0, "Is it okay?", kind=ReplyKind.PROMPT, blocked=True)) is None
    assert FixedPhrase.of(sentence(0, "x" * 601, kind=ReplyKind.PROMPT)) is None
    for kind in (ReplyKind.PROMPT, ReplyKind.CRISIS, ReplyKind.CHECK_IN):
        assert FixedPhrase.of(sentence(0, "Thank you.", kind=kind)) == FixedPhrase(
            "Thank you.", kind)


def test_the_cache_evicts_the_least_recently_used_within_its_bounds() -> None:
    cache = SpeechCache(max_entries=2, max_bytes=100)
    keys = [cache_key("v", 1.0, FixedPhrase(f"p{i}", ReplyKind.PROMPT)) for i in range(4)]
    cache.put(keys[0], Voiced(b"a" * 10, 16000))
    cache.put(keys[1], Voiced(b"b" * 10, 16000))
    assert cache.get(keys[0]) is not None  # now the most recent
    cache.put(keys[2], Voiced(b"c" * 10, 16000))
    assert cache.get(keys[1]) is None and len(cache) == 2
    cache.put(keys[3], Voiced(b"d" * 95, 16000))  # over the byte bound with any other entry
    assert len(cache) == 1 and cache.size_bytes == 95
    cache.put(keys[0], Voiced(b"e" * 101, 16000))  # larger than the whole cache: not kept
    assert cache.get(keys[0]) is None and cache.get(keys[3]) is not None
    assert cache_key("v", 1.0, FixedPhrase("p", ReplyKind.PROMPT)) != cache_key(
        "v", 1.25, FixedPhrase("p", ReplyKind.PROMPT))


async def test_a_prompt_is_synthesized_once_and_replayed_while_every_thread_is_busy(
    pool: ModelPool,
) -> None:
    speaking, synth = _speaking()
    prompt = [sentence(0, "How are you feeling today?", kind=ReplyKind.PROMPT)]
    first = await _say(pool, speaking, prompt)
    gate = threading.Event()
    busy = asyncio.ensure_future(pool.run(gate.wait, 10))  # the only model thread is taken
    await asyncio.sleep(0)
    try:
        again = await asyncio.wait_for(_say(pool, speaking, prompt), 5)
    finally:
        gate.set()
        await busy
    assert synth.said == ["How are you feeling today?"]
    assert again.audio_frames == first.audio_frames


async def test_replies_are_never_cached(pool: ModelPool) -> None:
    speaking, synth = _speaking()
    reply = [sentence(0, "You said you feel alone.")]
    for _ in range(2):
        await _say(pool, speaking, reply)
    assert synth.said == ["You said you feel alone.", "You said you feel alone."]
    assert len(speaking.stack.phrases) == 0


async def test_rate_and_a_zero_budget_are_respected(pool: ModelPool) -> None:
    speaking, synth = _speaking()
    phrase = FixedPhrase("Goodbye.", ReplyKind.PROMPT)
    for rate in (1.0, 0.8, 1.0):
        speaking.speak_fixed(phrase, lang="en", rate=rate)
    assert synth.said == ["Goodbye.", "Goodbye."]  # once per rate
    uncached, synth = _speaking(max_bytes=0)
    for _ in range(2):
        uncached.speak_fixed(phrase, lang="en", rate=1.0)
    assert synth.said == ["Goodbye.", "Goodbye."]


async def test_the_crisis_message_from_the_engine_is_cached_too(pool: ModelPool) -> None:
    speaking, synth = _speaking()
    crisis = [sentence(0, "A person is coming.", kind=ReplyKind.CRISIS),
              sentence(1, "You are not alone.", kind=ReplyKind.CRISIS)]
    outputs = [await _say(pool, speaking, crisis) for _ in range(2)]
    assert synth.said == ["A person is coming.", "You are not alone."]
    assert outputs[0].audio_frames == outputs[1].audio_frames
    assert speaking.stack.phrases.hits == 2
