"""Unsure transcripts reach screening: Heard.alternatives -> replier -> Screened -> metrics."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from reflection.engine import ReflectionEngine
from reflection.events import EngineEvent, Screened
from server.conversations import EngineConversation
from server.metrics import ServerMetrics
from server.pipeline import TurnPipeline
from server.speech import Heard
from server.turn_hooks import ClientTurnHooks
from server.turn_state import TurnOptions, TurnState
from server.workers import ModelPool
from tests.unit.reply_fakes import reply_done, screened
from tests.unit.test_server_pipeline import FakeSpeaker, Recorder


class UnsureTranscriber:
    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        return Heard("I want tonight.", "en", 0.3, alternatives=("I want to die.",))


class RecordingReplier:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def reply(self, text: str, lang: str | None, alternatives: Sequence[str] = ()
              ) -> Iterator[EngineEvent]:
        self.calls.append((text, tuple(alternatives)))
        yield screened(0)
        yield reply_done("fake")


@pytest.fixture
def pool() -> Iterator[ModelPool]:
    workers = ModelPool(1)
    yield workers
    workers.shutdown()


async def test_pipeline_hands_the_alternatives_to_the_replier(pool: ModelPool) -> None:
    replier = RecordingReplier()
    recorder = Recorder()
    pipeline = TurnPipeline(pool=pool, transcriber=UnsureTranscriber(), speaker=FakeSpeaker(),
                            replier=replier, output=recorder, hooks=recorder)
    state = TurnState(turn=1)
    heard = await pipeline.hear(state, TurnOptions(), np.zeros(1600, dtype=np.float32))
    await pipeline.respond(state, TurnOptions(), heard)
    assert replier.calls == [("I want tonight.", ("I want to die.",))]


def test_engine_conversation_marks_a_raised_screening() -> None:
    conversation = EngineConversation(ReflectionEngine.load().new_conversation("en"))
    parts = list(conversation.reply("I want tonight.", "en", ("I want to die.",)))
    screening = next(p for p in parts if isinstance(p, Screened))
    assert screening.level >= 2 and screening.raised_by_alternative
    calm = list(conversation.reply("I slept well.", "en", ("I slept well!",)))
    assert not next(p for p in calm if isinstance(p, Screened)).raised_by_alternative


def test_metrics_expose_the_alternative_raise_counter() -> None:
    metrics = ServerMetrics()
    metrics.alternative_raises.inc()
    assert b"reflect_screening_alternative_raises_total 1.0" in metrics.render()


class FakeStore:
    def __init__(self) -> None:
        self.turns: list[tuple[str, int]] = []

    def client_turn(self, heard: Heard, screening: Screened, *, turn: int = 0) -> None:
        self.turns.append((heard.text, screening.level))


class FakeTurns:
    def __init__(self) -> None:
        self.store = FakeStore()
        self.metrics = ServerMetrics()

    def crisis_reply(self, turn: int) -> None:
        pass


async def test_client_turn_hooks_count_a_raise_and_store_the_turn() -> None:
    turns = FakeTurns()
    hooks = ClientTurnHooks(turns, TurnState(turn=1))  # type: ignore[arg-type]
    heard = Heard("I want tonight.", "en", 0.3, alternatives=("I want to die.",))
    await hooks.screened(1, heard, screened(2, raised_by_alternative=True))
    await hooks.screened(2, Heard("Hi.", "en", 0.9), screened(0))
    assert turns.store.turns == [("I want tonight.", 2), ("Hi.", 0)]
    assert b"reflect_screening_alternative_raises_total 1.0" in turns.metrics.render()
