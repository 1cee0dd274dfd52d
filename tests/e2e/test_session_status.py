"""A session's status, actions, language, code and exports as staff see them (issue 14), over
the real server and real sockets: one status derived by the server, pushed live."""

from __future__ import annotations

from contextlib import closing
from typing import Any

import pytest

from tests.e2e.conftest import KioskClient, LiveServer, TherapistClient

pytestmark = pytest.mark.e2e

CRISIS_TEXT = "I want to kill myself tonight."


async def _status_event(therapist: TherapistClient, session_id: str, status: str) -> dict[str, Any]:
    """The next `session_status` event of this session with this status."""
    while True:
        seen = await therapist.until_event("session_status", 60)
        event = seen[-1]
        if event["session_id"] == session_id and event["data"]["status"] == status:
            return event


def _listed(http: Any, session_id: str) -> dict[str, Any]:
    rows = http.get("/api/sessions?limit=500").json()["sessions"]
    row: dict[str, Any] = next(r for r in rows if r["id"] == session_id)
    return row


async def _to_review(kiosk: KioskClient, code: str, said: str, focus: str) -> list[Any]:
    """Join, say one thing, finish, answer the focus question: up to the summary to review."""
    await kiosk.join(code)
    await kiosk.send({"type": "text", "text": said})
    await kiosk.until(lambda e: e["type"] == "reply_done")
    await kiosk.send({"type": "end"})
    await kiosk.until(lambda e: e["type"] == "reply_done")
    await kiosk.send({"type": "text", "text": focus})
    return await kiosk.until(lambda e: e["type"] == "summary")


async def test_one_status_from_the_server_in_the_list_the_page_and_the_live_stream(
    live_server: LiveServer,
) -> None:
    http = live_server.client("dr_ana")
    therapist, _, _ = await TherapistClient.connect(live_server, http, last_seq=None)
    kiosk = await KioskClient.connect(live_server)
    try:
        created = http.post("/api/sessions", json={}).json()
        session_id = created["session_id"]
        pending = await _status_event(therapist, session_id, "pending")
        await kiosk.join(created["code"])
        active = await _status_event(therapist, session_id, "active")
        await kiosk.send({"type": "text", "text": CRISIS_TEXT})
        crisis = await _status_event(therapist, session_id, "crisis")
        listed, page = _listed(http, session_id), http.get(f"/api/sessions/{session_id}").json()
        cleared = http.post(f"/api/sessions/{session_id}/clear-crisis")
        ended = await _status_event(therapist, session_id, "ended")
    finally:
        await kiosk.close()
        await therapist.close()
    assert pending["data"]["actions"] == ["show_code", "cancel"]
    assert active["data"]["actions"] == ["call_in"]
    assert crisis["data"]["actions"] == ["call_in", "clear_crisis"] and crisis["data"]["crisis"]
    # The list and the session page say what the live stream said.
    assert listed["status"] == page["session"]["status"] == "crisis"
    assert listed["actions"] == page["session"]["actions"] == ["call_in", "clear_crisis"]
    assert cleared.status_code == 200
    assert ended["data"]["actions"] == []  # no "Call in" for an ended session
    assert _listed(http, session_id)["status"] == "ended" and _listed(http, session_id)["crisis"]
    http.close()


async def test_a_pending_code_is_shown_again_and_cancel_makes_it_stop_working(
    live_server: LiveServer,
) -> None:
    http = live_server.client("dr_ana")
    therapist, _, _ = await TherapistClient.connect(live_server, http, last_seq=None)
    try:
        created = http.post("/api/sessions", json={"label": "3pm"}).json()
        session_id = created["session_id"]
        shown = http.get(f"/api/sessions/{session_id}").json()["session"]
        cancelled = http.post(f"/api/sessions/{session_id}/cancel")
        live = await _status_event(therapist, session_id, "cancelled")
        again = http.post(f"/api/sessions/{session_id}/cancel")
    finally:
        await therapist.close()
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.send({"type": "join", "code": created["code"]})
        refused = await kiosk.next_event()
    finally:
        await kiosk.close()
    assert shown["code"] == created["code"] and shown["actions"] == ["show_code", "cancel"]
    assert _listed(http, session_id)["code"] is None
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["code"] is None and cancelled.json()["actions"] == []
    assert live["data"]["actions"] == []
    assert again.status_code == 409
    assert refused["type"] == "error" and refused["code"] == "code_invalid"
    with closing(live_server.client("dr_ben")) as other:  # not dr_ben's session
        assert other.post(f"/api/sessions/{session_id}/cancel").status_code in (403, 404)
    audit = live_server.client("admin", live_server.admin_password)
    rows = audit.get("/api/admin/audit", params={"action": "session.cancelled"}).json()
    assert any(r.get("session_id") == session_id for r in rows["entries"])
    audit.close()
    http.close()


