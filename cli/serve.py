"""`reflect serve`: run the service."""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import logging
import os
import sys
from typing import Any

from server.config import Settings

_M_MMAP_THRESHOLD = -3  # from glibc's malloc.h


def register(sub: Any) -> None:
    """Add the serve command."""
    parser: argparse.ArgumentParser = sub.add_parser("serve", help="run the kiosk service")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--certfile", default=None)
    parser.add_argument("--keyfile", default=None)
    parser.add_argument(
        "--insecure-behind-proxy", action="store_true",
        help="allow plain HTTP on a non-loopback address (only behind a TLS proxy)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Start uvicorn with the app built from settings."""
    # Migrations log every plugin and step at INFO on each start; only their problems matter
    # here, so the one-time admin password and the keyring warning stand out.
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.root.level))
    import uvicorn

    from server.app import create_app

    server = settings.server.model_copy(
        update={
            key: value
            for key, value in {
                "host": args.host,
                "port": args.port,
                "certfile": args.certfile,
                "keyfile": args.keyfile,
            }.items()
            if value is not None
        }
    )
    settings = settings.model_copy(update={"server": server})
    from server.access_log import uvicorn_log_config
    from server.listen_policy import WS_MAX_SIZE, InsecureListenError, check_listen

    try:
        check_listen(server.host, tls=bool(server.certfile),
                     insecure_behind_proxy=args.insecure_behind_proxy)
    except InsecureListenError as refused:
        print(f"reflect serve: {refused}", file=sys.stderr)
        return 2
    from server.db_lease import DatabaseInUseError, take_lease

    try:
        lease = take_lease(settings.database_url, shared=bool(settings.redis.url))
    except DatabaseInUseError as refused:
        print(f"reflect serve: {refused}", file=sys.stderr)
        return 2
    _set_mmap_threshold(server.malloc_mmap_threshold_kb)
    # The CLI is the edge allowed to read the environment: the keyring may come from it.
    keyring_env_value = os.environ.get(settings.security.keyring_env) or None
    uvicorn.run(
        create_app(settings, keyring_env_value=keyring_env_value),
        host=server.host,
        port=server.port,
        ssl_certfile=server.certfile or None,
        ssl_keyfile=server.keyfile or None,
        log_level=settings.log_level.lower(),
        log_config=uvicorn_log_config(),  # no query strings (secrets) in any log line
        # X-Forwarded-For only from configured proxies; none by default.
        proxy_headers=bool(server.trusted_proxies),
        forwarded_allow_ips=server.trusted_proxies or None,
        ws_max_size=WS_MAX_SIZE,
        limit_concurrency=server.max_connections or None,
        # PCM audio barely compresses; deflating every 32 ms frame only costs event-loop time.
        ws_per_message_deflate=False,
    )
    if lease is not None:
        lease.release()
    return 0


def _set_mmap_threshold(kb: int) -> None:
    """glibc mallopt(M_MMAP_THRESHOLD): big freed buffers go back to the system at once."""
    if kb <= 0 or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, kb * 1024)
    except (OSError, AttributeError):
        pass  # not glibc (e.g. musl): its default behaviour stays
