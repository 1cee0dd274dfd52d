"""Oversight storage: sign-ins in the database, the kiosk staff PIN, escalation, the ack note,
and the consent-scoped therapist view, on both backends."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from models import alerts, content, kiosks, retention, sessions
from models.db import Database
from models.errors import AuthorizationError, InvalidInputError
from models.tables import WebSignIn
from models.types import utcnow
from models.views import therapist_scope
from server.auth import WebSessionStore, csrf_ok
from tests.integration.storage_fixtures import populate

pytestmark = pytest.mark.integration


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now


def test_sign_ins_lock_when_idle_survive_a_new_store_and_end_at_max_age(
    database: Database,
) -> None:
    world = populate(database)
    clock = Clock()
    store = WebSessionStore(database, idle_seconds=60, max_age_hours=1, clock=clock)
    token, session = store.create(user_id=world.therapist.id, role=world.therapist.role,
                                  username="t", display_name="T")
    with database.transaction() as db:
        row = db.get(WebSignIn, session.key)
        assert row is not None and row.token_hash != token  # only the digest is stored
    clock.now += timedelta(seconds=59)
    assert store.get(token) is not None  # touching keeps it alive
    # A "restart": a brand-new store on the same database still knows the sign-in.
    restarted = WebSessionStore(database, idle_seconds=60, max_age_hours=1, clock=clock)
    clock.now += timedelta(seconds=61)
    assert restarted.get(token) is None  # idle: locked, not signed in ...
    locked = restarted.lookup(token)
    assert locked is not None and locked.locked  # ... but the sign-in is still there
    assert csrf_ok(locked, locked.csrf_token, locked.csrf_token)
    restarted.unlock(token)
    assert restarted.get(token) is not None
    clock.now += timedelta(minutes=61)
    assert restarted.lookup(token) is None  # past the absolute limit it ends
    token2, _ = store.create(user_id=world.therapist.id, role=world.therapist.role,
                             username="t", display_name="T")
    store.revoke_user(world.therapist.id)
    assert store.lookup(token2) is None and store.lookup(None) is None
    assert store.lookup("forged") is None


def test_staff_pin_is_hashed_and_checked(database: Database) -> None:
    with database.transaction() as db:
        kiosk, _ = kiosks.enroll_kiosk(db, name="Room 3", staff_pin="4821")
        assert kiosk.staff_pin_hash and "4821" not in kiosk.staff_pin_hash
        assert kiosks.check_staff_pin(db, kiosk_id=kiosk.id, pin="4821")
        assert not kiosks.check_staff_pin(db, kiosk_id=kiosk.id, pin="0000")
        bare, _ = kiosks.enroll_kiosk(db, name="Room 4")
        assert not kiosks.check_staff_pin(db, kiosk_id=bare.id, pin="4821")  # none set
        with pytest.raises(InvalidInputError):
            kiosks.enroll_kiosk(db, name="Room 5", staff_pin="12")


def test_urgent_alert_escalates_once_and_front_desk_may_acknowledge_with_a_note(
    database: Database,
) -> None:
    world = populate(database)
    raised = utcnow() - timedelta(seconds=90)
    with database.transaction() as db:
        alert = content.raise_alert(db, session_id=world.session_id, level=3,
                                    categories=["suicide"], urgent=True,
                                    evidence=[{"text": "end it", "rule": "en.x"}], now=raised)
        with pytest.raises(AuthorizationError):  # not escalated yet: not front desk's to ack
            content.acknowledge_alert(db, viewer=world.front_desk, alert_id=alert.id)
    with database.transaction() as db:
        due = alerts.escalate_due(db, after=timedelta(seconds=60))
        assert [e.alert_id for e in due] == [alert.id]
        assert due[0].kiosk_name == world.kiosk.name
        assert "end it" not in str(due[0].payload())  # staff get the room, not the words
        assert alerts.escalate_due(db, after=timedelta(seconds=60)) == []  # only once
        assert [e.alert_id for e in alerts.open_escalations(db)] == [alert.id]
        content.acknowledge_alert(db, viewer=world.front_desk, alert_id=alert.id,
                                  note="Walked to room 3, client safe with me")
    with database.transaction() as db:
        assert alerts.open_escalations(db) == []
        text = sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id)
        acked = next(a for a in text.alerts if a.id == alert.id)
        assert acked.acknowledged_by == world.front_desk.id and acked.acknowledged_at
        assert acked.ack_note == "Walked to room 3, client safe with me"
        assert sessions.view_session(db, viewer=world.front_desk,
                                     session_id=world.session_id).crisis


def test_therapist_scope_follows_the_consent(database: Database) -> None:
    world = populate(database)
    with database.transaction() as db:
        text = sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id)
    assert text.turns and text.feedback[0].comment  # stored ...
    scoped = therapist_scope(text, live_view=False)
    assert scoped.turns == () and scoped.feedback[0].comment is None  # ... not shown
    assert scoped.summaries == text.summaries
    assert therapist_scope(text, live_view=True).turns == text.turns
    with database.transaction() as db:
        retention.erase_session(db, session_id=world.session_id, viewer=world.therapist)
    with database.transaction() as db:
        erased = therapist_scope(
            sessions.get_session_text(db, viewer=world.therapist, session_id=world.session_id),
            live_view=True,
        )
    assert erased.session.erased_at and not (erased.turns or erased.summaries or erased.feedback)
    # Safety over erasure: the alert stays, with its trigger words only.
    assert [a.evidence for a in erased.alerts] == [[{"text": t} for t in
                                                   [e["text"] for e in text.alerts[0].evidence]]]
