"""Authorization at the edge: therapists are scoped to their own sessions (REST and websocket),
kiosk tokens are not dashboard sign-ins, codes are single-use and expire, CSRF is enforced."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from tests.e2e.conftest import KioskClient, LiveServer, TherapistClient

pytestmark = pytest.mark.e2e


def test_a_therapist_cannot_read_another_therapists_session(live_server: LiveServer) -> None:
    session_b = live_server.new_session("dr_ben")["session_id"]
    with closing(live_server.client("dr_ana")) as ana, closing(live_server.client("dr_ben")) as ben:
        for path in ("", "/summary", "/export?format=md", "/export?format=json"):
            assert ana.get(f"/api/sessions/{session_b}{path}").status_code in (403, 404)
            assert ben.get(f"/api/sessions/{session_b}{path}").status_code == 200
        assert ana.post(f"/api/sessions/{session_b}/call-in").status_code in (403, 404)
        listed = ana.get("/api/sessions").json()["sessions"]
        assert session_b not in {s["id"] for s in listed}
        assert all(s["therapist_id"] == live_server.ids["dr_ana"] for s in listed)
        forged = ana.post("/api/sessions", json={"therapist_id": live_server.ids["dr_ben"]})
        assert forged.status_code == 403
        assert ana.get(f"/api/sessions?therapist_id={live_server.ids['dr_ben']}").status_code == 403


async def test_a_therapist_stream_carries_only_their_own_sessions(live_server: LiveServer) -> None:
    with closing(live_server.client("dr_ana")) as http:
        client, _, replayed = await TherapistClient.connect(live_server, http, last_seq=0)
        ben_session = live_server.new_session("dr_ben")["session_id"]
        ana_session = live_server.new_session("dr_ana")["session_id"]
        live = await client.until_event("session_created")
        await client.close()
    own = {e["session_id"] for e in replayed + live}
    assert ana_session in own and ben_session not in own
    with closing(live_server.client("dr_ana")) as ana:
        mine = {s["id"] for s in ana.get("/api/sessions").json()["sessions"]}
    assert {e["session_id"] for e in replayed + live if e["session_id"]} <= mine


async def test_a_kiosk_token_is_not_a_dashboard_sign_in(live_server: LiveServer) -> None:
    token = live_server.kiosk_token
    with closing(live_server.client()) as anon:
        anon.cookies.set("reflect_session", token)
        assert anon.get("/api/sessions").status_code == 401
        assert anon.get("/api/auth/me").status_code == 401
        response = anon.get("/api/sessions", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        client, welcome, _ = await TherapistClient.connect(live_server, anon, last_seq=0)
        assert welcome["type"] == "error" and welcome["code"] == "auth_failed"
        await client.close()


async def test_bad_kiosk_token_is_refused(live_server: LiveServer) -> None:
    with pytest.raises(AssertionError, match="auth_failed"):
        await KioskClient.connect(live_server, token="rk_not-a-real-token")


async def test_used_and_expired_codes_are_refused(live_server: LiveServer) -> None:
    used = live_server.new_session("dr_ana")
    expired = live_server.new_session("dr_ana")
    # Expire the second code in the database the server uses (no waiting 30 minutes).
    with closing(sqlite3.connect(live_server.data_dir / "reflect.db")) as db, db:
        db.execute(
            "UPDATE reflection_sessions SET code_expires_at = '2000-01-01 00:00:00.000000' "
            "WHERE id = ?",
            (expired["session_id"].replace("-", ""),),
        )
        assert db.total_changes == 1
    first = await KioskClient.connect(live_server)
    second = await KioskClient.connect(live_server)
    try:
        await first.send({"type": "join", "code": used["code"]})
        assert (await first.next_event())["type"] == "joined"
        # Issue 14: an expired code says so (ask for a new one); used and unknown look alike.
        for code, said in ((used["code"], "code_invalid"), (expired["code"], "code_expired"),
                           ("000000", "code_invalid")):
            await second.send({"type": "join", "code": code})
            error = await second.next_event()
            assert error["type"] == "error" and error["code"] == said
            assert error["fatal"] is False
    finally:
        await first.close()
        await second.close()


def test_front_desk_creates_for_a_therapist_but_reads_no_content(live_server: LiveServer) -> None:
    with closing(live_server.client("desk_fay")) as desk:
        created = desk.post("/api/sessions", json={"therapist_id": live_server.ids["dr_ana"]})
        assert created.status_code == 201 and created.json()["code"].isdigit()
        session_id = created.json()["session_id"]
        detail = desk.get(f"/api/sessions/{session_id}")
        assert detail.status_code == 200 and detail.json()["turns"] == []
        assert desk.get(f"/api/sessions/{session_id}/summary").status_code == 403
        assert desk.get("/api/kiosks").status_code == 403


def test_state_changes_need_the_csrf_token_and_logout_ends_the_session(
    live_server: LiveServer,
) -> None:
    with closing(live_server.client("dr_ana")) as ana:
        token = ana.headers.pop("X-CSRF-Token")
        refused = ana.post("/api/sessions", json={})
        assert refused.status_code == 403 and refused.json()["detail"]["code"] == "csrf_failed"
        wrong = ana.post("/api/sessions", json={}, headers={"X-CSRF-Token": token + "x"})
        assert wrong.status_code == 403
        assert (
            ana.post("/api/sessions", json={}, headers={"X-CSRF-Token": token}).status_code == 201
        )
        assert ana.post("/api/auth/logout", headers={"X-CSRF-Token": token}).status_code == 204
        ana.cookies.clear()
    with closing(live_server.client("dr_ana")) as again:
        cookie = again.cookies.get("reflect_session")
        assert again.post("/api/auth/logout").status_code == 204
    with closing(live_server.client()) as stale:
        stale.cookies.set("reflect_session", cookie or "")
        assert stale.get("/api/sessions").status_code == 401


def test_login_cookie_flags_and_security_headers(live_server: LiveServer) -> None:
    with closing(live_server.client()) as anon:
        response = anon.post(
            "/api/auth/login", json={"username": "dr_ana", "password": "violet kettle harbour 42"}
        )
        cookies = response.headers.get_list("set-cookie")
        session = next(c for c in cookies if c.startswith("reflect_session="))
        assert "HttpOnly" in session and "SameSite=strict" in session
        assert response.headers["x-frame-options"] == "DENY"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert response.headers["cache-control"] == "no-store"
        bad = anon.post("/api/auth/login", json={"username": "dr_ana", "password": "nope"})
        assert bad.status_code == 401 and bad.json()["detail"]["code"] == "login_failed"
