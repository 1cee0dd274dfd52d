"""Issue 14 set-up on a real server: the enrolment address (from the admin's own address, with
its QR code), re-issue and revoke per kiosk, kiosk presence; the authenticator QR code and
single-use recovery codes; the password rules served to every form that chooses a password."""

from __future__ import annotations

import uuid
from contextlib import closing
from typing import Any

import httpx
import pyotp
import pytest
import websockets

from models.password_policy import RULE_LINES
from server.qr import qr_data_uri
from tests.e2e.conftest import ADMIN_PASSWORD, PASSWORD, KioskClient, LiveServer

pytestmark = pytest.mark.e2e


def admin_client(server: LiveServer) -> httpx.Client:
    return server.client("admin", ADMIN_PASSWORD)


def kiosk_row(client: httpx.Client, kiosk_id: str) -> dict[str, Any]:
    rows = client.get("/api/kiosks").json()["kiosks"]
    return next(k for k in rows if k["id"] == kiosk_id)


def redeem(server: LiveServer, code: str) -> str:
    with closing(server.client()) as anon:
        answer = anon.post("/api/kiosk/enrol", json={"code": code})
        assert answer.status_code == 200, answer.text
        token: str = answer.json()["token"]
        return token


async def test_enrolment_link_reissue_revoke_and_presence(live_server: LiveServer) -> None:
    name = f"Room {uuid.uuid4().hex[:6]}"
    with closing(admin_client(live_server)) as admin:
        # The address the admin's browser used, not the server's bind address.
        created = admin.post("/api/kiosks", json={"name": name},
                             headers={"Host": "reflect.clinic.lan:8000"})
        assert created.status_code == 201, created.text
        link = created.json()
        assert link["enrol_url"] == f"http://reflect.clinic.lan:8000/kiosk/#enrol={link['enrol_code']}"
        assert link["this_machine_only"] is False
        assert link["enrol_qr"] == qr_data_uri(link["enrol_url"])
        assert link["enrol_qr"].startswith("data:image/svg+xml")
        kiosk_id = link["kiosk_id"]
        assert kiosk_row(admin, kiosk_id)["enrol_pending_until"] is not None
        first_token = redeem(live_server, link["enrol_code"])
        assert kiosk_row(admin, kiosk_id)["enrol_pending_until"] is None

        # Presence: offline until its socket is open, online while it is.
        assert kiosk_row(admin, kiosk_id)["online"] is False
        kiosk = await KioskClient.connect(live_server, first_token)
        assert kiosk_row(admin, kiosk_id)["online"] is True

        # A new link: the device on the old token is disconnected and the old token refused.
        again = admin.post(f"/api/kiosks/{kiosk_id}/enrolment")
        assert again.status_code == 201, again.text
        reissued = again.json()
        assert reissued["this_machine_only"] is True  # this client used 127.0.0.1
        closed = await kiosk.until(lambda e: e["type"] == "error", wait_s=20)
        assert closed[-1]["code"] == "auth_failed"
        with pytest.raises((AssertionError, websockets.ConnectionClosed)):
            await KioskClient.connect(live_server, first_token)
        second_token = redeem(live_server, reissued["enrol_code"])
        assert second_token != first_token
        fresh = await KioskClient.connect(live_server, second_token)
        await fresh.close()

        assert admin.delete(f"/api/kiosks/{kiosk_id}").status_code == 204
        row = kiosk_row(admin, kiosk_id)
        assert row["revoked"] is True and row["online"] is False
        refused = admin.post(f"/api/kiosks/{kiosk_id}/enrolment")
        assert refused.status_code == 409 and refused.json()["detail"]["code"] == "kiosk_revoked"


def test_totp_qr_and_single_use_recovery_codes(live_server: LiveServer) -> None:
    username = f"dr_{uuid.uuid4().hex[:6]}"
    with closing(admin_client(live_server)) as admin:
        made = admin.post("/api/users", json={"username": username, "password": PASSWORD,
                                              "role": "therapist"})
        assert made.status_code == 201, made.text
    with closing(live_server.client(username)) as me:
        setup = me.post("/api/me/totp/setup").json()
        assert setup["qr"] == qr_data_uri(setup["otpauth_uri"])
        confirmed = me.post("/api/me/totp/confirm",
                            json={"code": pyotp.TOTP(setup["secret"]).now()}).json()
        codes = confirmed["recovery_codes"]
        assert confirmed["totp_enabled"] is True and len(codes) == 10 == len(set(codes))
        assert me.get("/api/me").json()["recovery_codes_left"] == 10

    def sign_in(second: str) -> httpx.Response:
        with closing(live_server.client()) as anon:
            return anon.post("/api/auth/login", json={"username": username,
                                                      "password": PASSWORD, "totp": second})

    assert sign_in(codes[0]).status_code == 200
    assert sign_in(codes[0]).status_code == 401  # a recovery code works once
    assert sign_in(codes[1].upper().replace("-", " ")).status_code == 200  # as typed off paper
    with closing(httpx.Client(base_url=live_server.url, timeout=30)) as me:
        signed = me.post("/api/auth/login", json={"username": username, "password": PASSWORD,
                                                  "totp": codes[2]})
        me.headers["X-CSRF-Token"] = signed.json()["csrf_token"]
        assert me.get("/api/me").json()["recovery_codes_left"] == 7
        wrong = me.post("/api/me/recovery-codes", json={"password": "not my password at all"})
        assert wrong.status_code == 400
        renewed = me.post("/api/me/recovery-codes", json={"password": PASSWORD})
        assert renewed.status_code == 200, renewed.text
        new_codes = renewed.json()["recovery_codes"]
        assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    assert sign_in(codes[3]).status_code == 401  # the old set stopped working
    assert sign_in(new_codes[0]).status_code == 200
    with closing(admin_client(live_server)) as admin:
        actions = [row["action"] for row in admin.get(
            "/api/admin/audit", params={"limit": 200}).json()["entries"]]
    assert actions.count("account.recovery_codes_issued") >= 2
    assert actions.count("account.recovery_code_used") >= 4
    assert all(code not in live_server.log() for code in codes + new_codes)


def test_password_rules_are_served_to_the_forms(live_server: LiveServer) -> None:
    with closing(live_server.client()) as anon:
        answer = anon.get("/api/auth/password-rules")
    assert answer.status_code == 200
    body = answer.json()
    assert body["rules"] == list(RULE_LINES)
    assert body["min_length"] == 12 and body["max_length"] == 128
