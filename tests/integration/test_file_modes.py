"""Issue 19: the data directory is 0700; the SQLite database, its WAL and SHM are 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import text

from models.db import make_engine, upgrade


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_database_files_are_private(tmp_path: Path, umask: int) -> None:
    old = os.umask(umask)
    try:
        db_path = tmp_path / "data" / "reflect.db"
        engine = make_engine(f"sqlite:///{db_path}")
        upgrade(engine)
        with engine.begin() as connection:  # WAL and SHM exist while a connection is open
            connection.execute(text("CREATE TABLE probe (x INTEGER)"))
            connection.execute(text("INSERT INTO probe VALUES (1)"))
            wal, shm = Path(f"{db_path}-wal"), Path(f"{db_path}-shm")
            assert wal.exists() and shm.exists()
            assert mode(wal) == 0o600 and mode(shm) == 0o600
        assert mode(db_path) == 0o600 and mode(db_path.parent) == 0o700
        engine.dispose()
    finally:
        os.umask(old)


def test_an_existing_world_readable_database_is_tightened(tmp_path: Path) -> None:
    db_path = tmp_path / "reflect.db"
    db_path.touch(mode=0o644)
    db_path.chmod(0o644)
    make_engine(f"sqlite:///{db_path}").dispose()
    assert mode(db_path) == 0o600
