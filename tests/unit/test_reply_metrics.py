"""Blocked reply sentences are counted by reason in the server metrics, never with text."""

from __future__ import annotations

from collections.abc import Iterator

from reflection.content_files import ContentStore
from reflection.engine import ReflectionEngine
from reflection.events import ReplySentence
from reflection.responders.base import ReplyRequest
from server.metrics import ServerMetrics

BAD = "You should divorce him."


class _Bad:
    name = "bad"

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        yield BAD


def test_blocked_sentences_are_counted_by_reason() -> None:
    metrics = ServerMetrics()
    engine = ReflectionEngine.load(ContentStore(), responder=_Bad())
    engine.block_listeners.append(metrics.count_blocked)
    events = list(engine.new_conversation("en").respond("My marriage is hard."))
    said = [e for e in events if isinstance(e, ReplySentence)]
    assert said and said[0].blocked and said[0].text != BAD
    assert said[0].reasons[0] == "directive"
    text = metrics.render().decode()
    assert 'reflect_blocked_sentences_total{reason="directive"} 1.0' in text
    assert "divorce" not in text
