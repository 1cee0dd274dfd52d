"""The admin area's REST API on a real server: admin-only routes, break-glass emergency access,
and the audit log (browse newest first, verify the hash chain)."""

from __future__ import annotations

import uuid
from contextlib import closing

import pytest

from tests.e2e.conftest import KioskClient, LiveServer

pytestmark = pytest.mark.e2e
NEW_ROUTES = {
    ("get", "/api/admin/audit"),
    ("get", "/api/admin/audit/verify"),
    ("post", "/api/admin/sessions/{session_id}/break-glass"),
    ("get", "/api/admin/users"),
    ("post", "/api/admin/users"),
    ("post", "/api/admin/users/{user_id}/reset-password"),
    ("post", "/api/admin/users/{user_id}/active"),
    ("post", "/api/admin/users/{user_id}/totp/disable"),
}


def test_non_admins_get_403_on_every_admin_route(live_server: LiveServer) -> None:
    with closing(live_server.client()) as anon:
        spec = anon.get("/openapi.json").json()
    routes = {
        (method, path)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if "admin" in operation.get("tags", [])
    }
    assert routes >= NEW_ROUTES
    existing_id = live_server.ids["dr_ana"]  # a real id, so a missing guard could not 404
    for username in ("dr_ana", "desk_fay"):
        with closing(live_server.client(username)) as client:
            for method, path in sorted(routes):
                url = path.replace("{session_id}", str(uuid.uuid4())).replace(
                    "{user_id}", existing_id
                ).replace("{kiosk_id}", str(uuid.uuid4()))
                body = {"reason": "checking the guard", "active": False, "name": "x"}
                response = client.request(
                    method.upper(), url, json=body if method != "get" else None
                )
                assert response.status_code == 403, (username, method, path, response.text)
                assert response.json()["detail"]["code"] == "forbidden"
    with closing(live_server.client("dr_ana")) as ana:
        assert ana.get("/api/auth/me").json()["user"]["username"] == "dr_ana"  # still active


async def test_break_glass_needs_a_reason_and_is_shown_to_the_therapist(
    live_server: LiveServer,
) -> None:
    created = live_server.new_session("dr_ana")
    session_id = created["session_id"]
    words = f"My landlord raised the rent again {uuid.uuid4().hex[:6]}"
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.join(created["code"])
        await kiosk.send({"type": "text", "text": words})
        await kiosk.until(lambda e: e["type"] == "reply_done")
    finally:
        await kiosk.close()
    url = f"/api/admin/sessions/{session_id}/break-glass"
    reason = "Client phoned in crisis; therapist unreachable"
    with closing(live_server.client("admin", live_server.admin_password)) as admin:
        assert admin.get(f"/api/sessions/{session_id}").json()["turns"] == []  # no text normally
        assert admin.post(url, json={}).status_code == 422
        blank = admin.post(url, json={"reason": "       "})
        assert blank.status_code == 422 and blank.json()["detail"]["code"] == "reason_required"
        assert admin.post(f"/api/admin/sessions/{uuid.uuid4()}/break-glass",
                          json={"reason": reason}).status_code == 404
        read = admin.post(url, json={"reason": reason})
        assert read.status_code == 200, read.text
        body = read.json()
        assert any(t["text"] == words for t in body["turns"])
        assert body["reason"] == reason and body["session"]["id"] == session_id
        admin_id = admin.get("/api/auth/me").json()["user"]["id"]
        logged = admin.get(
            "/api/admin/audit", params={"action": "text.break_glass", "session_id": session_id}
        ).json()["entries"]
        everything = admin.get("/api/admin/audit", params={"limit": 500}).text
    assert len(logged) == 1
    assert logged[0]["actor_id"] == admin_id and logged[0]["actor_name"] == "admin"
    # Issue 19: the reason is stored encrypted with the access, so the audit row names the
    # access instead of quoting the reason (which may name the client).
    assert logged[0]["detail"]["access_id"] and "reason" not in logged[0]["detail"]
    assert words not in everything and reason not in everything  # no client text, no reason
    with closing(live_server.client("dr_ana")) as ana:
        seen = ana.get(f"/api/sessions/{session_id}").json()["session"]["break_glass"]
        listed = {s["id"]: s for s in ana.get("/api/sessions").json()["sessions"]}
    assert [(b["admin_id"], b["reason"]) for b in seen] == [(admin_id, reason)]
    assert listed[session_id]["break_glass"] == seen


def test_audit_log_pages_newest_first_and_verifies(live_server: LiveServer) -> None:
    with closing(live_server.client("admin", live_server.admin_password)) as admin:
        first = admin.get("/api/admin/audit", params={"limit": 5}).json()
        ids = [e["id"] for e in first["entries"]]
        assert len(ids) == 5 and ids == sorted(ids, reverse=True)
        assert first["next_before_id"] == ids[-1]
        second = admin.get(
            "/api/admin/audit", params={"limit": 5, "before_id": first["next_before_id"]}
        ).json()
        assert second["entries"] and max(e["id"] for e in second["entries"]) < ids[-1]
        logins = admin.get("/api/admin/audit", params={"action": "login.success"}).json()
        assert logins["entries"] and {e["action"] for e in logins["entries"]} == {"login.success"}
        assert any(e["actor_name"] == "dr_ana" for e in logins["entries"])
        assert admin.get("/api/admin/audit", params={"before_id": 1}).json() == {
            "entries": [],
            "next_before_id": None,
        }
        verified = admin.get("/api/admin/audit/verify").json()
        newest = admin.get("/api/admin/audit", params={"limit": 1}).json()["entries"][0]["id"]
    assert verified["ok"] is True and verified["problems"] == []
    assert verified["entries"] >= ids[0] and newest >= verified["entries"]
