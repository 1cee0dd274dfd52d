"""Speculation inside a kiosk's turn-taking is invisible: nothing leaves before the decision."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from reflection.events import EngineEvent, Screened
from reflection.flow import FlowState
from server.events import Event
from server.kiosk_events import TranscriptEvent
from server.metrics import ServerMetrics
from server.speculation import Speculator
from server.speech import Heard, Voiced
from server.turn import Turns
from server.turn_state import TurnOptions, TurnState
from server.workers import ModelPool
from tests.unit.reply_fakes import reply_done, screened, sentence
from voice.endpointer import (
    Endpointer,
    EndpointerConfig,
    EndpointEvent,
    SpeechPaused,
    UtteranceEnded,
    UtteranceEndReason,
)


class Transcriber:
    """Names the audio it heard; signals each call."""

    def __init__(self) -> None:
        self.calls: list[int] = []
        self.done = threading.Event()

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        self.calls.append(len(samples))
        self.done.set()
        return Heard(text=f"heard {len(samples)} samples", lang="en", confidence=1.0)


class Speaker:
    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        return Voiced(pcm16=b"\x01\x00" * 800, sample_rate=16000)


class Conversation:
    """Screens and answers; records the texts it was asked about (session state)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    @property
    def in_crisis(self) -> bool:
        return False

    def reply(self, text: str, lang: str | None) -> Iterator[EngineEvent]:
        self.asked.append(text)
        yield screened(0)
        yield sentence(0, "That sounds like a lot.")
        yield reply_done("fake")

    def summary(self) -> dict[str, Any]:
        return {}

    def ask(self, name: str) -> str:
        return "?"


class Channel:
    def __init__(self) -> None:
        self.items: list[Event | bytes] = []
        self.errors: list[Any] = []

    async def event(self, event: Event) -> None:
        self.items.append(event)

    async def audio(self, frame: bytes) -> None:
        self.items.append(frame)

    async def error(self, error: Any) -> None:
        self.errors.append(error)


class Store:
    def __init__(self) -> None:
        self.calls: list[str] = []
        self.session = object()

    def client_turn(self, heard: Heard, screening: Screened, *, turn: int | None = None
                    ) -> None:
        self.calls.append(f"client_turn:{heard.text}")

    def reply_turn(self, turn: int, heard: str, reply: str, level: int, *,
                   meta: Any = None) -> None:
        self.calls.append("reply_turn")

    def empty_transcript(self) -> None:
        self.calls.append("empty_transcript")

    def alert(self, crisis: Any, heard_at: float) -> bool:
        self.calls.append("alert")
        return True


