"""Issue 19: a lone surrogate in a JSON body is refused (400) before any route runs."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from server.text_guard import RejectInvalidText, body_is_clean


class Body(BaseModel):
    username: str


def client() -> TestClient:
    app = FastAPI()
    app.add_middleware(RejectInvalidText)

    @app.post("/echo")
    def echo(body: Body) -> dict[str, str]:
        return {"username": body.username}

    return TestClient(app, raise_server_exceptions=False)


def test_escaped_and_raw_lone_surrogates_are_400() -> None:
    http = client()
    for raw in (b'{"username": "ab\\ud800cd"}', b'{"username": "ab\xed\xa0\x80cd"}',
                b'{"username": "\\udfff"}'):
        answer = http.post("/echo", content=raw, headers={"content-type": "application/json"})
        assert answer.status_code == 400, raw
        assert answer.json()["detail"]["code"] == "invalid_text"


def test_valid_text_and_surrogate_pairs_pass() -> None:
    http = client()
    for raw, expected in ((b'{"username": "ana"}', "ana"),
                          (b'{"username": "\\ud83d\\ude00 ok"}', "\U0001f600 ok"),
                          ('{"username": "Mar\u00eda"}'.encode(), "Mar\u00eda")):
        answer = http.post("/echo", content=raw, headers={"content-type": "application/json"})
        assert answer.status_code == 200 and answer.json() == {"username": expected}


def test_body_check() -> None:
    assert body_is_clean(b'{"a": ["x", {"b": "\\u00e9"}]}')
    assert not body_is_clean(b'{"a": ["x", {"\\ud800": 1}]}')
