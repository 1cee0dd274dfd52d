"""A responder's text stream as sentences, with the scripted reflector behind a failing one."""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterator
from dataclasses import dataclass

from reflection.responders.base import ReplyRequest, Responder
from reflection.sentences import SentenceSplitter

log = logging.getLogger("reflection.engine")


def stream_sentences(responder: Responder, request: ReplyRequest, splitter: SentenceSplitter,
                     fallback: Responder) -> Generator[str, None, None]:
    """Split the responder's stream; a crashing responder falls back to the scripted one."""
    stream = responder.stream(request)
    produced = False
    try:
        for piece in stream:
            for sentence in splitter.feed(piece):
                produced = True
                yield sentence
        yield from splitter.flush()
    except Exception:  # a failing backend must not leave the client without a reply
        log.exception("responder %s failed; using the scripted reflector", responder.name)
        if not produced:
            yield from fallback.stream(request)
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()  # stops an abandoned model stream (e.g. the Ollama reader)


@dataclass(frozen=True)
class FixedLine:
    """A responder that says one given line."""

    text: str
    name: str = "scripted"

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        """The line, whole."""
        yield self.text
