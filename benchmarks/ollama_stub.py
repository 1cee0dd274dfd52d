"""A small local HTTP server speaking Ollama's documented API: the benchmarks' and tests' stand-in
for a real Ollama, which cannot be installed here (no model is run; replies are scripted)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class FakeOllamaScript:
    """What the fake server answers; tests change it between calls."""

    models: list[str] = field(default_factory=lambda: ["llama3.2:3b"])
    reply_chunks: list[str] = field(
        default_factory=lambda: ["It sounds like ", "a lot has been ", "on your mind. ",
                                 "What feels most ", "important right now?"]
    )
    first_token_delay_s: float = 0.0
    chunk_delay_s: float = 0.0
    # A non-streamed reply body for format= requests (summaries, the reply judge), as JSON text.
    json_reply: str = "{}"
    json_delay_s: float = 0.0
    # When not empty, each streamed chat takes the next reply from here instead of reply_chunks.
    reply_queue: list[list[str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


class FakeOllama:
    """Runs the server on 127.0.0.1 with a free port in a daemon thread."""

    def __init__(self, script: FakeOllamaScript | None = None) -> None:
        self.script = script or FakeOllamaScript()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def host(self) -> str:
        """Base URL for ollama.Client(host=...)."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeOllama:
        """Begin serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; delayed handlers wake up and end."""
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return  # keep test output quiet

            def _json(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> dict[str, Any]:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                parsed: dict[str, Any] = json.loads(raw or b"{}")
                return parsed

            def do_GET(self) -> None:
                if self.path == "/api/version":
                    self._json(200, {"version": "0.6.0-fake"})
                elif self.path == "/api/tags":
                    models = [{"name": m, "model": m, "size": 1, "digest": "0" * 12}
                              for m in fake.script.models]
                    self._json(200, {"models": models})
                else:
                    self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = self._body()
                fake.script.requests.append({"path": self.path, **body})
                model = body.get("model", "")
                if self.path == "/api/show":
                    if model in fake.script.models:
                        self._json(200, {"modelfile": "", "parameters": "", "template": ""})
                    else:
                        self._json(404, {"error": f"model '{model}' not found"})
                    return
                if self.path != "/api/chat":
                    self._json(404, {"error": "not found"})
                    return
                if model not in fake.script.models:
                    self._json(404, {"error": f"model '{model}' not found"})
                    return
                if not body.get("stream", True):
                    if fake._closing.wait(fake.script.json_delay_s):
                        return
                    self._json(200, {
                        "model": model, "created_at": "2025-01-01T00:00:00Z",
                        "message": {"role": "assistant", "content": fake.script.json_reply},
                        "done": True, "done_reason": "stop",
                    })
                    return
                self._stream_chat(model)

            def _stream_chat(self, model: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/x-ndjson")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if fake._closing.wait(fake.script.first_token_delay_s):
                    return
                chunks = (fake.script.reply_queue.pop(0) if fake.script.reply_queue
                          else fake.script.reply_chunks)
                try:
                    for i, piece in enumerate(chunks):
                        if i and fake._closing.wait(fake.script.chunk_delay_s):
                            return
                        self._chunk({"model": model, "created_at": "2025-01-01T00:00:00Z",
                                     "message": {"role": "assistant", "content": piece},
                                     "done": False})
                    self._chunk({"model": model, "created_at": "2025-01-01T00:00:00Z",
                                 "message": {"role": "assistant", "content": ""},
                                 "done": True, "done_reason": "stop"})
                    self.wfile.write(b"0\r\n\r\n")
                except (BrokenPipeError, ConnectionResetError):
                    return  # the client gave up on the stream, as a timeout should

            def _chunk(self, body: dict[str, Any]) -> None:
                line = json.dumps(body).encode() + b"\n"
                self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
                self.wfile.flush()

        return Handler


@contextmanager
def running_fake_ollama(script: FakeOllamaScript | None = None) -> Iterator[FakeOllama]:
    """A started fake server, stopped on exit."""
    fake = FakeOllama(script).start()
    try:
        yield fake
    finally:
        fake.stop()
