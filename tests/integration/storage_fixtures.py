"""Database fixtures for the storage tests: every test runs on SQLite and on real PostgreSQL.

PostgreSQL: one migrated template database per test run (named uniquely, so parallel runs by
other engineers never collide), cloned per test with CREATE DATABASE ... TEMPLATE and dropped
afterwards. Skipped with a clear reason when REFLECT_TEST_POSTGRES_URL is unset.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from models import accounts, content, kiosks, outbox, sessions
from models.db import Database, make_engine, open_database, upgrade
from models.keyring import Keyring, generate_keyring
from models.tables import Kiosk, User
from models.types import Role, Speaker, SummaryStatus

PG_ENV = "REFLECT_TEST_POSTGRES_URL"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def fast_hasher() -> PasswordHasher:
    """Argon2 with tiny costs so account tests stay fast (production uses the defaults)."""
    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def _pg_admin_url() -> URL:
    raw = os.environ.get(PG_ENV)
    if not raw:
        pytest.skip(f"PostgreSQL tests need {PG_ENV} (scripts/postgres.sh prints it)")
    return make_url(raw)


def _pg_exec(admin: URL, sql: str) -> None:
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(sql))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def pg_template() -> Iterator[tuple[URL, str]]:
    """A uniquely named, migrated template database for this test run."""
    admin = _pg_admin_url()
    name = f"reflect_st_{uuid.uuid4().hex[:10]}_tmpl"
    _pg_exec(admin, f'CREATE DATABASE "{name}"')
    try:
        engine = make_engine(admin.set(database=name).render_as_string(hide_password=False))
        upgrade(engine)
        engine.dispose()
        yield admin, name
    finally:
        _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated-schema database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'reflect.db'}"
        return
    admin, template = request.getfixturevalue("pg_template")
    name = f"reflect_st_{uuid.uuid4().hex[:12]}"
    _pg_exec(admin, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        _pg_exec(admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def keyring() -> Keyring:
    """A fresh keyring."""
    return generate_keyring()


@pytest.fixture
def database(db_url: str, keyring: Keyring) -> Iterator[Database]:
    """The opened (migrated, key-checked) database."""
    opened = open_database(db_url, keyring=keyring, password_hasher=fast_hasher())
    yield opened
    opened.dispose()


@dataclass(frozen=True)
class World:
    """A small practice: accounts, a kiosk, and one active session with content everywhere."""

    admin: User
    therapist: User
    other_therapist: User
    front_desk: User
    kiosk: Kiosk
    session_id: uuid.UUID
    secrets: tuple[str, ...]  # every client-text plaintext stored, to search for


PASSWORD = "a long enough passphrase"


def populate(database: Database, tag: str = "") -> World:
    """Create the World; plaintexts carry a unique marker so raw-byte searches are exact."""
    marker = uuid.uuid4().hex[:8]
    texts = {
        "turn": f"my sister Zelda{marker} keeps calling {tag}",
        "reply": f"It sounds like Zelda{marker} matters to you",
        "summary": f"theme family Quokka{marker}",
        "redaction": f"the name Wobbegong{marker}",
        "evidence": f"I feel hopeless Narwhal{marker}",
        "comment": f"felt heard Axolotl{marker}",
        "payload": f"live draft Pangolin{marker}",
    }
    with database.transaction() as db:
        admin = accounts.create_user(
            db, username=f"admin{marker}", password=PASSWORD, role=Role.ADMIN
        )
        therapist = accounts.create_user(
            db, username=f"ther{marker}", password=PASSWORD, role=Role.THERAPIST
        )
        other = accounts.create_user(
            db, username=f"other{marker}", password=PASSWORD, role=Role.THERAPIST
        )
        desk = accounts.create_user(
            db, username=f"desk{marker}", password=PASSWORD, role=Role.FRONT_DESK
        )
        kiosk, _token = kiosks.enroll_kiosk(db, name=f"lobby{marker}")
        row, code = sessions.create_session(db, therapist_id=therapist.id, created_by=desk)
    with database.transaction() as db:
        sessions.redeem_code(db, code=code, kiosk_id=kiosk.id)
        content.record_consent(db, session_id=row.id, text_version="en-1", given=True)
        content.add_turn(
            db, session_id=row.id, speaker=Speaker.CLIENT, text=texts["turn"], risk_level=1
        )
        reply = content.add_turn(
            db, session_id=row.id, speaker=Speaker.REFLECTOR, text=texts["reply"]
        )
        content.save_summary(
            db,
            session_id=row.id,
            content={"themes": [texts["summary"]]},
            status=SummaryStatus.APPROVED,
            redactions=[texts["redaction"]],
        )
        content.raise_alert(
            db,
            session_id=row.id,
            level=1,
            categories=["suicide"],
            urgent=False,
            evidence=[{"text": texts["evidence"]}],
        )
        content.save_feedback(
            db, session_id=row.id, rating=5, comment=texts["comment"], flagged_turn_ids=[reply.id]
        )
        outbox.append_event(
            db,
            therapist_id=therapist.id,
            session_id=row.id,
            type="summary.draft",
            payload={"text": texts["payload"]},
        )
    return World(admin, therapist, other, desk, kiosk, row.id, tuple(texts.values()))


def raw_database_bytes(url: str) -> bytes:
    """Everything the database holds on disk: SQLite file + WAL, or a full pg_dump."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        base = Path(str(parsed.database))
        return b"".join(
            p.read_bytes() for p in (base, base.with_name(base.name + "-wal")) if p.exists()
        )
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    env = {**os.environ, "PGPASSWORD": parsed.password or ""}
    return subprocess.run(
        [
            pg_dump,
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            str(parsed.database),
        ],
        check=True,
        capture_output=True,
        env=env,
        timeout=60,
    ).stdout
