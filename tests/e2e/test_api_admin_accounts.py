"""Accounts on a real server: one-time passwords block everything until changed, admin resets and
disables, and the TOTP second factor (set up, confirmed with pyotp, then required at sign-in)."""

from __future__ import annotations

import json
import time
import uuid
from contextlib import closing
from typing import Any

import httpx
import pyotp
import pytest
import websockets

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "copper meadow lantern 58"


def _code(response: httpx.Response) -> str:
    code: str = response.json()["detail"]["code"]
    return code


def _create_user(server: LiveServer, role: str = "therapist") -> dict[str, Any]:
    """A new account made by the admin; returns the answer with its one-time password."""
    with closing(server.client("admin", server.admin_password)) as admin:
        created = admin.post(
            "/api/admin/users", json={"username": f"u_{uuid.uuid4().hex[:10]}", "role": role}
        )
    assert created.status_code == 201, created.text
    result: dict[str, Any] = created.json()
    return result


def _ready_user(server: LiveServer) -> str:
    """A therapist whose one-time password is already changed to NEW_PASSWORD."""
    created = _create_user(server)
    username = str(created["user"]["username"])
    with closing(server.client(username, created["one_time_password"])) as client:
        changed = client.post(
            "/api/me/password",
            json={"current_password": created["one_time_password"], "new_password": NEW_PASSWORD},
        )
        assert changed.status_code == 200, changed.text
    return username


async def test_a_one_time_password_blocks_everything_until_changed(
    live_server: LiveServer,
) -> None:
    created = _create_user(live_server)
    user, one_time = created["user"], created["one_time_password"]
    assert user["password_change_required"] is True and user["active"] is True
    client = live_server.client(user["username"], one_time)
    try:
        blocked = [client.get("/api/sessions"), client.post("/api/sessions", json={}),
                   client.get("/api/alerts"), client.post("/api/me/totp/setup")]
        assert [(r.status_code, _code(r)) for r in blocked] == [
            (403, "password_change_required")] * 4
        assert client.get("/api/auth/me").json()["password_change_required"] is True
        assert client.get("/api/me").json()["password_change_required"] is True
        refused = await _first_stream_message(live_server, client)
        assert refused["type"] == "error" and refused["code"] == "auth_failed"
        wrong = client.post(
            "/api/me/password",
            json={"current_password": "not it at all!", "new_password": NEW_PASSWORD},
        )
        assert (wrong.status_code, _code(wrong)) == (400, "wrong_password")
        weak = client.post("/api/me/password",
                           json={"current_password": one_time, "new_password": "short"})
        assert (weak.status_code, _code(weak)) == (422, "weak_password")
        changed = client.post("/api/me/password",
                              json={"current_password": one_time, "new_password": NEW_PASSWORD})
        assert changed.status_code == 200 and changed.json()["password_change_required"] is False
        assert client.get("/api/sessions").status_code == 200
        assert client.post("/api/sessions", json={}).status_code == 201
    finally:
        client.close()
    with closing(live_server.client()) as anon:
        old = anon.post(
            "/api/auth/login", json={"username": user["username"], "password": one_time}
        )
    assert old.status_code == 401


def test_admin_reset_and_disable_sign_the_user_out(live_server: LiveServer) -> None:
    username = _ready_user(live_server)
    user_client = live_server.client(username, NEW_PASSWORD)
    with closing(live_server.client("admin", live_server.admin_password)) as admin:
        listed = {u["username"]: u for u in admin.get("/api/admin/users").json()["users"]}
        user_id = listed[username]["id"]
        assert listed[username]["password_change_required"] is False
        reset = admin.post(f"/api/admin/users/{user_id}/reset-password")
        assert reset.status_code == 200 and reset.json()["user"]["password_change_required"]
        one_time = reset.json()["one_time_password"]
        assert user_client.get("/api/auth/me").status_code == 401  # signed out everywhere
        with closing(live_server.client(username, one_time)) as again:
            assert again.get("/api/auth/me").json()["password_change_required"] is True
            off = admin.post(f"/api/admin/users/{user_id}/active", json={"active": False})
            assert off.status_code == 200 and off.json()["active"] is False
            assert again.get("/api/auth/me").status_code == 401
        with closing(live_server.client()) as anon:
            refused = anon.post("/api/auth/login",
                                json={"username": username, "password": one_time})
        assert refused.status_code == 401
        on = admin.post(f"/api/admin/users/{user_id}/active", json={"active": True})
        assert on.json()["active"] is True
        own_id = admin.get("/api/auth/me").json()["user"]["id"]
        self_off = admin.post(f"/api/admin/users/{own_id}/active", json={"active": False})
        assert (self_off.status_code, _code(self_off)) == (400, "cannot_disable_self")
        missing = admin.post(f"/api/admin/users/{uuid.uuid4()}/reset-password")
        assert missing.status_code == 404
        duplicate = admin.post("/api/admin/users", json={"username": username, "role": "admin"})
        assert duplicate.status_code == 409
    user_client.close()