class Kiosk:
    """A TurnHost around the real Turns component, with fake stages."""

    def __init__(self, pool: ModelPool) -> None:
        self.channel = Channel()
        self.store = Store()
        self.transcriber = Transcriber()
        self.conversation = Conversation()
        self.state = FlowState.REFLECTING
        self.lang = "en"
        self.client_turns = 0
        self.finished = asyncio.Event()
        self.turns = Turns(
            channel=self.channel,  # type: ignore[arg-type]
            store=self.store,  # type: ignore[arg-type]
            pool=pool,
            transcriber=self.transcriber,
            speaker=Speaker(),
            metrics=ServerMetrics(),
            host=self,  # type: ignore[arg-type]
        )

    @property
    def speculator(self) -> Speculator:
        return self.turns.speculator

    @property
    def turn(self) -> int:
        return self.turns.turn

    async def _endpoint(self, event: EndpointEvent) -> None:
        await self.turns.endpoint(event)

    def options(self) -> TurnOptions:
        return TurnOptions(lang="en", state=self.state)

    def counted(self, heard: Heard) -> bool:
        self.client_turns += 1
        return False

    async def crisis_opened(self, delivered: bool) -> None:
        self.state = FlowState.CRISIS

    async def replied(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        self.finished.set()


def _speech(probs: list[float]) -> list[EndpointEvent]:
    """Real endpointer events (pauses on) for a probability script; frames tagged by index."""
    config = EndpointerConfig(min_snr_db=0.0, pause_ms=300, end_silence_ms=700, preroll_ms=0)
    endpointer = Endpointer(config, 512, 16000)
    events: list[EndpointEvent] = []
    for index, prob in enumerate(probs):
        frame = np.full(512, 0.1 if prob >= 0.5 else 0.001, dtype=np.float32)
        frame[0] = index + 1
        events.extend(endpointer.push(frame, prob))
    return events


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(2)
    yield workers
    workers.shutdown()


async def _feed(kiosk: Kiosk, events: list[EndpointEvent]) -> None:
    for event in events:
        await kiosk._endpoint(event)
        if isinstance(event, SpeechPaused) and kiosk.speculator.pending:
            # Let the guess finish while the client is still silent.
            assert await asyncio.to_thread(kiosk.transcriber.done.wait, 10)
            kiosk.transcriber.done.clear()
            await asyncio.sleep(0.01)


async def test_nothing_is_sent_or_stored_before_the_decision(pool: ModelPool) -> None:
    kiosk = Kiosk(pool)
    events = _speech([0.9] * 20 + [0.0] * 30)
    decision = next(i for i, e in enumerate(events) if isinstance(e, UtteranceEnded))
    await _feed(kiosk, events[:decision])
    assert kiosk.speculator.stats.started == 1 and kiosk.transcriber.calls  # it did guess
    channel, store = kiosk.channel, kiosk.store
    assert isinstance(channel, Channel) and isinstance(store, Store)
    assert not any(isinstance(i, TranscriptEvent | bytes) for i in channel.items)
    assert store.calls == [] and kiosk.conversation.asked == []  # type: ignore[union-attr]
    assert kiosk.turn == 0 and kiosk.client_turns == 0  # session state untouched

    await _feed(kiosk, events[decision:])
    await asyncio.wait_for(kiosk.finished.wait(), 10)
    ended = events[decision]
    assert isinstance(ended, UtteranceEnded)
    text = f"heard {len(ended.audio)} samples"
    assert kiosk.transcriber.calls == [len(ended.audio)]  # the guess was used, not redone
    transcripts = [i for i in channel.items if isinstance(i, TranscriptEvent)]
    assert [t.text for t in transcripts] == [text]
    assert store.calls[0] == f"client_turn:{text}"  # screened and stored after the decision
    assert kiosk.conversation.asked == [text]  # type: ignore[union-attr]


async def test_speech_resuming_after_a_pause_transcribes_the_whole_utterance(
    pool: ModelPool,
) -> None:
    kiosk = Kiosk(pool)
    events = _speech([0.9] * 20 + [0.0] * 12 + [0.9] * 25 + [0.0] * 30)
    await _feed(kiosk, events)
    await asyncio.wait_for(kiosk.finished.wait(), 10)
    ended = next(e for e in events if isinstance(e, UtteranceEnded))
    first_pause = next(e for e in events if isinstance(e, SpeechPaused))
    assert len(first_pause.audio) < len(ended.audio)
    text = f"heard {len(ended.audio)} samples"
    transcripts = [i for i in kiosk.channel.items if isinstance(i, TranscriptEvent)]
    assert [t.text for t in transcripts] == [text]  # never the first part's guess
    assert kiosk.conversation.asked == [text]  # type: ignore[union-attr]
    assert kiosk.speculator.stats.discarded == 1 and kiosk.speculator.stats.used == 1


async def test_an_unmatched_guess_is_redone_on_the_final_audio(pool: ModelPool) -> None:
    kiosk = Kiosk(pool)
    events = _speech([0.9] * 20 + [0.0] * 12)
    await _feed(kiosk, events)
    pause = next(e for e in events if isinstance(e, SpeechPaused))
    longer = np.concatenate([pause.audio, np.ones(512, dtype=np.float32)])
    # A flush (push-to-talk release) cut elsewhere than the pause: the guess does not fit.
    cut = UtteranceEnded(audio=longer, reason=UtteranceEndReason.STREAM_END, speech_end_s=9.0)
    await kiosk._endpoint(cut)
    await asyncio.wait_for(kiosk.finished.wait(), 10)
    transcripts = [i for i in kiosk.channel.items if isinstance(i, TranscriptEvent)]
    assert [t.text for t in transcripts] == [f"heard {len(longer)} samples"]
    assert kiosk.transcriber.calls == [len(pause.audio), len(longer)]

