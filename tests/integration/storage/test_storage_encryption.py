"""Encryption at rest on SQLite and PostgreSQL: round trips, raw bytes, swapped rows, wrong keys."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import accounts, sessions
from models.db import Database, open_database
from models.errors import DecryptionError, KeyringError
from models.keyring import Keyring, generate_keyring
from models.tables import Turn
from tests.integration.storage_fixtures import fast_hasher, populate, raw_database_bytes

pytestmark = pytest.mark.integration


def test_every_encrypted_field_round_trips(database: Database) -> None:
    world = populate(database)
    turn, reply, summary, redaction, evidence, comment, payload = world.secrets
    with database.transaction() as db:
        text = sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id)
        from models import outbox

        events = outbox.events_after(db, therapist_id=world.therapist.id, last_seq=0)
        secret = accounts.new_totp_secret()
        import pyotp

        accounts.enable_totp(
            db, user_id=world.therapist.id, secret=secret, code=pyotp.TOTP(secret).now()
        )
    with database.transaction() as db:
        user = accounts.get_user(db, user_id=world.therapist.id)
        assert accounts.totp_secret(db, user=user) == secret
    assert [t.text for t in text.turns] == [turn, reply]
    assert text.summaries[0].content == {"themes": [summary]}
    assert text.summaries[0].redactions == [redaction]
    assert text.alerts[0].evidence == [{"text": evidence}]
    assert text.feedback[0].comment == comment
    assert text.feedback[0].flagged_turn_ids == (str(text.turns[1].id),)
    assert [e.payload for e in events] == [{"text": payload}]
    assert text.consents[0].given is True


def test_raw_database_never_contains_plaintext(database: Database, db_url: str) -> None:
    world = populate(database)
    raw = raw_database_bytes(db_url)
    assert len(raw) > 10_000  # really the database contents
    assert world.therapist.username.encode() in raw  # non-secret columns are visible...
    for plaintext in world.secrets:
        for needle in (plaintext, max(plaintext.split(), key=len)):  # the unique marker word
            assert needle.encode() not in raw, needle  # ...client text never is


def test_ciphertext_swapped_between_rows_fails(database: Database) -> None:
    world = populate(database)
    with database.transaction() as db:
        first, second = db.scalars(
            select(Turn).where(Turn.session_id == world.session_id).order_by(Turn.position)
        ).all()
        first.text_enc, second.text_enc = second.text_enc, first.text_enc
    with database.transaction() as db, pytest.raises(DecryptionError, match=r"turns\.text"):
        sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id)


def test_wrong_key_refuses_to_start(database: Database, db_url: str) -> None:
    populate(database)
    database.dispose()
    with pytest.raises(KeyringError, match="wrong keyring"):
        open_database(db_url, keyring=generate_keyring(), password_hasher=fast_hasher())


def test_missing_key_refuses_to_start(database: Database, db_url: str, keyring: Keyring) -> None:
    populate(database)
    database.dispose()
    rotated = keyring.with_new_active_key()
    # Opening with the new key works and records its canary...
    open_database(db_url, keyring=rotated, password_hasher=fast_hasher()).dispose()
    # ...after which a keyring that lacks it (an old backup) is refused by name.
    with pytest.raises(KeyringError, match="'k2'"):
        open_database(db_url, keyring=keyring, password_hasher=fast_hasher())
