"""Which priority each of a turn's model jobs gets, and what that does across kiosks."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from reflection.events import CrisisEventType, EngineEvent, Screened
from server.events import Event
from server.pipeline import TurnPipeline
from server.speech import Heard, Voiced
from server.turn_state import TurnOptions, TurnState
from server.workers import ModelPool, Priority
from tests.unit.reply_fakes import reply_done, screened, sentence


class RecordingPool(ModelPool):
    """A real pool that notes the priority of every model call."""

    def __init__(self, workers: int) -> None:
        super().__init__(workers)
        self.calls: list[tuple[Priority, str]] = []
        self.later_queued = asyncio.Event()

    async def run_at(  # type: ignore[override]
        self, priority: Priority, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        self.calls.append((priority, str(args[0]) if args and isinstance(args[0], str) else
                           getattr(fn, "__name__", "?")))
        if priority is Priority.LATER:
            self.later_queued.set()
        return await super().run_at(priority, fn, *args, **kwargs)


class Log:
    def __init__(self) -> None:
        self.names: list[str] = []


class Transcriber:
    def __init__(self, log: Log) -> None:
        self.log = log

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        self.log.names.append("transcribe")
        return Heard(text="I have been tired", lang="en", confidence=1.0)


class Speaker:
    def __init__(self, log: Log) -> None:
        self.log = log

    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        self.log.names.append(text)
        return Voiced(pcm16=b"\x00\x01" * 800, sample_rate=16000)


class Replier:
    def __init__(self, sentences: list[str]) -> None:
        self.sentences = sentences

    def reply(self, text: str, lang: str | None) -> Iterator[EngineEvent]:
        yield screened(0)
        for index, text_ in enumerate(self.sentences):
            yield sentence(index, text_)
        yield reply_done("fake")


class Output:
    """Output and hooks; calls `on_first_audio` once, at the first audio frame."""

    def __init__(self, on_first_audio: Callable[[], Awaitable[None]] | None = None) -> None:
        self.frames = 0
        self.on_first_audio = on_first_audio

    async def event(self, event: Event) -> None:
        pass

    async def audio(self, frame: bytes) -> None:
        self.frames += 1
        if self.frames == 1 and self.on_first_audio is not None:
            await self.on_first_audio()

    async def heard(self, turn: int, heard: Heard) -> None:
        pass

    async def screened(self, turn: int, heard: Heard, screening: Screened) -> None:
        pass

    async def crisis(self, turn: int, crisis: CrisisEventType) -> bool:
        return False


def _pipeline(pool: ModelPool, log: Log, sentences: list[str], output: Output) -> TurnPipeline:
    return TurnPipeline(
        pool=pool, transcriber=Transcriber(log), speaker=Speaker(log),
        replier=Replier(sentences), output=output, hooks=output,
    )


@pytest.fixture
def pool() -> Iterator[RecordingPool]:
    workers = RecordingPool(1)
    yield workers
    workers.shutdown()


async def test_transcript_and_first_sentence_go_first_later_sentences_after(
    pool: RecordingPool,
) -> None:
    log = Log()
    pipeline = _pipeline(pool, log, ["One.", "Two.", "Three."], Output())
    state = TurnState(turn=1)
    heard = await pipeline.hear(state, TurnOptions(), np.zeros(1600, dtype=np.float32))
    await pipeline.respond(state, TurnOptions(), heard)
    speech = [(priority, name) for priority, name in pool.calls if name.endswith(".")]
    assert pool.calls[0] == (Priority.NOW, "transcribe")
    assert speech == [(Priority.NOW, "One."), (Priority.LATER, "Two."), (Priority.LATER, "Three.")]
    assert log.names == ["transcribe", "One.", "Two.", "Three."]


async def test_another_kiosks_transcription_overtakes_this_kiosks_second_sentence(
    pool: RecordingPool,
) -> None:
    log = Log()
    gate = threading.Event()
    holding: list[asyncio.Future[bool]] = []

    async def hold_the_thread() -> None:
        # At kiosk A's first audio frame (before its second sentence is queued) the one model
        # thread gets busy, so A's second sentence and B's transcription wait together.
        holding.append(asyncio.ensure_future(pool.run(gate.wait, 10)))
        await asyncio.sleep(0.05)

    kiosk_a = _pipeline(pool, log, ["A one.", "A two."], Output(hold_the_thread))
    kiosk_b = _pipeline(pool, log, ["B one."], Output())
    state_a, state_b = TurnState(turn=1), TurnState(turn=1)
    reply_a = asyncio.create_task(kiosk_a.respond(state_a, TurnOptions(), Heard("hi", "en", 1)))
    await asyncio.wait_for(pool.later_queued.wait(), 10)
    assert pool.calls[-1] == (Priority.LATER, "A two.")
    hear_b = asyncio.create_task(
        kiosk_b.hear(state_b, TurnOptions(), np.zeros(1600, dtype=np.float32))
    )
    await asyncio.sleep(0.01)
    gate.set()
    await asyncio.gather(reply_a, hear_b, *holding)
    assert log.names.index("transcribe") < log.names.index("A two.")
    assert log.names.index("A one.") < log.names.index("transcribe")
