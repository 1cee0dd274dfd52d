"""Replies from a local Ollama model, with timeouts, health status and a scripted fallback."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import ollama

from reflection.content_files import ContentStore
from reflection.responders.base import (
    ReplyRequest,
    Responder,
    ResponderState,
    ResponderStatus,
)
from reflection.responders.prompting import build_messages
from reflection.sentences import SentenceSplitter

log = logging.getLogger(__name__)

_TEXT, _DONE, _ERROR = "text", "done", "error"
_ENDS = (".", "!", "?", "…")


class _StreamTimeout(Exception):
    """The model did not answer in time."""


def classify_failure(exc: BaseException) -> ResponderState:
    """Map a client exception onto the state /health should show."""
    if isinstance(exc, ollama.ResponseError) and exc.status_code == 404:
        return ResponderState.MODEL_MISSING
    if isinstance(exc, ConnectionError | httpx.ConnectError | httpx.ConnectTimeout):
        return ResponderState.UNREACHABLE
    return ResponderState.DEGRADED


def model_matches(wanted: str, available: str) -> bool:
    """Ollama names without a tag mean ":latest"."""
    def norm(name: str) -> str:
        return name if ":" in name else f"{name}:latest"

    return norm(wanted) == norm(available)


class OllamaResponder:
    """Streams from Ollama's /api/chat; falls back to another responder when it cannot."""

    name = "ollama"

    def __init__(
        self,
        *,
        host: str,
        model: str,
        fallback: Responder,
        store: ContentStore | None = None,
        first_token_timeout_s: float = 4.0,
        total_timeout_s: float = 20.0,
        history_turns: int = 8,
        retry_after_s: float = 30.0,
        connect_timeout_s: float = 2.0,
        options: dict[str, Any] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.model = model
        self.host = host
        self._fallback = fallback
        self._store = store or ContentStore()
        self._first_token_timeout_s = first_token_timeout_s
        self._total_timeout_s = total_timeout_s
        self._history_turns = history_turns
        self._retry_after_s = retry_after_s
        self._clock = clock
        self._options = options or {"temperature": 0.4, "num_predict": 160}
        # The read timeout bounds how long a reader thread can outlive an abandoned turn.
        timeout = httpx.Timeout(total_timeout_s, connect=connect_timeout_s)
        self._client = ollama.Client(host=host, timeout=timeout)
        self._lock = threading.Lock()
        self._state = ResponderState.DEGRADED
        self._last_error = "not checked yet"
        self._skip_until = 0.0

    @property
    def fallback(self) -> Responder:
        """The responder used when Ollama cannot answer."""
        return self._fallback

    def status(self) -> ResponderStatus:
        """The backend's last known health."""
        with self._lock:
            return ResponderStatus(self.name, self._state, self.model, self._last_error)

    def probe(self) -> ResponderStatus:
        """Ask Ollama (/api/tags) whether it is up and has the model; update status."""
        try:
            listing = self._client.list()
        except Exception as exc:  # any failure here just means "not usable now"
            self._record_failure(exc)
            return self.status()
        names = [m.model or "" for m in listing.models]
        if any(model_matches(self.model, name) for name in names):
            self._record_success()
        else:
            self._record_failure(
                ollama.ResponseError(f"model '{self.model}' not found", 404)
            )
        return self.status()

    def stream(self, request: ReplyRequest) -> Iterator[str]:
        """Yield complete sentences from the model, or the fallback's reply if it fails."""
        if not self._should_try():
            yield from self._fallback.stream(request)
            return
        prompts = self._store.load(request.language, "prompts")
        messages = build_messages(request, prompts, history_turns=self._history_turns)
        pieces: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()
        reader = threading.Thread(
            target=self._read, args=(messages, pieces, stop), name="ollama-reader", daemon=True
        )
        reader.start()
        # Sentences only: if the model stalls mid-reply, what was spoken still ends cleanly.
        splitter = SentenceSplitter(first_clause_chars=None)
        yielded = False
        try:
            for piece in self._pieces(pieces):
                for sentence in splitter.feed(piece):
                    yielded = True
                    yield sentence + " "
            tail = splitter.flush()
            if not yielded and not tail:
                raise _StreamTimeout("empty reply")
            yield from tail
            self._record_success()
        except Exception as exc:  # every backend failure falls back; the reason is recorded
            self._record_failure(exc)
            # A finished sentence still waiting for what follows it can be said; a fragment not.
            finished = [s for s in splitter.flush() if s.rstrip("\"')”’ ").endswith(_ENDS)]
            yielded = yielded or bool(finished)
            yield from finished
            if not yielded:
                yield from self._fallback.stream(request)
        finally:
            stop.set()

    def _pieces(self, pieces: queue.Queue[tuple[str, Any]]) -> Iterator[str]:
        """Text pieces from the reader thread, enforcing first-token and total deadlines."""
        start = self._clock()
        total_deadline = start + self._total_timeout_s
        first_deadline = min(start + self._first_token_timeout_s, total_deadline)
        got_text = False
        while True:
            remaining = (total_deadline if got_text else first_deadline) - self._clock()
            if remaining <= 0:
                raise _StreamTimeout("first token" if not got_text else "total time")
            try:
                kind, value = pieces.get(timeout=remaining)
            except queue.Empty:
                raise _StreamTimeout("first token" if not got_text else "total time") from None
            if kind == _ERROR:
                raise value
            if kind == _DONE:
                return
            if value:
                got_text = got_text or bool(value.strip())
                yield value

    def _read(
        self,
        messages: list[dict[str, str]],
        pieces: queue.Queue[tuple[str, Any]],
        stop: threading.Event,
    ) -> None:
        """Worker thread: pull chunks from the HTTP stream until done or told to stop."""
        try:
            chunks = self._client.chat(
                model=self.model, messages=messages, stream=True, options=self._options
            )
            for chunk in chunks:
                if stop.is_set():
                    break  # leaving the loop closes the HTTP response
                pieces.put((_TEXT, chunk.message.content or ""))
                if chunk.done:
                    break
            pieces.put((_DONE, None))
        except Exception as exc:  # handed to the consuming thread, which decides
            pieces.put((_ERROR, exc))

    def _should_try(self) -> bool:
        with self._lock:
            return self._clock() >= self._skip_until

    def _record_success(self) -> None:
        with self._lock:
            if self._state is not ResponderState.AVAILABLE:
                log.info("ollama responder available (model %s)", self.model)
            self._state = ResponderState.AVAILABLE
            self._last_error = ""
            self._skip_until = 0.0

    def _record_failure(self, exc: BaseException) -> None:
        state = classify_failure(exc)
        # Error text comes from the client library or server, never from client words.
        message = f"{type(exc).__name__}: {exc}"[:300]
        with self._lock:
            if state is not self._state or message != self._last_error:
                log.warning("ollama responder %s: %s; using scripted replies", state, message)
            self._state = state
            self._last_error = message
            self._skip_until = self._clock() + self._retry_after_s
