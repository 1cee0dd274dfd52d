"""Retention purge removes exactly what is expired; erase leaves no client text anywhere."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models import outbox, retention, sessions
from models.db import Database
from models.errors import AuthorizationError
from models.tables import OutboxEvent, ReflectionSession, Turn
from models.types import SessionStatus, utcnow
from tests.integration.storage_fixtures import populate, raw_database_bytes

pytestmark = pytest.mark.integration


def test_purge_removes_exactly_the_expired_sessions(database: Database) -> None:
    worlds = [populate(database, tag=str(i)) for i in range(3)]
    now = utcnow()
    ages = [40, 29, 31]  # days; retention is 30
    with database.transaction() as db:
        for world, age in zip(worlds, ages, strict=True):
            row = db.get(ReflectionSession, world.session_id)
            assert row is not None
            row.created_at = now - timedelta(days=age)
    with database.transaction() as db:
        report = retention.purge_expired(db, retention_days=30, now=now)
    assert report.sessions == 2
    with database.transaction() as db:
        left = set(db.scalars(select(ReflectionSession.id)))
        assert left == {worlds[1].session_id}
        by_session = {sid: n for sid, n in db.execute(
            select(Turn.session_id, func.count()).group_by(Turn.session_id))}
        assert by_session == {worlds[1].session_id: 2}  # children went with their sessions
        assert db.scalar(select(func.count()).select_from(OutboxEvent)) == 1


def test_erase_leaves_no_client_text_anywhere(
    database: Database, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    world = populate(database)
    keep = populate(database, tag="kept")
    with database.transaction() as db, pytest.raises(AuthorizationError):
        retention.erase_session(db, session_id=world.session_id, viewer=world.other_therapist)
    with database.transaction() as db:
        report = retention.erase_session(db, session_id=world.session_id,
                                         kiosk_id=world.kiosk.id)
    assert (report.turns, report.summaries, report.feedback) == (2, 1, 1)
    assert report.alerts_kept == 1 and report.outbox_cleared == 1
    with database.transaction() as db:
        text = sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id)
        assert text.session.status is SessionStatus.ERASED
        assert (text.turns, text.summaries, text.feedback) == ((), (), ())
        # Issue 19: the alert and its trigger words survive erase, for safety.
        assert text.alerts[0].evidence == [{"text": world.secrets[4]}]
        assert text.alerts[0].level == 1
        events = outbox.events_after(db, therapist_id=world.therapist.id, last_seq=0)
        assert [e.payload for e in events] == [None]
    database.dispose()  # checkpoint the SQLite WAL into the file we search
    raw = raw_database_bytes(db_url)
    logs = "\n".join(r.getMessage() for r in caplog.records)
    for plaintext in world.secrets + keep.secrets:
        marker = max(plaintext.split(), key=len)
        assert marker.encode() not in raw, marker
        assert marker not in logs, marker