def test_totp_setup_confirm_then_sign_in_needs_the_code(live_server: LiveServer) -> None:
    username = _ready_user(live_server)
    with closing(live_server.client(username, NEW_PASSWORD)) as client:
        early = client.post("/api/me/totp/confirm", json={"code": "123456"})
        assert (early.status_code, _code(early)) == (409, "totp_setup_required")
        setup = client.post("/api/me/totp/setup").json()
        assert setup["otpauth_uri"].startswith("otpauth://totp/")
        assert setup["secret"] in setup["otpauth_uri"]
        totp = pyotp.TOTP(setup["secret"])
        assert client.get("/api/me").json()["totp_enabled"] is False  # not active yet
        wrong = client.post("/api/me/totp/confirm", json={"code": _wrong_code(totp)})
        assert (wrong.status_code, _code(wrong)) == (400, "totp_invalid")
        confirmed = client.post("/api/me/totp/confirm", json={"code": totp.now()})
        assert confirmed.json()["totp_enabled"] is True
        assert len(confirmed.json()["recovery_codes"]) == 10  # shown once, with the switch-on
        assert client.get("/api/me").json()["totp_enabled"] is True
        again = client.post("/api/me/totp/setup")
        assert (again.status_code, _code(again)) == (409, "totp_already_enabled")

    credentials = {"username": username, "password": NEW_PASSWORD}
    with closing(live_server.client()) as anon:
        no_code = anon.post("/api/auth/login", json=credentials)
        assert (no_code.status_code, _code(no_code)) == (401, "totp_required")
        bad = anon.post("/api/auth/login", json={**credentials, "totp": _wrong_code(totp)})
        assert (bad.status_code, _code(bad)) == (401, "login_failed")
        # Issue 19: the confirming code is spent; the next step's code (drift allowance) works.
        good = anon.post("/api/auth/login",
                         json={**credentials, "totp": totp.at(time.time() + 30)})
        assert good.status_code == 200, good.text
        anon.headers["X-CSRF-Token"] = good.json()["csrf_token"]
        refused = anon.post("/api/me/totp/disable", json={"password": "not the password"})
        assert (refused.status_code, _code(refused)) == (400, "wrong_password")
        disabled = anon.post("/api/me/totp/disable", json={"password": NEW_PASSWORD})
        assert disabled.json() == {"totp_enabled": False, "recovery_codes": []}
    with closing(live_server.client(username, NEW_PASSWORD)) as plain:
        assert plain.get("/api/me").json()["totp_enabled"] is False


async def _first_stream_message(server: LiveServer, http: httpx.Client) -> dict[str, Any]:
    """What /ws/therapist says first to this sign-in (it refuses before any hello)."""
    cookie = "; ".join(f"{k}={v}" for k, v in http.cookies.items())
    async with websockets.connect(
        f"{server.ws_url}/ws/therapist", additional_headers={"Cookie": cookie}
    ) as ws:
        message: dict[str, Any] = json.loads(await ws.recv())
    return message


def _wrong_code(totp: pyotp.TOTP) -> str:
    """A code valid in none of the accepted time steps (now and one either side)."""
    now = int(time.time())
    valid = {totp.at(now + 30 * offset) for offset in (-2, -1, 0, 1, 2)}
    code = int(totp.now())
    while f"{code:06d}" in valid:
        code = (code + 1) % 1_000_000
    return f"{code:06d}"
