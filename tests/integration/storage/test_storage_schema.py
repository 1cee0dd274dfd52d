"""The migrations create exactly the schema the ORM tables describe, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from models.db import Database, current_revision
from models.tables import Base

pytestmark = pytest.mark.integration


def test_migrated_schema_matches_tables(database: Database) -> None:
    assert current_revision(database.engine) == "0009"
    with database.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_sqlite_pragmas(database: Database) -> None:
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite-only settings")
    with database.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
