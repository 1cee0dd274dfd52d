"""Audit chain and accounts: tampering detected by row, logins and lockout recorded."""

from __future__ import annotations

import threading
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from models import accounts, audit, outbox
from models.db import Database
from models.errors import PasswordPolicyError
from models.types import Role, utcnow
from tests.integration.storage_fixtures import PASSWORD, populate

pytestmark = pytest.mark.integration


def _problem_rows(database: Database) -> set[int]:
    with database.transaction() as db:
        return {p.row_id for p in audit.verify_chain(db)}


def test_intact_chain_verifies(database: Database) -> None:
    populate(database)
    assert _problem_rows(database) == set()


def test_tampered_row_is_named(database: Database) -> None:
    populate(database)
    with database.transaction() as db:
        db.execute(text("UPDATE audit_log SET action = 'login.success' WHERE id = 3"))
    assert _problem_rows(database) == {3}


def test_deleted_row_is_detected(database: Database) -> None:
    populate(database)
    with database.transaction() as db:
        db.execute(text("DELETE FROM audit_log WHERE id = 4"))
    assert 5 in _problem_rows(database)


def test_reordered_rows_are_detected(database: Database) -> None:
    populate(database)
    with database.transaction() as db:
        for old, new in ((2, 1000), (3, 2), (1000, 3)):
            db.execute(text(f"UPDATE audit_log SET id = {new} WHERE id = {old}"))
    assert {2, 3} <= _problem_rows(database)


def test_deleted_tail_is_detected(database: Database) -> None:
    populate(database)
    with database.transaction() as db:
        last = db.execute(text("SELECT max(id) FROM audit_log")).scalar_one()
        db.execute(text(f"DELETE FROM audit_log WHERE id = {last}"))
    assert _problem_rows(database) == {last}


def test_logins_and_totp_are_audited_and_never_hard_locked(database: Database) -> None:
    # Issue 19 replaced the account lockout (anyone could lock anyone) with server throttling.
    world = populate(database)
    name = world.therapist.username
    now = utcnow()
    with database.transaction() as db:
        assert accounts.login(db, username=name, password=PASSWORD, now=now).ok
    for _ in range(6):
        with database.transaction() as db:
            result = accounts.login(db, username=name, password="wrong password!!", now=now)
            assert result.code == "bad_credentials"
    later = now + timedelta(minutes=11)
    secret = accounts.new_totp_secret()
    with database.transaction() as db:
        assert accounts.login(db, username=name, password=PASSWORD, now=now).ok  # no lock
        accounts.enable_totp(
            db, user_id=world.therapist.id, secret=secret, code=pyotp.TOTP(secret).now()
        )
    code = pyotp.TOTP(secret).at(later)
    with database.transaction() as db:
        assert (
            accounts.login(db, username=name, password=PASSWORD, now=later).code == "totp_required"
        )
        assert accounts.login(db, username=name, password=PASSWORD, now=later, totp_code=code).ok
        # The same code a second time (a replay) is refused.
        assert not accounts.login(
            db, username=name, password=PASSWORD, now=later, totp_code=code
        ).ok
        actions = [e.action for e in audit.entries(db, limit=10_000)]
        assert actions.count("login.success") == 3
        assert actions.count("login.failure") == 7
        assert actions.count("login.locked") == 0
        assert audit.verify_chain(db) == []


def test_password_policy_and_bootstrap_admin(database: Database) -> None:
    with database.transaction() as db:
        once = accounts.ensure_bootstrap_admin(db)
        assert once and accounts.ensure_bootstrap_admin(db) is None
        admin = accounts.get_user_by_username(db, username="admin")
        assert admin is not None and admin.must_change_password
        for weak in ("short", "password1234", "carol-the-therapist", "aaaaaaaaaaaaaa"):
            with pytest.raises(PasswordPolicyError):
                accounts.create_user(db, username="carol", password=weak, role=Role.THERAPIST)


def test_concurrent_audit_and_outbox_appends_stay_linear(database: Database) -> None:
    world = populate(database)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            for _ in range(10):
                with database.transaction() as db:
                    outbox.append_event(
                        db,
                        therapist_id=world.other_therapist.id,
                        session_id=None,
                        type="ping",
                        payload={},
                    )
                    audit.record(db, action="test.append", actor_kind="system")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with database.transaction() as db:
        events = outbox.events_after(db, therapist_id=world.other_therapist.id, last_seq=0)
        assert [e.seq for e in events] == list(range(1, 41))
        assert audit.verify_chain(db) == []
