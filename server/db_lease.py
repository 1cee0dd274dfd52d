"""One process per database unless Redis carries what crosses processes.

Without `redis.url` the hub, the kiosk sessions and the limits live in one process's memory,
so a second `reflect serve` on the same PostgreSQL database would silently lose alerts and
call-ins. Each process takes a PostgreSQL advisory lock for its lifetime: exclusive without
Redis, shared with it; the lock ends with the process (even when killed). SQLite files are
one-process by nature and keep working as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.pool import NullPool

LOCK_KEY = 0x5245464C  # "REFL"
ALONE = (
    "another `reflect serve` is already running on this database. Several processes on one "
    "database need `redis.url` set on every one of them (docs/deployment.md); otherwise "
    "stop the other process first."
)
NOT_ALONE = (
    "a `reflect serve` without `redis.url` is running on this database. Set `redis.url` on "
    "every process (docs/deployment.md), or stop that one first."
)


class DatabaseInUseError(Exception):
    """Another process holds this database in a way this one cannot share."""


@dataclass
class Lease:
    """The held lock (released by `release`, or when the process ends)."""

    engine: Engine
    connection: Connection

    def release(self) -> None:
        """Give the lock back."""
        self.connection.close()
        self.engine.dispose()


def take_lease(url: str, *, shared: bool) -> Lease | None:
    """Lock the database for this process; DatabaseInUseError if another one forbids it."""
    if not url.startswith("postgresql"):
        return None
    engine = create_engine(url, poolclass=NullPool)
    connection = engine.connect()
    function = "pg_try_advisory_lock_shared" if shared else "pg_try_advisory_lock"
    got = connection.execute(text(f"SELECT {function}(:key)"), {"key": LOCK_KEY}).scalar()
    connection.commit()  # a session-level lock outlives the transaction; no idle transaction
    if not got:
        connection.close()
        engine.dispose()
        raise DatabaseInUseError(NOT_ALONE if shared else ALONE)
    return Lease(engine, connection)
