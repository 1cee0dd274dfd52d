"""Unsure transcripts reach screening: Heard.alternatives -> replier -> Screening -> metrics."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import pytest
from numpy.typing import NDArray

from reflection.engine import ReflectionEngine
from server.engine_stages import Conversation
from server.metrics import ServerMetrics
from server.pipeline import TurnOptions, TurnPipeline, TurnState
from server.stages import Heard, ReplyEnd, ReplyPart, Screening
from server.workers import ModelPool
from tests.unit.test_server_pipeline import FakeSpeaker, Recorder


class UnsureTranscriber:
    def transcribe(self, samples: NDArray[np.float32], lang: str | None) -> Heard:
        return Heard("I want tonight.", "en", 0.3, alternatives=("I want to die.",))


class RecordingReplier:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[str, ...]]] = []

    def reply(self, text: str, lang: str | None, alternatives: Sequence[str] = ()
              ) -> Iterator[ReplyPart]:
        self.calls.append((text, tuple(alternatives)))
        yield Screening(level=0)
        yield ReplyEnd(responder="fake")


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
    conversation = Conversation(ReflectionEngine.load().new_conversation("en"))
    parts = list(conversation.reply("I want tonight.", "en", ("I want to die.",)))
    screening = next(p for p in parts if isinstance(p, Screening))
    assert screening.level >= 2 and screening.raised_by_alternative
    calm = list(conversation.reply("I slept well.", "en", ("I slept well!",)))
    assert not next(p for p in calm if isinstance(p, Screening)).raised_by_alternative


def test_metrics_expose_the_alternative_raise_counter() -> None:
    metrics = ServerMetrics()
    metrics.alternative_raises.inc()
    assert b"reflect_screening_alternative_raises_total 1.0" in metrics.render()
