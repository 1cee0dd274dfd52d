"""Key rotation: a crash injected mid-way, then a resume, keeps every value readable."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from models import audit, sessions
from models.crypto import envelope_key_id
from models.db import Database, open_database
from models.keyring import Keyring, read_keyring_file, save_keyring_file
from models.keys import ENCRYPTED_COLUMNS, pending_rotation, rotate_keyring_file
from tests.integration.storage_fixtures import fast_hasher, populate

pytestmark = pytest.mark.integration


class InjectedCrash(RuntimeError):
    """Stands in for a power cut in the middle of a rotation."""


def _key_ids(database: Database) -> set[str]:
    found: set[str] = set()
    with database.transaction() as db:
        for cls, columns in ENCRYPTED_COLUMNS.values():
            for row in db.scalars(select(cls)):
                found |= {
                    envelope_key_id(getattr(row, a))
                    for a, _ in columns
                    if getattr(row, a) is not None
                }
    return found


def test_rotation_crash_then_resume_keeps_everything_readable(
    database: Database, db_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    worlds = [populate(database, tag=str(i)) for i in range(3)]
    database.dispose()
    path = tmp_path / "keyring.json"
    save_keyring_file(path, keyring)
    turn_batches = 0

    def crash_on_second_turn_batch(table: str, _rows_done: int) -> None:
        nonlocal turn_batches
        turn_batches += table == "turns"
        if turn_batches == 2:
            raise InjectedCrash

    with pytest.raises(InjectedCrash):
        rotate_keyring_file(
            db_url,
            keyring_path=path,
            batch_size=2,
            on_batch=crash_on_second_turn_batch,
            password_hasher=fast_hasher(),
        )
    rotated = read_keyring_file(path)
    assert rotated.active == "k2" and set(rotated.keys) == {"k1", "k2"}
    half = open_database(db_url, keyring=rotated, password_hasher=fast_hasher())
    with half.transaction() as db:
        assert pending_rotation(db) is not None
    assert _key_ids(half) == {"k1", "k2"}  # genuinely half-way
    half.dispose()

    report = rotate_keyring_file(
        db_url, keyring_path=path, batch_size=2, password_hasher=fast_hasher()
    )
    assert report.resumed and report.target_key_id == "k2"
    assert read_keyring_file(path).active == "k2"  # resuming added no further key
    final = open_database(db_url, keyring=read_keyring_file(path), password_hasher=fast_hasher())
    assert _key_ids(final) == {"k2"}
    with final.transaction() as db:
        assert pending_rotation(db) is None
        for world in worlds:
            text = sessions.get_session_text(
                db, viewer=world.therapist, session_id=world.session_id
            )
            assert text.turns[0].text == world.secrets[0]
            assert text.feedback[0].comment == world.secrets[5]
        actions = [e.action for e in audit.entries(db, limit=10_000)]
        assert "keys.rotation_started" in actions and "keys.rotation_finished" in actions
        assert audit.verify_chain(db) == []
    final.dispose()
