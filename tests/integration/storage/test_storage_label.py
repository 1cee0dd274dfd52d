"""The staff's session label: encrypted at rest, bound to its row, rotated, erased, purged."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from models import retention, sessions
from models.crypto import envelope_key_id
from models.db import Database, open_database
from models.errors import DecryptionError, InvalidInputError
from models.keyring import Keyring, read_keyring_file, save_keyring_file
from models.keys import rotate_keyring_file
from models.tables import ReflectionSession
from models.types import utcnow
from tests.integration.storage_fixtures import (
    World,
    fast_hasher,
    populate,
    raw_database_bytes,
)

pytestmark = pytest.mark.integration


def _labelled(database: Database, world: World, label: str | None) -> uuid.UUID:
    with database.transaction() as db:
        row, _code = sessions.create_session(
            db, therapist_id=world.therapist.id, created_by=world.front_desk, label=label
        )
        return row.id


def test_label_round_trips_encrypted_and_scoped(database: Database, db_url: str) -> None:
    world = populate(database)
    marker = f"Okapi{uuid.uuid4().hex[:8]}"
    label = f"  2pm appointment {marker} ñ "
    labelled = _labelled(database, world, label)
    blank = _labelled(database, world, "   ")
    with database.transaction() as db:
        listed = {v.id: v.label for v in sessions.list_sessions(db, viewer=world.therapist)}
        viewed = sessions.view_session(db, viewer=world.front_desk, session_id=labelled)
        text = sessions.get_session_text(db, viewer=world.therapist, session_id=labelled)
        assert sessions.list_sessions(db, viewer=world.other_therapist) == []
    assert listed == {labelled: label.strip(), blank: None, world.session_id: None}
    assert viewed.label == text.session.label == label.strip()
    database.dispose()  # checkpoint the SQLite WAL into the file searched below
    assert marker.encode() not in raw_database_bytes(db_url)


def test_label_is_bound_to_its_row_and_length_checked(database: Database) -> None:
    world = populate(database)
    first = _labelled(database, world, "first label")
    second = _labelled(database, world, "second label")
    with database.transaction() as db, pytest.raises(InvalidInputError, match="80"):
        sessions.create_session(
            db, therapist_id=world.therapist.id, created_by=world.therapist, label="x" * 81
        )
    with database.transaction() as db:
        a = db.get(ReflectionSession, first)
        b = db.get(ReflectionSession, second)
        assert a is not None and b is not None
        a.label_enc, b.label_enc = b.label_enc, a.label_enc
    with (
        database.transaction() as db,
        pytest.raises(DecryptionError, match=r"reflection_sessions\.label"),
    ):
        sessions.view_session(db, viewer=world.therapist, session_id=first)


def test_rotation_reencrypts_labels(
    database: Database, db_url: str, keyring: Keyring, tmp_path: Path
) -> None:
    world = populate(database)
    ids = [_labelled(database, world, f"room {i}") for i in range(3)]
    database.dispose()
    path = tmp_path / "keyring.json"
    save_keyring_file(path, keyring)
    report = rotate_keyring_file(
        db_url, keyring_path=path, batch_size=2, password_hasher=fast_hasher()
    )
    assert report.target_key_id == "k2" and report.rows_reencrypted > len(ids)
    final = open_database(db_url, keyring=read_keyring_file(path), password_hasher=fast_hasher())
    with final.transaction() as db:
        blobs = db.scalars(
            select(ReflectionSession.label_enc).where(ReflectionSession.label_enc.is_not(None))
        ).all()
        assert len(blobs) == 3 and {envelope_key_id(b) for b in blobs} == {"k2"}
        labels = [
            sessions.view_session(db, viewer=world.therapist, session_id=i).label for i in ids
        ]
    assert labels == ["room 0", "room 1", "room 2"]
    final.dispose()


def test_erase_and_purge_remove_the_label(database: Database, db_url: str) -> None:
    world = populate(database)
    marker = f"Dugong{uuid.uuid4().hex[:8]}"
    erased = _labelled(database, world, f"erase me {marker}")
    purged = _labelled(database, world, f"purge me {marker}x")
    with database.transaction() as db:
        retention.erase_session(db, session_id=erased, viewer=world.therapist)
        row = db.get(ReflectionSession, purged)
        assert row is not None
        row.created_at = utcnow() - timedelta(days=40)
    with database.transaction() as db:
        assert retention.purge_expired(db, retention_days=30).sessions == 1
    with database.transaction() as db:
        assert sessions.view_session(db, viewer=world.therapist, session_id=erased).label is None
        assert db.get(ReflectionSession, purged) is None
    database.dispose()
    assert marker.encode() not in raw_database_bytes(db_url)
