"""Issue 19: where plain HTTP may listen, and log lines without query strings."""

from __future__ import annotations

import logging

import pytest

from server.access_log import StripQueryStrings, uvicorn_log_config
from server.listen_policy import InsecureListenError, check_listen


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost", "127.0.0.5"])
def test_loopback_may_serve_plain_http(host: str) -> None:
    check_listen(host, tls=False, insecure_behind_proxy=False)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "clinic.example"])
def test_network_addresses_need_tls_or_the_explicit_flag(host: str) -> None:
    with pytest.raises(InsecureListenError, match="--insecure-behind-proxy"):
        check_listen(host, tls=False, insecure_behind_proxy=False)
    check_listen(host, tls=True, insecure_behind_proxy=False)
    check_listen(host, tls=False, insecure_behind_proxy=True)


def test_access_and_websocket_lines_lose_their_query_strings() -> None:
    access = logging.LogRecord("uvicorn.access", logging.INFO, "", 0, '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", "/kiosk/?token=rk_secret", "1.1", 200), None)
    socket = logging.LogRecord("uvicorn.error", logging.INFO, "", 0,
                               '%s - "WebSocket %s" [accepted]',
                               ("127.0.0.1:5", "/ws/kiosk?token=rk_secret"), None)
    for record in (access, socket):
        assert StripQueryStrings().filter(record)
        line = record.getMessage()
        assert "rk_secret" not in line and "[query not logged]" in line
    handlers = uvicorn_log_config()["handlers"]
    assert all(h["filters"] == ["strip_query"] for h in handlers.values())
