"""Backchannels during a reply: a "mm-hm" lets it play on, real speech still stops it (fakes)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from reflection.events import EngineEvent, Screened
from reflection.flow import FlowState
from server.events import Event
from server.kiosk_events import AudioStop, SpeechStartedEvent
from server.metrics import ServerMetrics
from server.speech import Heard, Voiced
from server.turn import Turns
from server.turn_state import TurnOptions, TurnState
from server.workers import ModelPool
from tests.unit.reply_fakes import reply_done, screened, sentence
from voice.endpointer import SpeechStarted, SpeechSustained, UtteranceEnded, UtteranceEndReason
from voice.turn_taking import TurnTaking


class Transcriber:
    def __init__(self, text: str) -> None:
        self.text = text

    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        return Heard(text=self.text, lang="en", confidence=1.0)


class Speaker:
    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        return Voiced(pcm16=b"\x01\x00" * 800, sample_rate=16000)


class Conversation:
    def __init__(self) -> None:
        self.asked: list[str] = []

    @property
    def in_crisis(self) -> bool:
        return False

    def reply(self, text: str, lang: str | None) -> Iterator[EngineEvent]:
        self.asked.append(text)
        yield screened(0)
        yield sentence(0, "That sounds hard.")
        yield reply_done("fake")


class Channel:
    def __init__(self) -> None:
        self.items: list[Event | bytes] = []

    async def event(self, event: Event) -> None:
        self.items.append(event)

    async def audio(self, frame: bytes) -> None:
        self.items.append(frame)

    async def error(self, error: Any) -> None:
        self.items.append(error)


class Store:
    session = object()

    input_kind = "spoken"

    def client_turn(self, heard: Heard, screening: Screened, *, turn: int | None = None
                    ) -> None:
        pass

    def reply_turn(self, turn: int, heard: str, reply: str, level: int, *,
                   meta: object = None) -> None:
        pass

    def empty_transcript(self) -> None:
        pass

    def alert(self, crisis: Any, *, heard_at: float) -> bool:
        return True


class Kiosk:
    """A fake session hosting the real `Turns`, with a reply playing."""

    def __init__(self, pool: ModelPool, heard: str) -> None:
        self.state = FlowState.REFLECTING
        self.lang = "en"
        self.conversation = Conversation()
        self.channel = Channel()
        self.metrics = ServerMetrics()
        self.finished = asyncio.Event()
        self.turns = Turns(
            channel=self.channel,  # type: ignore[arg-type]
            store=Store(),  # type: ignore[arg-type]
            pool=pool,
            transcriber=Transcriber(heard),
            speaker=Speaker(),
            metrics=self.metrics,
            host=self,  # type: ignore[arg-type]
            turn_taking=TurnTaking(),
        )
        self.turns._playback_until = time.monotonic() + 600  # the kiosk is playing a reply

    def options(self) -> TurnOptions:
        return TurnOptions(lang="en", state=self.state)

    def counted(self, heard: Heard) -> bool:
        return False

    async def crisis_opened(self, delivered: bool) -> None:
        self.state = FlowState.CRISIS

    async def replied(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        self.finished.set()


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(1)
    yield workers
    workers.shutdown()


def _ended() -> UtteranceEnded:
    return UtteranceEnded(np.zeros(8000, dtype=np.float32), UtteranceEndReason.SILENCE,
                          speech_end_s=1.0)


def _sent(kiosk: Kiosk, kind: type) -> int:
    assert isinstance(kiosk.channel, Channel)
    return sum(isinstance(item, kind) for item in kiosk.channel.items)


@pytest.mark.parametrize("heard", ["Mm-hm.", "Yeah.", "Okay.", ""])
async def test_a_backchannel_does_not_stop_the_reply(pool: ModelPool, heard: str) -> None:
    kiosk = Kiosk(pool, heard)
    await kiosk.turns.endpoint(SpeechStarted(start_s=0.5))
    assert _sent(kiosk, SpeechStartedEvent) == 0  # the kiosk's playback is not stopped
    await kiosk.turns.endpoint(_ended())
    assert kiosk.turns.replying() and kiosk.turns.turn == 0  # no new turn, the reply plays on
    assert _sent(kiosk, AudioStop) == 0
    assert kiosk.metrics.backchannels._value.get() == 1
    assert kiosk.metrics.barge_ins._value.get() == 0


async def test_short_real_words_stop_the_reply_and_become_the_next_turn(pool: ModelPool) -> None:
    kiosk = Kiosk(pool, "No, stop.")
    await kiosk.turns.endpoint(SpeechStarted(start_s=0.5))
    await kiosk.turns.endpoint(_ended())
    assert _sent(kiosk, AudioStop) == 1 and _sent(kiosk, SpeechStartedEvent) == 1
    await asyncio.wait_for(kiosk.finished.wait(), 10)
    assert kiosk.conversation.asked == ["No, stop."]  # type: ignore[union-attr]
    assert kiosk.metrics.barge_ins._value.get() == 1


async def test_sustained_speech_stops_the_reply_at_once(pool: ModelPool) -> None:
    kiosk = Kiosk(pool, "I want to tell you about my week.")
    await kiosk.turns.endpoint(SpeechStarted(start_s=0.5))
    await kiosk.turns.endpoint(SpeechSustained(at_s=1.4))
    assert not kiosk.turns.replying() and _sent(kiosk, AudioStop) == 1
    assert _sent(kiosk, SpeechStartedEvent) == 1  # now the kiosk shows it is hearing
    await kiosk.turns.endpoint(_ended())
    await asyncio.wait_for(kiosk.finished.wait(), 10)
    assert kiosk.conversation.asked == ["I want to tell you about my week."]  # type: ignore[union-attr]


async def test_without_turn_taking_any_speech_stops_the_reply(pool: ModelPool) -> None:
    kiosk = Kiosk(pool, "Mm-hm.")
    kiosk.turns.turn_taking = None
    await kiosk.turns.endpoint(SpeechStarted(start_s=0.5))
    assert not kiosk.turns.replying() and _sent(kiosk, SpeechStartedEvent) == 1
