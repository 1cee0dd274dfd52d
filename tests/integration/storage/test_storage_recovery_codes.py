"""Recovery codes at rest: argon2 hashes only, each signs in once, replaced and removed whole."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from models import accounts, audit, recovery_codes
from models.db import Database
from models.tables import RecoveryCode
from tests.integration.storage_fixtures import PASSWORD, populate, raw_database_bytes

pytestmark = pytest.mark.integration


def test_recovery_codes_are_hashed_single_use_and_replaced(database: Database,
                                                            db_url: str) -> None:
    world = populate(database)
    user_id, name = world.therapist.id, world.therapist.username
    secret = accounts.new_totp_secret()
    with database.transaction() as db:
        accounts.enable_totp(db, user_id=user_id, secret=secret, code=pyotp.TOTP(secret).now())
        codes = recovery_codes.issue(db, user_id=user_id)
    assert len(set(codes)) == recovery_codes.CODE_COUNT
    with database.transaction() as db:
        hashes = list(db.scalars(select(RecoveryCode.code_hash)))
    assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)
    raw = raw_database_bytes(db_url)
    assert all(c.replace("-", "").encode() not in raw and c.encode() not in raw for c in codes)

    def login(second: str) -> bool:
        with database.transaction() as db:
            return accounts.login(db, username=name, password=PASSWORD, totp_code=second).ok

    assert login(codes[0])
    assert not login(codes[0])  # spent
    assert not login("zzzzz-zzzzz")
    with database.transaction() as db:
        assert recovery_codes.remaining(db, user_id=user_id) == 9
        fresh = recovery_codes.issue(db, user_id=user_id)
    assert not login(codes[1])  # the old set is gone
    assert login(fresh[0])
    with database.transaction() as db:
        accounts.disable_totp(db, user_id=user_id, actor_id=world.admin.id)
        assert recovery_codes.remaining(db, user_id=user_id) == 0
        actions = [e.action for e in audit.entries(db, limit=10_000)]
        assert actions.count("account.recovery_codes_issued") == 2
        assert actions.count("account.recovery_code_used") == 2
        assert audit.verify_chain(db) == []
