"""One process per PostgreSQL database unless all of them use Redis (real PostgreSQL)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from benchmarks.multi_bench import fresh_database
from server.db_lease import DatabaseInUseError, take_lease

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


@pytest.fixture
def database() -> Iterator[str]:
    admin = os.environ.get("REFLECT_TEST_POSTGRES_URL")
    if not admin:
        pytest.skip("needs REFLECT_TEST_POSTGRES_URL (scripts/postgres.sh prints it)")
    with fresh_database(admin, "reflect_lease") as url:
        yield url


def test_a_second_process_without_redis_is_refused(database: str) -> None:
    first = take_lease(database, shared=False)
    assert first is not None
    with pytest.raises(DatabaseInUseError, match="already running on this database"):
        take_lease(database, shared=False)
    with pytest.raises(DatabaseInUseError, match=r"without `redis\.url`"):
        take_lease(database, shared=True)
    first.release()
    again = take_lease(database, shared=False)  # the lock went with the process
    assert again is not None
    again.release()


def test_processes_with_redis_share_the_database(database: str) -> None:
    leases = [take_lease(database, shared=True) for _ in range(3)]
    assert all(lease is not None for lease in leases)
    with pytest.raises(DatabaseInUseError):
        take_lease(database, shared=False)
    for lease in leases:
        assert lease is not None
        lease.release()


def test_sqlite_is_not_locked(tmp_path: object) -> None:
    assert take_lease(f"sqlite:///{tmp_path}/reflect.db", shared=False) is None
