"""Refuse JSON bodies holding text that is not valid Unicode (a lone surrogate), with a 400.

Python's JSON decoder accepts `"\\ud800"` and even raw surrogate bytes; such a string fails
later, deep in storage, as a 500 whose message can quote the value. Checked here, before any
route runs, and never logged.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_JSON_BODY = 1 << 20  # API bodies are small; a bigger one is refused, not buffered


def _strings_ok(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_strings_ok(k) and _strings_ok(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_strings_ok(v) for v in value)
    return True


def body_is_clean(body: bytes) -> bool:
    """Valid UTF-8 and, if it parses as JSON, no string with a lone surrogate."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if b"\\u" not in body:
        return True  # no escape, so no escaped surrogate
    try:
        parsed = json.loads(body)
    except ValueError:
        return True  # malformed JSON: FastAPI answers 422 itself
    return _strings_ok(parsed)


class RejectInvalidText:
    """Pure ASGI middleware over JSON request bodies."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers", [])) if scope["type"] == "http" else {}
        if b"json" not in headers.get(b"content-type", b""):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_JSON_BODY:
                await _refuse(413, "too_large", "request body too large")(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if not body_is_clean(body):
            await _refuse(400, "invalid_text", "text must be valid Unicode")(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"detail": {"code": code, "message": message}}, status_code=status)
