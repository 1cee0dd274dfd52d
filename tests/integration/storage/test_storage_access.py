"""Therapist scoping, break-glass, one-time codes, kiosk tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest

from models import audit, content, kiosks, sessions
from models.access import Actor
from models.db import Database
from models.errors import (
    AuthenticationError,
    AuthorizationError,
    CodeExpiredError,
    InvalidInputError,
)
from models.types import Role, utcnow
from tests.integration.storage_fixtures import populate

pytestmark = pytest.mark.integration


def test_therapist_sees_only_own_sessions(database: Database) -> None:
    world = populate(database)
    with database.transaction() as db:
        own = sessions.list_sessions(db, viewer=world.therapist)
        assert [s.id for s in own] == [world.session_id]
        assert sessions.list_sessions(db, viewer=world.other_therapist) == []
        with pytest.raises(AuthorizationError):
            sessions.get_session_text(db, viewer=world.other_therapist,
                                      session_id=world.session_id)
        with pytest.raises(AuthorizationError):
            sessions.view_session(db, viewer=world.other_therapist, session_id=world.session_id)
        with pytest.raises(AuthorizationError):  # front desk: metadata yes, text no
            sessions.get_session_text(db, viewer=world.front_desk, session_id=world.session_id)
        assert sessions.view_session(db, viewer=world.front_desk,
                                     session_id=world.session_id).id == world.session_id
        with pytest.raises(AuthorizationError, match="break-glass"):
            sessions.get_session_text(db, viewer=world.admin, session_id=world.session_id)
        alert_id = content.list_alerts(db, viewer=world.therapist)[0].id
        with pytest.raises(AuthorizationError):
            content.acknowledge_alert(db, viewer=world.other_therapist, alert_id=alert_id)
        with pytest.raises(AuthorizationError):  # a therapist books only for themself
            sessions.create_session(db, therapist_id=world.therapist.id,
                                    created_by=world.other_therapist)


def test_reads_are_audited_and_alert_ack_recorded(database: Database) -> None:
    world = populate(database)
    viewer = Actor(world.therapist.id, Role.THERAPIST)
    with database.transaction() as db:
        sessions.get_session_text(db, viewer=viewer, session_id=world.session_id)
        sessions.get_session_text(db, viewer=viewer, session_id=world.session_id,
                                  purpose="export")
        alert = content.list_alerts(db, viewer=viewer)[0]
        content.acknowledge_alert(db, viewer=viewer, alert_id=alert.id)
        assert content.list_alerts(db, viewer=viewer) == []
        admin_view = content.list_alerts(db, viewer=world.admin, open_only=False)
        assert admin_view[0].evidence is None  # admins see that an alert exists, not its words
        rows = audit.entries(db, session_id=world.session_id, limit=100)
    actions = [r.action for r in rows]
    assert {"text.read", "text.exported", "alert.acknowledged"} <= set(actions)
    assert all(r.actor_id == world.therapist.id for r in rows if r.action.startswith("text."))


def test_break_glass_needs_reason_and_is_visible_to_therapist(database: Database) -> None:
    world = populate(database)
    with database.transaction() as db:
        with pytest.raises(InvalidInputError):
            sessions.break_glass_read(db, viewer=world.admin, session_id=world.session_id,
                                      reason="  ")
        with pytest.raises(AuthorizationError):
            sessions.break_glass_read(db, viewer=world.front_desk,
                                      session_id=world.session_id, reason="curious about it")
        text = sessions.break_glass_read(db, viewer=world.admin, session_id=world.session_id,
                                         reason="client at risk, therapist unreachable")
        assert text.turns[0].text == world.secrets[0]
    with database.transaction() as db:
        seen = sessions.list_sessions(db, viewer=world.therapist)[0]
        assert [(b.admin_id, b.reason) for b in seen.break_glass] == [
            (world.admin.id, "client at risk, therapist unreachable")]
        logged = audit.entries(db, action="text.break_glass")
        assert logged[0].actor_id == world.admin.id
        # Issue 19: the reason is encrypted with the access; the audit row only names it.
        assert logged[0].detail["access_id"] and "reason" not in logged[0].detail


def test_codes_are_single_use_and_expire(database: Database) -> None:
    world = populate(database)
    now = utcnow()
    with database.transaction() as db:
        row, code = sessions.create_session(db, therapist_id=world.therapist.id,
                                            created_by=world.therapist, language="es",
                                            ttl=timedelta(minutes=5), now=now)
        assert row.code_hash != code and len(code) == 6 and code.isdigit()
        _expired, old_code = sessions.create_session(db, therapist_id=world.therapist.id,
                                                    created_by=world.front_desk,
                                                    ttl=timedelta(minutes=5),
                                                    now=now - timedelta(minutes=10))
    with database.transaction() as db:
        started = sessions.redeem_code(db, code=code, kiosk_id=world.kiosk.id, now=now)
        assert started.id == row.id and started.language == "es"
    for bad in (code, old_code, "12ab", ""):
        with database.transaction() as db, pytest.raises(AuthenticationError):
            sessions.redeem_code(db, code=bad, kiosk_id=world.kiosk.id, now=now)


def test_an_expired_code_is_told_apart_from_a_wrong_one(database: Database) -> None:
    """Issue 14: the kiosk can say "expired" (ask for a new code) instead of "did not work"."""
    world = populate(database)
    now = utcnow()
    with database.transaction() as db:
        _row, old_code = sessions.create_session(db, therapist_id=world.therapist.id,
                                                created_by=world.therapist,
                                                ttl=timedelta(minutes=5),
                                                now=now - timedelta(minutes=10))
    with database.transaction() as db, pytest.raises(CodeExpiredError):
        sessions.redeem_code(db, code=old_code, kiosk_id=world.kiosk.id, now=now)
    wrong = "000000" if old_code != "000000" else "111111"
    with database.transaction() as db, pytest.raises(AuthenticationError) as caught:
        sessions.redeem_code(db, code=wrong, kiosk_id=world.kiosk.id, now=now)
    assert not isinstance(caught.value, CodeExpiredError)


def test_kiosk_token_checked_and_stored_hashed(database: Database) -> None:
    with database.transaction() as db:
        kiosk, token = kiosks.enroll_kiosk(db, name="front window")
        assert kiosk.token_hash != token and token not in kiosk.token_hash
    with database.transaction() as db:
        assert kiosks.authenticate_kiosk(db, token=token).id == kiosk.id
        with pytest.raises(AuthenticationError):
            kiosks.authenticate_kiosk(db, token=token + "x")
