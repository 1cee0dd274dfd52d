"""A crisis turn's screening and alert survive a second text and a barge-in (the turn component
with fake stages; the real-server races are in tests/e2e/test_ws_crisis_chain.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from reflection.events import CrisisEventType, EngineEvent, Screened, crisis_level
from reflection.flow import FlowState
from server.events import Event
from server.kiosk_events import CrisisEvent, ReplyDoneEvent
from server.metrics import ServerMetrics
from server.speech import Heard, Voiced
from server.turn import Turns
from server.turn_state import TurnOptions, TurnState
from server.workers import ModelPool
from tests.unit.reply_fakes import crisis_event, reply_done, screened, sentence

CRISIS_WORDS = "kill myself"


class SlowScreeningConversation:
    """Screening takes `screen_s` (in the model thread); crisis texts lock the conversation."""

    def __init__(self, screen_s: float) -> None:
        self.screen_s = screen_s
        self.screened: list[str] = []
        self.locked = False

    @property
    def in_crisis(self) -> bool:
        return self.locked

    def reply(self, text: str, lang: str | None) -> Iterator[EngineEvent]:
        threading.Event().wait(self.screen_s)
        self.screened.append(text)
        if CRISIS_WORDS in text or self.locked:
            first = not self.locked
            self.locked = True
            yield screened(3 if first else 0)
            # The crisis event says its message (a repeated one: no second alert).
            yield crisis_event(
                "I am letting your therapist know.", repeated=not first,
                undelivered=(("I am letting your therapist know.", "Go to the front desk."),),
            )
        else:
            yield screened(0)
            for index in range(3):
                threading.Event().wait(0.05)
                yield sentence(index, f"Reflection {index}.")
        yield reply_done("fake")

    def summary(self) -> dict[str, Any]:
        return {}

    def ask(self, name: str) -> str:
        return "?"


class Speaker:
    def speak(self, text: str, *, lang: str, rate: float) -> Voiced:
        return Voiced(pcm16=b"\x01\x00" * 1600, sample_rate=16000)


class Transcriber:
    def transcribe(self, samples: Any, lang: str | None) -> Heard:
        return Heard(text="", lang="en", confidence=1.0)


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
    """Records the order of queued writes and alerts; `watching` staff screens."""

    def __init__(self, watching: bool) -> None:
        self.watching = watching
        self.session = object()
        self.calls: list[str] = []

    def client_turn(self, heard: Heard, screening: Screened, *, turn: int | None = None
                    ) -> None:
        self.calls.append(f"client:{heard.text}:{screening.level}")

    def reply_turn(self, turn: int, client_text: str, reply: str, level: int, *,
                   meta: object = None) -> None:
        self.calls.append(f"reply:{turn}")

    def empty_transcript(self) -> None:
        self.calls.append("empty")

    def alert(self, crisis: CrisisEventType, screening: Screened | None, *, heard_at: float
              ) -> bool:
        self.calls.append(f"alert:{crisis_level(crisis, screening)}")
        return self.watching


class Host:
    def __init__(self, pool: ModelPool, *, screen_s: float, watching: bool = True) -> None:
        self.state = FlowState.REFLECTING
        self.lang = "en"
        self.conversation = SlowScreeningConversation(screen_s)
        self.channel = Channel()
        self.store = Store(watching)
        self.crisis_at: list[int] = []
        self.replied_turns: list[int] = []
        self.turns = Turns(
            channel=self.channel,  # type: ignore[arg-type]
            store=self.store,  # type: ignore[arg-type]
            pool=pool,
            transcriber=Transcriber(),
            speaker=Speaker(),
            metrics=ServerMetrics(),
            host=self,  # type: ignore[arg-type]
        )

    def options(self) -> TurnOptions:
        return TurnOptions(lang="en", state=self.state)

    def counted(self, heard: Heard) -> bool:
        return False

    async def crisis_opened(self, delivered: bool) -> None:
        self.state = FlowState.CRISIS
        self.crisis_at.append(len(self.channel.items))

    async def replied(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        self.replied_turns.append(state.turn)

    def events(self, kind: type[Event]) -> list[Any]:
        return [i for i in self.channel.items if isinstance(i, kind)]


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(2)
    yield workers
    workers.shutdown()


@pytest.mark.parametrize("gap_s", [0.0, 0.01, 0.05])
async def test_a_second_text_right_after_a_crisis_loses_neither(
    pool: ModelPool, gap_s: float
) -> None:
    host = Host(pool, screen_s=0.2)
    await host.turns.client(text=f"I want to {CRISIS_WORDS} tonight")
    await asyncio.sleep(gap_s)
    await host.turns.client(text="never mind")  # cancels the first reply, not its screening
    await host.turns.settle()
    await asyncio.sleep(0.3)

    crisis = host.events(CrisisEvent)
    assert len(crisis) == 1 and crisis[0].turn == 1 and crisis[0].alert_delivered
    assert host.state is FlowState.CRISIS
    # Screened and stored in order, the alert raised before the second turn was screened.
    assert host.conversation.screened == [f"I want to {CRISIS_WORDS} tonight", "never mind"]
    calls = host.store.calls
    assert calls.index("alert:3") < calls.index("client:never mind:0")
    assert calls[0] == f"client:I want to {CRISIS_WORDS} tonight:3"


async def test_a_barge_in_during_screening_stops_only_the_reply(pool: ModelPool) -> None:
    host = Host(pool, screen_s=0.2)
    await host.turns.client(text="work was hard")
    await asyncio.sleep(0.05)
    await host.turns.barge_in()  # while the text is being screened
    await host.turns.settle()
    await asyncio.sleep(0.2)
    assert host.conversation.screened == ["work was hard"]
    assert host.store.calls[0] == "client:work was hard:0"
    cancelled = [e for e in host.events(ReplyDoneEvent) if e.cancelled]
    assert [e.turn for e in cancelled] == [1] and host.replied_turns == []


async def test_a_crisis_while_nobody_watches_says_what_is_true(pool: ModelPool) -> None:
    host = Host(pool, screen_s=0.0, watching=False)
    await host.turns.client(text=f"I want to {CRISIS_WORDS}")
    await host.turns.settle()
    for _ in range(100):
        if host.replied_turns:
            break
        await asyncio.sleep(0.02)
    crisis = host.events(CrisisEvent)[0]
    assert crisis.alert_delivered is False and crisis.therapist_notified is False
    assert "front desk" in crisis.message and "letting your therapist" not in crisis.message
    spoken = [i.text for i in host.channel.items if type(i).__name__ == "ReplySentenceEvent"]
    assert spoken == ["Go to the front desk."]


async def test_the_crisis_screen_opens_before_the_reply_is_spoken(pool: ModelPool) -> None:
    host = Host(pool, screen_s=0.0)
    await host.turns.client(text=f"I want to {CRISIS_WORDS}")
    await host.turns.settle()
    assert host.crisis_at, "crisis opened during screening"
    before = host.channel.items[: host.crisis_at[0]]
    assert not any(isinstance(i, bytes) for i in before)  # no reply audio before the screen
