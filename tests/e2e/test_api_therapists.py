"""GET /api/therapists on a real server: the front desk's picker for who a new session is for."""

from __future__ import annotations

import uuid
from contextlib import closing

import httpx
import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


def _code(response: httpx.Response) -> str:
    code: str = response.json()["detail"]["code"]
    return code


def test_front_desk_and_admin_list_active_therapists_only(live_server: LiveServer) -> None:
    name = f"dr_{uuid.uuid4().hex[:8]}"
    with closing(live_server.client("admin", live_server.admin_password)) as admin:
        created = admin.post(
            "/api/admin/users",
            json={"username": name, "role": "therapist", "display_name": "Dr Leaving"},
        )
        assert created.status_code == 201, created.text
        leaving = created.json()["user"]["id"]
        listed = {t["id"]: t["display_name"] for t in admin.get("/api/therapists").json()[
            "therapists"]}
        assert listed[leaving] == "Dr Leaving"
        assert admin.post(f"/api/admin/users/{leaving}/active", json={"active": False}).is_success
    with closing(live_server.client("desk_fay")) as desk:
        answer = desk.get("/api/therapists")
    assert answer.status_code == 200
    therapists = answer.json()["therapists"]
    ids = [t["id"] for t in therapists]
    # Active therapists only: no front desk, no admin, no deactivated account.
    assert live_server.ids["dr_ana"] in ids and live_server.ids["dr_ben"] in ids
    assert live_server.ids["desk_fay"] not in ids and leaving not in ids
    assert all(set(t) == {"id", "display_name"} and t["display_name"] for t in therapists)
    # A therapist without a display name is listed under the username.
    assert {"dr_ana", "dr_ben"} <= {t["display_name"] for t in therapists}


def test_therapists_and_strangers_cannot_list_therapists(live_server: LiveServer) -> None:
    with closing(live_server.client("dr_ana")) as ana:
        refused = ana.get("/api/therapists")
    assert refused.status_code == 403 and _code(refused) == "forbidden"
    with closing(live_server.client()) as nobody:
        anonymous = nobody.get("/api/therapists")
    assert anonymous.status_code == 401


def test_front_desk_creates_for_a_listed_therapist(live_server: LiveServer) -> None:
    with closing(live_server.client("desk_fay")) as desk:
        missing = desk.post("/api/sessions", json={"label": "3pm"})
        assert missing.status_code == 400 and _code(missing) == "therapist_required"
        chosen = next(
            t for t in desk.get("/api/therapists").json()["therapists"]
            if t["display_name"] == "dr_ben"
        )
        created = desk.post("/api/sessions", json={"therapist_id": chosen["id"], "label": "3pm"})
        assert created.status_code == 201, created.text
        assert created.json()["therapist_id"] == chosen["id"]
        not_a_therapist = desk.post(
            "/api/sessions", json={"therapist_id": live_server.ids["desk_fay"]}
        )
        assert not_a_therapist.status_code == 404
    with closing(live_server.client("dr_ben")) as ben:
        mine = ben.get("/api/sessions").json()["sessions"]
    assert any(
        s["id"] == created.json()["session_id"] and s["label"] == "3pm" for s in mine
    )
