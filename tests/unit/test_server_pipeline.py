"""The streaming turn pipeline with fake stages: ordering, streaming, crisis, barge-in."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from numpy.typing import NDArray

from reflection.events import CrisisEventType, EngineEvent, ReplyKind, Screened
from server.events import Event
from server.kiosk_events import CrisisEvent, ReplySentenceEvent, TranscriptEvent
from server.pipeline import TurnPipeline
from server.protocol import unpack_audio_frame
from server.speech import Heard, Voiced
from server.turn_state import TurnOptions, TurnState
from server.workers import ModelPool
from tests.unit.reply_fakes import crisis_event, reply_done, screened, sentence


class FakeTranscriber:
    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        return Heard(text=self.text, lang="en", confidence=0.9)


class FakeSpeaker:
    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        # 2 bytes per character: the audio encodes which sentence it belongs to.
        return Voiced(pcm16=text.encode("ascii").ljust(len(text) * 2, b"\x00"), sample_rate=8000)


class GatedReplier:
    """Yields sentence 0, then waits for `gate` before the rest; records closing."""

    def __init__(self, sentences: list[str], gate: threading.Event,
                 crisis: CrisisEventType | None = None, level: int = 0):
        self.sentences = sentences
        self.gate = gate
        self.crisis = crisis
        self.level = level
        self.closed = threading.Event()
        self.gate_was_open_in_time = False

    def reply(self, text: str, lang: str | None) -> Iterator[EngineEvent]:
        try:
            yield screened(self.level)
            if self.crisis:
                yield self.crisis
            for index, text_ in enumerate(self.sentences):
                if index == 1:
                    self.gate_was_open_in_time = self.gate.wait(timeout=10)
                yield sentence(index, text_)
            yield reply_done("fake")
        finally:
            self.closed.set()


class Recorder:
    """Output + hooks that record everything, and open a gate at the first audio frame."""

    def __init__(self, gate: threading.Event | None = None) -> None:
        self.items: list[Event | bytes] = []
        self.gate = gate
        self.crises: list[CrisisEventType] = []
        self.first_audio = asyncio.Event()

    async def event(self, event: Event) -> None:
        self.items.append(event)

    async def audio(self, frame: bytes) -> None:
        self.items.append(frame)
        self.first_audio.set()
        if self.gate is not None:
            self.gate.set()

    async def heard(self, turn: int, heard: Heard) -> None:
        self.items.append(TranscriptEvent(turn=turn, text="<stored>", lang="", confidence=0))

    async def screened(self, turn: int, heard: Heard, screening: Screened) -> None:
        pass

    async def crisis(self, turn: int, crisis: CrisisEventType) -> bool:
        self.crises.append(crisis)
        return True


def _pipeline(replier: GatedReplier, recorder: Recorder, pool: ModelPool) -> TurnPipeline:
    return TurnPipeline(
        pool=pool,
        transcriber=FakeTranscriber("hello there"),
        speaker=FakeSpeaker(),
        replier=replier,
        output=recorder,
        hooks=recorder,
    )


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(2)
    yield workers
    workers.shutdown()


async def test_first_sentence_audio_is_sent_before_later_sentences_exist(pool: ModelPool) -> None:
    gate = threading.Event()
    replier = GatedReplier(["You sound tired.", "What would help?"], gate)
    recorder = Recorder(gate)
    pipeline = _pipeline(replier, recorder, pool)
    state = TurnState(turn=1)
    heard = await pipeline.hear(state, TurnOptions(), np.zeros(1600, dtype=np.float32))
    await pipeline.respond(state, TurnOptions(), heard)

    assert replier.gate_was_open_in_time  # sentence 1 was generated only after audio went out
    sentences = [i for i in recorder.items if isinstance(i, ReplySentenceEvent)]
    assert [s.text for s in sentences] == ["You sound tired.", "What would help?"]
    # Order: transcript, then per sentence its text then its audio, then the end-of-reply frame.
    kinds = [
        type(i).__name__ if not isinstance(i, bytes) else f"audio{unpack_audio_frame(i)[0].index}"
        for i in recorder.items
        if type(i).__name__ != "StateChanged"
    ]
    assert kinds[:2] == ["TranscriptEvent", "TranscriptEvent"]
    assert kinds[2:] == ["ReplySentenceEvent", "audio0", "ReplySentenceEvent", "audio1", "audio1"]
    last_header, payload = unpack_audio_frame(recorder.items[-1])  # type: ignore[arg-type]
    assert last_header.end_of_reply and payload == b""
    first_header, first_payload = unpack_audio_frame(
        next(i for i in recorder.items if isinstance(i, bytes))
    )
    assert first_payload.startswith(b"You sound tired.") and first_header.sample_rate == 8000
    assert state.marks.stt_done and state.marks.first_token and state.marks.first_audio
    assert state.marks.first_audio >= state.marks.first_token >= state.marks.stt_done
    assert state.reply_text == "You sound tired. What would help?"


async def test_barge_in_cancels_generation_and_closes_the_responder(pool: ModelPool) -> None:
    gate = threading.Event()  # never opened by the recorder: generation stalls after sentence 0
    replier = GatedReplier(["First.", "Never said."], gate)
    recorder = Recorder()
    pipeline = _pipeline(replier, recorder, pool)
    state = TurnState(turn=3)
    task = asyncio.create_task(pipeline.respond(state, TurnOptions(), Heard("hi", "en", 1.0)))
    await asyncio.wait_for(recorder.first_audio.wait(), timeout=10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    frames_at_cancel = sum(isinstance(i, bytes) for i in recorder.items)
    gate.set()  # let the blocked worker finish its item; the generator must then be closed
    assert await asyncio.to_thread(replier.closed.wait, 10)
    await asyncio.sleep(0.05)
    assert sum(isinstance(i, bytes) for i in recorder.items) == frames_at_cancel
    assert [s.text for s in state.sentences] == ["First."]
    assert all(i.text != "Never said." for i in recorder.items if isinstance(i, ReplySentenceEvent))


async def test_crisis_is_reported_before_the_crisis_message_is_spoken(pool: ModelPool) -> None:
    gate = threading.Event()
    gate.set()
    crisis = crisis_event("Please call 988.")
    replier = GatedReplier([], gate, crisis=crisis, level=2)  # the crisis event says its message
    recorder = Recorder()
    pipeline = _pipeline(replier, recorder, pool)
    state = TurnState(turn=2)
    await pipeline.respond(state, TurnOptions(audio_out=False), Heard("x", "en", 1.0))
    assert recorder.crises == [crisis]
    events = [i for i in recorder.items if isinstance(i, CrisisEvent | ReplySentenceEvent)]
    assert isinstance(events[0], CrisisEvent) and events[0].therapist_notified
    assert isinstance(events[1], ReplySentenceEvent) and events[1].kind == ReplyKind.CRISIS
    assert events[1].text == "Please call 988."
    assert not any(isinstance(i, bytes) for i in recorder.items)  # audio_out off


async def test_an_empty_transcript_is_not_stored(pool: ModelPool) -> None:
    recorder = Recorder()
    pipeline = TurnPipeline(
        pool=pool,
        transcriber=FakeTranscriber(""),
        speaker=FakeSpeaker(),
        replier=GatedReplier([], threading.Event()),
        output=recorder,
        hooks=recorder,
    )
    heard = await pipeline.hear(TurnState(turn=1), TurnOptions(), np.zeros(10, dtype=np.float32))
    assert heard.text == ""
    transcripts = [i for i in recorder.items if isinstance(i, TranscriptEvent)]
    assert [t.text for t in transcripts] == [""]  # sent to the kiosk, hook not called


async def test_pool_refuses_work_beyond_its_bound() -> None:
    pool = ModelPool(1, max_pending=1)
    release = threading.Event()
    try:
        first = asyncio.create_task(pool.run(release.wait, 10))
        await asyncio.sleep(0)
        from server.errors import ServerBusyError

        with pytest.raises(ServerBusyError):
            await pool.run(lambda: None)
        release.set()
        assert await first is True
    finally:
        pool.shutdown()
