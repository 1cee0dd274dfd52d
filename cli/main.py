"""Entry point for the `reflect` console script."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from server.config import Settings, load_settings

# Each module registers its own sub-commands; one concern per module.
COMMAND_MODULES = (
    "cli.serve",
    "cli.certs_commands",
    "cli.config_commands",
    "cli.voice_commands",
    "cli.guard_commands",
    "cli.chat_commands",
    "cli.demo",
    "cli.data_commands",
    "cli.report_commands",
    "cli.kiosk_commands",
    "cli.bench_commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Parser with every available sub-command registered."""
    parser = argparse.ArgumentParser(prog="reflect", description="Reflect Kiosk")
    parser.add_argument("--config", type=Path, default=None, help="TOML settings file")
    sub = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # that command group has not been built yet
            raise
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, build Settings once, run the chosen command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    settings: Settings = load_settings(args.config)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    code: int = args.handler(args, settings)
    return code


if __name__ == "__main__":
    raise SystemExit(main())
