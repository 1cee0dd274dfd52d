"""uvicorn logging without query strings: a URL's query may carry a secret, so none is logged."""

from __future__ import annotations

import copy
import logging
from typing import Any


def strip_query(value: object) -> object:
    """A request path without its query string (other values unchanged)."""
    if isinstance(value, str) and value.startswith("/") and "?" in value:
        return value.split("?", 1)[0] + "?[query not logged]"
    return value


class StripQueryStrings(logging.Filter):
    """Rewrite the arguments of uvicorn's access and websocket lines to drop query strings."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record, minus any query string."""
        if isinstance(record.args, tuple):
            record.args = tuple(strip_query(arg) for arg in record.args)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's default logging config with the filter on both of its handlers."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"strip_query": {"()": StripQueryStrings}}
    for handler in config["handlers"].values():
        handler["filters"] = ["strip_query"]
    return config
