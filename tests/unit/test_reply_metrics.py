"""The engine with the real reply filter: blocks counted by reason; clause cuts judged whole."""

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


class _LongBad:
    name = "long"

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        yield "Ending your life would not be the answer to all of this, "
        yield "but I understand why it feels that way."


def test_a_meaning_split_across_a_clause_cut_is_still_blocked() -> None:
    # The engine cuts a long first sentence at a clause so speech starts sooner; the filter
    # must still see the whole sentence before the second half is released.
    engine = ReflectionEngine.load(ContentStore(), responder=_LongBad())
    events = list(engine.new_conversation("en").respond("Work has been a lot lately."))
    said = [e for e in events if isinstance(e, ReplySentence)]
    # The first clause alone may pass (then the second is judged with it and blocked) or be
    # withheld itself (the embedded model's memory layer now withholds it): either way no
    # part of the meaning reaches the client.
    assert said and said[-1].blocked
    spoken = " ".join(e.text for e in said if not e.blocked)
    assert "understand why" not in " ".join(e.text for e in said)
    assert "understand why" not in spoken