async def test_the_session_shows_the_language_the_conversation_runs_in(
    live_server: LiveServer,
) -> None:
    http = live_server.client("dr_ana")
    therapist, _, _ = await TherapistClient.connect(live_server, http, last_seq=None)
    kiosk = await KioskClient.connect(live_server)
    try:
        created = http.post("/api/sessions", json={"lang": "en"}).json()
        session_id = created["session_id"]
        await kiosk.send({"type": "settings", "lang": "es"})  # the client chose Spanish
        await kiosk.until(lambda e: e["type"] == "settings")
        await kiosk.send({"type": "join", "code": created["code"]})
        joined = await kiosk.until(lambda e: e["type"] == "joined")
        live = await _status_event(therapist, session_id, "active")
        while live["data"]["language"] != "es":
            live = await _status_event(therapist, session_id, "active")
        page = http.get(f"/api/sessions/{session_id}").json()
    finally:
        await kiosk.close()
        await therapist.close()
    assert joined[-1]["lang"] == "es"  # type: ignore[index]
    assert page["session"]["language"] == "es" and _listed(http, session_id)["language"] == "es"
    http.close()


async def test_exports_say_what_the_client_removed_and_approved(live_server: LiveServer) -> None:
    http = live_server.client("dr_ana")
    created = http.post("/api/sessions", json={}).json()
    kiosk = await KioskClient.connect(live_server)
    try:
        review = await _to_review(kiosk, created["code"], "Money has been a constant worry.",
                                  "I want to talk about my budget.")
        await kiosk.send({"type": "review", "action": "remove", "field": "focus", "index": 0})
        edited = await kiosk.until(lambda e: e["type"] == "summary")
        await kiosk.send({"type": "review", "action": "approve"})
        await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "feedback")
        await kiosk.send({"type": "feedback", "rating": 5, "comment": "The kiosk was calm."})
        await kiosk.until(lambda e: e["type"] == "ended")
    finally:
        await kiosk.close()
    first, after = review[-1], edited[-1]
    assert isinstance(first, dict) and isinstance(after, dict)
    assert first["summary"]["focus"] and not after["summary"]["focus"]
    session_id = created["session_id"]
    markdown = http.get(f"/api/sessions/{session_id}/export?format=md").text
    exported = http.get(f"/api/sessions/{session_id}/export?format=json").json()
    http.close()
    assert "(removed by the client)" in markdown and "(not said)" not in markdown
    assert "**approved** (approved by the client)" in markdown
    assert exported["summary_approved"] is True
    assert exported["client_changes"]["removed"] == {"focus": 1}


async def test_admins_read_feedback_comments_and_the_read_is_audited(
    live_server: LiveServer,
) -> None:
    created = live_server.new_session("dr_ana")
    comment = "The voice was a little fast for me."
    kiosk = await KioskClient.connect(live_server)
    try:
        await _to_review(kiosk, created["code"], "I feel tired after work most days.", "Sleep.")
        await kiosk.send({"type": "review", "action": "approve"})
        await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "feedback")
        await kiosk.send({"type": "feedback", "rating": 3, "comment": comment})
        await kiosk.until(lambda e: e["type"] == "ended")
    finally:
        await kiosk.close()
    with closing(live_server.client("dr_ana")) as therapist:
        assert therapist.get("/api/admin/feedback/comments").status_code == 403
    with closing(live_server.client("admin", live_server.admin_password)) as admin:
        before = admin.get("/api/admin/audit", params={"action": "text.feedback_read"}).json()
        comments = admin.get("/api/admin/feedback/comments").json()["comments"]
        after = admin.get("/api/admin/audit", params={"action": "text.feedback_read"}).json()
    mine = [c for c in comments if c["session_id"] == created["session_id"]]
    assert [c["comment"] for c in mine] == [comment] and mine[0]["rating"] == 3
    assert len(after["entries"]) == len(before["entries"]) + 1
    assert comment not in str(after["entries"])  # the log says who read, never the words
