"""`reflect serve`: run the service."""

from __future__ import annotations

import argparse
import logging
import os
from typing import Any

from server.config import Settings


def register(sub: Any) -> None:
    """Add the serve command."""
    parser: argparse.ArgumentParser = sub.add_parser("serve", help="run the kiosk service")
    parser.add_argument("--host", default=None)
    parser.add_argument("--port", type=int, default=None)
    parser.add_argument("--certfile", default=None)
    parser.add_argument("--keyfile", default=None)
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
    # The CLI is the edge allowed to read the environment: the keyring may come from it.
    keyring_env_value = os.environ.get(settings.security.keyring_env) or None
    uvicorn.run(
        create_app(settings, keyring_env_value=keyring_env_value),
        host=server.host,
        port=server.port,
        ssl_certfile=server.certfile or None,
        ssl_keyfile=server.keyfile or None,
        log_level=settings.log_level.lower(),
    )
    return 0
