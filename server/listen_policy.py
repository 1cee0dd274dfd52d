"""Where `reflect serve` may listen: plain HTTP only on loopback, unless behind a proxy."""

from __future__ import annotations

import ipaddress

from server.protocol import MAX_AUDIO_IN_BYTES, MAX_TEXT_FRAME_BYTES

# The largest frame the protocol allows, plus room for framing; uvicorn refuses (1009) anything
# bigger before buffering it, even before `hello`.
WS_MAX_SIZE = max(MAX_AUDIO_IN_BYTES, MAX_TEXT_FRAME_BYTES) + 1024


class InsecureListenError(ValueError):
    """Refused: client text over plain HTTP on a network address."""


def is_loopback(host: str) -> bool:
    """Whether `host` is only reachable from this machine."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a hostname or 0.0.0.0 / :: (all interfaces)


def check_listen(host: str, *, tls: bool, insecure_behind_proxy: bool) -> None:
    """InsecureListenError for a non-loopback address without TLS, unless behind a proxy."""
    if tls or insecure_behind_proxy or is_loopback(host):
        return
    raise InsecureListenError(
        f"refusing to serve plain HTTP on {host!r}: client text and passwords would cross the "
        "network unencrypted. Give --certfile/--keyfile (see `reflect certs`), or, only if a "
        "TLS-terminating proxy on this machine is the sole way in, --insecure-behind-proxy."
    )
