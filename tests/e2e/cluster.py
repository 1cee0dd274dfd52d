"""Two real `reflect serve` processes on one fresh PostgreSQL database and one real Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from benchmarks.multi_bench import fresh_database
from tests.e2e.conftest import ADMIN_PASSWORD
from tests.e2e.server_process import PASSWORD, LiveServer

PG_ENV = "REFLECT_TEST_POSTGRES_URL"
REDIS_ENV = "REFLECT_TEST_REDIS_URL"
THERAPISTS = ("dr_ana", "dr_lock")
# Two processes load the models side by side on a shared machine: give start-up time.
READY_WITHIN_S = 400.0


def urls_or_skip() -> tuple[str, str]:
    """The PostgreSQL and Redis the tests may use (scripts/test.sh starts both)."""
    pg, redis_url = os.environ.get(PG_ENV), os.environ.get(REDIS_ENV)
    if not pg or not redis_url:
        pytest.skip(f"two-server tests need {PG_ENV} and {REDIS_ENV} "
                    "(scripts/postgres.sh and scripts/redis.sh print them)")
    return pg, redis_url


@dataclass
class Cluster:
    """Servers `a` and `b`, their shared settings, and the kiosk tokens enrolled on them."""

    a: LiveServer
    b: LiveServer
    settings: dict[str, str | None]
    kiosks: list[str]

    def other(self, server: LiveServer) -> LiveServer:
        """The process that is not `server`."""
        return self.b if server is self.a else self.a


@contextmanager
def two_servers(root: Path, extra: dict[str, str] | None = None) -> Iterator[Cluster]:
    """Start A, set it up over REST, start B with A's keyring; stop both after."""
    admin, redis_url = urls_or_skip()
    with fresh_database(admin, "reflect_two") as database_url:
        settings: dict[str, str | None] = {
            "REFLECT_DATABASE__URL": database_url,
            "REFLECT_REDIS__URL": redis_url,
            "REFLECT_REDIS__PREFIX": f"reflect-test-{uuid.uuid4().hex[:8]}",
            "REFLECT_RESPONDER__KIND": "scripted",
            "REFLECT_REFLECTION__LIVE_TRANSCRIPT": "true",
            "REFLECT_LOG_LEVEL": "INFO",
            **(extra or {}),
        }
        a = LiveServer.in_dir(root / "a", settings)
        a.ready_within_s = READY_WITHIN_S
        a.start()
        # Every process reads the database with the same keys.
        shared = {**settings, "REFLECT_SECURITY__KEYRING_PATH": str(a.data_dir / "keyring.json")}
        b = LiveServer.in_dir(root / "b", shared)
        b.ready_within_s = READY_WITHIN_S
        try:
            kiosks = _set_up(a)
            b.start()
            for server in (a, b):
                server.admin_password = ADMIN_PASSWORD
            yield Cluster(a, b, shared, kiosks)
        finally:
            b.stop()
            a.stop()


def _set_up(server: LiveServer) -> list[str]:
    bootstrap = server.bootstrap_password()
    with closing(server.client("admin", bootstrap)) as admin:
        admin.post("/api/me/password", json={
            "current_password": bootstrap, "new_password": ADMIN_PASSWORD}).raise_for_status()
        for name in THERAPISTS:
            created = admin.post("/api/users", json={
                "username": name, "password": PASSWORD, "role": "therapist"})
            created.raise_for_status()
            server.ids[name] = created.json()["id"]
        tokens = []
        for room in ("Waiting room 1", "Waiting room 2"):
            enrolled = admin.post("/api/kiosks", json={"name": room})
            enrolled.raise_for_status()
            tokens.append(enrolled.json()["token"])
    return tokens
