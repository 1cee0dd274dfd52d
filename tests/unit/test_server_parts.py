"""Pure server parts: rate limits, summary review, security headers,
the development certificate."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from cli.certs_commands import write_dev_certificate
from server.messages import Review
from server.protocol import ErrorCode, ProtocolError
from server.ratelimit import ConnectionCounter, RateLimiter
from server.review import apply_review, client_view
from server.security_headers import SecurityHeadersMiddleware


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_allows_bursts_then_refills() -> None:
    clock = Clock()
    limiter = RateLimiter(rate=2, burst=3, clock=clock)
    assert [limiter.allow("k") for _ in range(4)] == [True, True, True, False]
    assert limiter.exhausted("k") and not limiter.exhausted("other")
    assert limiter.allow("other")  # keys are independent
    clock.now += 0.5  # one token back at 2/s
    assert limiter.allow("k") and not limiter.allow("k")


def test_rate_limiter_memory_is_bounded() -> None:
    limiter = RateLimiter(rate=1, burst=1, max_keys=10, clock=Clock())
    for i in range(100):
        limiter.allow(f"ip{i}")
    assert len(limiter._buckets) == 10


def test_connection_counter() -> None:
    counter = ConnectionCounter(2)
    assert counter.acquire("k") and counter.acquire("k") and not counter.acquire("k")
    counter.release("k")
    assert counter.count("k") == 1 and counter.acquire("k")


SUMMARY = {
    "themes": ["work", "family"],
    "feelings": [{"word": "stressed", "intensity": "high"}],
    "key_phrases": ["my sister"],
    "focus": "sleep",
    "risk_flags": [{"turn": 1, "level": 1, "categories": ["suicide"]}],
    "turn_count": 2,
}


def test_client_view_hides_risk_flags() -> None:
    view = client_view(SUMMARY)
    assert "risk_flags" not in view and view["themes"] == ["work", "family"]


def test_review_edits_and_removals() -> None:
    edited, record = apply_review(
        SUMMARY, Review(type="review", action="edit", field="feelings", index=0, text="tense")
    )
    assert edited["feelings"] == [{"word": "tense", "intensity": "high"}]
    assert record == {"action": "edit", "field": "feelings", "index": 0}
    assert SUMMARY["feelings"][0]["word"] == "stressed"  # type: ignore[index]  # not mutated
    removed, _ = apply_review(
        SUMMARY, Review(type="review", action="remove", field="themes", index=1)
    )
    assert removed["themes"] == ["work"]
    cleared, _ = apply_review(SUMMARY, Review(type="review", action="remove", field="focus"))
    assert cleared["focus"] == ""
    with pytest.raises(ProtocolError) as caught:
        apply_review(SUMMARY, Review(type="review", action="remove", field="themes", index=7))
    assert caught.value.code == ErrorCode.BAD_MESSAGE


def test_security_headers_on_pages_and_no_store_on_api() -> None:
    async def page(request: object) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/api/x", page), Route("/kiosk/", page)])
    client = TestClient(SecurityHeadersMiddleware(app, tls=True))
    api = client.get("/api/x")
    assert api.headers["cache-control"] == "no-store"
    assert api.headers["strict-transport-security"].startswith("max-age=")
    kiosk = client.get("/kiosk/")
    assert "microphone=(self)" in kiosk.headers["permissions-policy"]
    assert "cache-control" not in kiosk.headers
    assert kiosk.headers["x-content-type-options"] == "nosniff"


def test_dev_certificate(tmp_path: Path) -> None:
    from cryptography import x509

    cert_path, key_path = write_dev_certificate(tmp_path, ["localhost", "127.0.0.1"], 5)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)
    assert [str(ip) for ip in names.get_values_for_type(x509.IPAddress)] == ["127.0.0.1"]
    assert key_path.stat().st_mode & 0o777 == 0o600


def test_client_view_shows_questions_and_safety_words_and_questions_can_be_removed() -> None:
    summary = {**SUMMARY, "questions": ["am I depressed?"], "disclosures": ["I can't go on"]}
    view = client_view(summary)
    assert view["questions"] == ["am I depressed?"] and view["disclosures"] == ["I can't go on"]
    removed, _ = apply_review(
        summary, Review(type="review", action="remove", field="questions", index=0))
    assert removed["questions"] == [] and removed["disclosures"] == ["I can't go on"]
