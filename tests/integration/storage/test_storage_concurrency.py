"""Eight writers on one SQLite file for ten seconds: no 'database is locked', no lost rows."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from models import audit, content, outbox, sessions
from models.db import open_database
from models.keyring import generate_keyring
from models.tables import OutboxEvent, Turn
from models.types import Speaker
from tests.integration.storage_fixtures import fast_hasher, populate

pytestmark = pytest.mark.integration

WRITERS = 8
SECONDS = 10.0


def test_eight_sqlite_writers_for_ten_seconds(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'busy.db'}", keyring=generate_keyring(),
                             password_hasher=fast_hasher())
    world = populate(database)
    session_ids = []
    for _ in range(WRITERS):
        with database.transaction() as db:
            row, code = sessions.create_session(db, therapist_id=world.therapist.id,
                                                created_by=world.front_desk)
        with database.transaction() as db:
            sessions.redeem_code(db, code=code, kiosk_id=world.kiosk.id)
        session_ids.append(row.id)
    committed = [0] * WRITERS
    errors: list[BaseException] = []
    deadline = time.monotonic() + SECONDS

    def writer(index: int) -> None:
        try:
            while time.monotonic() < deadline:
                with database.transaction() as db:
                    content.add_turn(db, session_id=session_ids[index], speaker=Speaker.CLIENT,
                                     text=f"writer {index} line {committed[index]}")
                    outbox.append_event(db, therapist_id=world.therapist.id,
                                        session_id=session_ids[index], type="turn",
                                        payload={"n": committed[index]})
                committed[index] += 1
        except BaseException as exc:  # reported below, with "database is locked" if that was it
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [], [str(e) for e in errors]
    assert all(n > 0 for n in committed)
    with database.transaction() as db:
        for index, session_id in enumerate(session_ids):
            turns = db.scalar(select(func.count()).select_from(Turn)
                              .where(Turn.session_id == session_id))
            assert turns == committed[index]
        seqs = list(db.scalars(select(OutboxEvent.seq)
                               .where(OutboxEvent.therapist_id == world.therapist.id)
                               .order_by(OutboxEvent.seq)))
        assert seqs == list(range(1, sum(committed) + 2))  # +1: populate's own event
        assert audit.verify_chain(db) == []
    database.dispose()
    print(f"committed {sum(committed)} write transactions in {SECONDS:.0f} s")
