"""Engine and session setup, schema migrations, and the per-database context (cipher, hasher).

SQLite gets WAL, foreign keys, a busy timeout, secure_delete, and `BEGIN IMMEDIATE` for every
transaction: taking the write lock up front is what stops "database is locked" errors when a
transaction that started as a reader later writes. PostgreSQL (psycopg 3) is used as-is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from models.canary import check_canaries
from models.crypto import Cipher
from models.errors import DataError
from models.keyring import Keyring

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
_CONTEXT_KEY = "reflect_context"


@dataclass(frozen=True)
class DataContext:
    """What repositories need besides the Session: the cipher and the password hasher."""

    cipher: Cipher
    password_hasher: PasswordHasher = field(default_factory=PasswordHasher)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    # Zero deleted content so erased ciphertext does not linger in free pages.
    cursor.execute("PRAGMA secure_delete = ON")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def private_sqlite_files(path: Path) -> None:
    """Create the database's directory 0700 and its file 0600 (an existing file is tightened).

    SQLite gives its -wal and -shm files the main file's permissions, so they follow.
    """
    if not path.parent.exists():  # an existing directory's mode is its owner's choice
        path.parent.mkdir(parents=True, mode=0o700)
        path.parent.chmod(0o700)  # mkdir's mode is filtered by the umask
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if file.exists():
            file.chmod(0o600)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for a SQLAlchemy URL, with the SQLite settings described above."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_sqlite_files(Path(parsed.database))
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise DataError(f"unsupported database URL backend {parsed.get_backend_name()!r}",
                    code="bad_database_url")


def alembic_config(engine: Engine) -> Config:
    """An Alembic Config that runs the packaged migrations on this engine."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to `revision` (the only way the schema is ever created)."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    """The schema revision recorded in the database, or None if never migrated."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def context_of(db: Session) -> DataContext:
    """The DataContext attached to a Session made by Database (or `attach_context`)."""
    context = db.info.get(_CONTEXT_KEY)
    if not isinstance(context, DataContext):
        raise DataError("this Session has no data context; create it with Database.session()",
                        code="no_data_context")
    return context


def attach_context(db: Session, context: DataContext) -> Session:
    """Attach a DataContext to a Session made elsewhere."""
    db.info[_CONTEXT_KEY] = context
    return db


class Database:
    """An engine plus a Session factory whose sessions carry the DataContext."""

    def __init__(self, engine: Engine, context: DataContext) -> None:
        self.engine = engine
        self.context = context
        self._factory = sessionmaker(engine, expire_on_commit=False,
                                     info={_CONTEXT_KEY: context})

    def session(self) -> Session:
        """A new Session (caller closes it; repositories never commit)."""
        return self._factory()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A Session in a transaction: commit on success, roll back on error."""
        with self._factory() as db, db.begin():
            yield db

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()


def open_database(
    url: str,
    *,
    keyring: Keyring,
    password_hasher: PasswordHasher | None = None,
    migrate: bool = True,
    **engine_kwargs: Any,
) -> Database:
    """Connect, migrate to head, and verify the keyring against the stored canaries.

    Raises KeyringError (clear message) if the keyring cannot read this database, before
    anything is written with it.
    """
    engine = make_engine(url, **engine_kwargs)
    if migrate:
        upgrade(engine)
    context = DataContext(
        cipher=Cipher(keyring), password_hasher=password_hasher or PasswordHasher()
    )
    database = Database(engine, context)
    try:
        with database.transaction() as db:
            check_canaries(db, context.cipher)
    except BaseException:
        engine.dispose()
        raise
    return database
