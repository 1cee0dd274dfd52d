"""Start-up warms the engine once, and one process holds one rules filter and one encoder."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from reflection.reply_embed import RecentVectors
from reflection.responders.scripted import ScriptedReflector
from server.assembly import assemble
from server.config import Settings


class CountingEncoder:
    """Stands in for USE: a vector per text from its length, and how many texts it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def encode(self, texts: list[str]) -> Any:
        self.seen += texts
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_recent_vectors_encode_a_repeat_once_and_keep_the_order() -> None:
    inner = CountingEncoder()
    cached = RecentVectors(inner, size=2)
    first = cached.encode(["ab", "abc"])
    again = cached.encode(["abc", "ab", "ab"])
    assert inner.seen == ["ab", "abc"]
    assert again.tolist() == [[3, 1], [2, 1], [2, 1]]
    assert first.tolist() == [[2, 1], [3, 1]]
    cached.encode(["abcd"])  # evicts the least recent ("ab" was used after "abc": "abc" goes)
    cached.encode(["ab"])
    assert inner.seen == ["ab", "abc", "abcd"]


@pytest.fixture(scope="module")
def assembled() -> Any:
    return assemble(Settings(responder={"kind": "scripted"}), probe=False)


def test_one_scripted_reflector_and_one_rules_filter(assembled: Any) -> None:
    engine = assembled.engine
    assert isinstance(engine.responder, ScriptedReflector)
    assert engine.scripted is engine.responder
    # The reflector's own checks use the engine's rules (with the protected prompts).
    assert engine.scripted._filter is engine.reply_filter


def test_warm_then_reply_in_both_languages(assembled: Any) -> None:
    engine = assembled.engine
    engine.warm()
    for lang, text in (("en", "My sister called and we argued."),
                       ("es", "Mi hermana me llamó y discutimos.")):
        events = list(engine.new_conversation(lang).respond(text, lang))
        assert type(events[0]).__name__ == "Screened"
        assert type(events[-1]).__name__ == "ReplyDone"
        assert events[-1].language == lang
