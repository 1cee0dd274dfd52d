"""`reflect config`: show the effective settings, so a deployer can see what is in force."""

from __future__ import annotations

import argparse
import json
from typing import Any

from server.config import Settings


def register(sub: Any) -> None:
    """Add the config command."""
    parser: argparse.ArgumentParser = sub.add_parser(
        "config", help="print the effective settings (file + REFLECT_* environment)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of TOML-like text")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print every setting with its current value."""
    data = settings.model_dump(mode="json")
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    for key, value in data.items():
        if not isinstance(value, dict):
            print(f"{key} = {json.dumps(value)}")
    for key, value in data.items():
        if isinstance(value, dict):
            print(f"\n[{key}]")
            for name, item in value.items():
                if item is None:
                    print(f"# {name} unset")  # TOML has no null
                else:
                    print(f"{name} = {json.dumps(item)}")
    return 0
