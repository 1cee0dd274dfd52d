"""Issue 19 storage doors: encrypted break-glass reasons, key retirement, start-up repairs."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from models import audit, sessions
from models.db import Database, open_database
from models.errors import KeyringError
from models.key_retire import key_use, retire_keys
from models.keyring import Keyring, read_keyring_file, save_keyring_file
from models.keys import rotate_keyring_file
from models.startup_repair import (
    CLOSED_PROCESS_LOST,
    close_interrupted_sessions,
    close_orphaned_session,
    encrypt_plaintext_reasons,
)
from models.tables import BreakGlassAccess, ReflectionSession
from models.types import SessionStatus
from tests.integration.storage_fixtures import fast_hasher, populate, raw_database_bytes

pytestmark = pytest.mark.integration
REASON = "client Capybara7731 said goodbye notes"


def test_break_glass_reason_is_encrypted_and_not_audited(database: Database, db_url: str) -> None:
    world = populate(database)
    with database.transaction() as db:
        sessions.break_glass_read(db, viewer=world.admin, session_id=world.session_id,
                                  reason=REASON)
    with database.transaction() as db:
        view = sessions.view_session(db, viewer=world.therapist, session_id=world.session_id)
        assert [b.reason for b in view.break_glass] == [REASON]  # its therapist still reads it
        assert all("reason" not in e.detail for e in audit.entries(db, limit=1000))
    assert b"Capybara7731" not in raw_database_bytes(db_url)


def test_legacy_plaintext_reasons_are_encrypted_on_start(database: Database) -> None:
    world = populate(database)
    with database.transaction() as db:
        sessions.break_glass_read(db, viewer=world.admin, session_id=world.session_id,
                                  reason=REASON)
        row = db.scalars(select(BreakGlassAccess)).one()
        row.reason, row.reason_enc = REASON, None  # as written before this change
    with database.transaction() as db:
        assert encrypt_plaintext_reasons(db) == 1
        row = db.scalars(select(BreakGlassAccess)).one()
        assert row.reason == "" and row.reason_enc is not None
        view = sessions.view_session(db, viewer=world.therapist, session_id=world.session_id)
        assert view.break_glass[0].reason == REASON


def test_sessions_left_active_are_ended_on_start(database: Database) -> None:
    world = populate(database)  # its session is active (a kiosk redeemed the code)
    with database.transaction() as db:
        assert close_interrupted_sessions(db) == 1
    with database.transaction() as db:
        row = db.get(ReflectionSession, world.session_id)
        assert row is not None and row.status is SessionStatus.ENDED and row.ended_at
        assert close_interrupted_sessions(db) == 0
        assert audit.verify_chain(db) == []


def test_a_session_whose_process_died_is_ended_once_and_audited(database: Database) -> None:
    world = populate(database)
    with database.transaction() as db:
        assert close_orphaned_session(db, world.session_id) is True
    with database.transaction() as db:
        row = db.get(ReflectionSession, world.session_id)
        assert row is not None and row.status is SessionStatus.ENDED and row.ended_at
        assert close_orphaned_session(db, world.session_id) is False, "already ended"
        actions = [e.action for e in audit.entries(db, limit=1000)]
        assert actions.count(CLOSED_PROCESS_LOST) == 1
        assert audit.verify_chain(db) == []


def test_retire_refuses_while_in_use_then_removes_old_keys(
    database: Database, db_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    world = populate(database)
    with database.transaction() as db:
        sessions.break_glass_read(db, viewer=world.admin, session_id=world.session_id,
                                  reason=REASON)
    database.dispose()
    path = tmp_path / "keyring.json"
    save_keyring_file(path, keyring.with_new_active_key())  # a rotation that never re-encrypted
    with pytest.raises(KeyringError, match="still in use"):
        retire_keys(db_url, keyring_path=path, password_hasher=fast_hasher())
    assert set(read_keyring_file(path).keys) == {"k1", "k2"}

    rotate_keyring_file(db_url, keyring_path=path, password_hasher=fast_hasher())  # to k3
    report = retire_keys(db_url, keyring_path=path, password_hasher=fast_hasher())
    assert report.retired == ("k1", "k2") and report.active == "k3"
    retired = read_keyring_file(path)
    assert set(retired.keys) == {"k3"}
    # The server starts with the smaller keyring and reads everything, reasons included.
    after = open_database(db_url, keyring=retired, password_hasher=fast_hasher())
    with after.transaction() as db:
        assert set(key_use(db)) == {"k3"}
        text = sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id)
        assert text.turns[0].text == world.secrets[0]
        assert text.session.break_glass[0].reason == REASON
    after.dispose()
