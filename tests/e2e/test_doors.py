"""Issue 19, doors at the edge: each test drives one door through a real `reflect serve`.

One server for this module (its own data directory): these tests revoke kiosks, restart the
server and exhaust the loopback address's sign-in allowance, which would disturb the shared one.
The allowance and throttle tests run last, in file order, for that reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
import websockets

from tests.e2e.conftest import KioskClient, TherapistClient
from tests.e2e.server_process import PASSWORD, ROOT, LiveServer, free_port

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "amber lantern orchard 17"
OUTSIDE = {"X-Forwarded-For": "203.0.113.7"}  # what a request through a proxy carries
MAX_CONNECTIONS = 40
FIRST_DELAY_S = 30  # long enough that no test outruns a delay on a busy machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh server; admin with a chosen password and therapist `dr_doors`."""
    live = LiveServer.in_dir(tmp_path_factory.mktemp("reflect-doors"), {
        "REFLECT_RESPONDER__KIND": "scripted",
        "REFLECT_LOG_LEVEL": "INFO",
        "REFLECT_SERVER__MAX_CONNECTIONS": str(MAX_CONNECTIONS),
        "REFLECT_SECURITY__LOGIN_FREE_FAILURES": "2",
        "REFLECT_SECURITY__LOGIN_ADDRESS_FREE_FAILURES": "14",
        "REFLECT_SECURITY__LOGIN_FIRST_DELAY_S": str(FIRST_DELAY_S),
    })
    live.start()
    try:
        bootstrap = live.bootstrap_password()
        with closing(live.client("admin", bootstrap)) as admin:
            admin.post("/api/me/password", json={
                "current_password": bootstrap, "new_password": ADMIN_PASSWORD,
            }).raise_for_status()
            admin.post("/api/users", json={
                "username": "dr_doors", "password": PASSWORD, "role": "therapist",
            }).raise_for_status()
        live.admin_password = ADMIN_PASSWORD
        yield live
    finally:
        live.stop()


def admin(server: LiveServer) -> httpx.Client:
    return server.client("admin", server.admin_password)


def enrol(server: LiveServer, name: str) -> dict[str, Any]:
    with closing(admin(server)) as http:
        answer = http.post("/api/kiosks", json={"name": name})
        answer.raise_for_status()
        result: dict[str, Any] = answer.json()
        return result


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_is_private_and_the_bootstrap_password_is_not_logged(server: LiveServer) -> None:
    assert mode(server.data_dir) == 0o700
    database = server.data_dir / "reflect.db"
    assert mode(database) == 0o600 and mode(Path(f"{database}-wal")) == 0o600
    assert mode(server.data_dir / "bootstrap-admin-password.txt") == 0o600
    assert server.bootstrap_password() not in server.log()


def test_plain_http_on_a_network_address_is_refused(server: LiveServer) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "serve", "--host", "0.0.0.0", "--port", str(free_port())],
        env=server.env, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 2 and "--insecure-behind-proxy" in done.stderr


def test_operational_detail_only_locally_or_for_admins(server: LiveServer) -> None:
    outside = httpx.get(f"{server.url}/health", headers=OUTSIDE, timeout=10)
    assert outside.status_code == 200 and outside.json() == {"status": "ok"}
    for path in ("/metrics", "/docs", "/openapi.json"):
        assert httpx.get(f"{server.url}{path}", headers=OUTSIDE, timeout=10).status_code == 404
    assert "models" in server.health()  # this machine sees everything
    assert httpx.get(f"{server.url}/metrics", timeout=10).status_code == 200
    with closing(admin(server)) as http:
        assert "models" in http.get("/health", headers=OUTSIDE).json()
        assert http.get("/metrics", headers=OUTSIDE).status_code == 200
        assert http.get("/openapi.json", headers=OUTSIDE).json()["info"]["title"]
    with closing(server.client("dr_doors")) as therapist:
        assert therapist.get("/metrics", headers=OUTSIDE).status_code == 404
        # Staff see where replies come from (the dashboard's status line), nothing else.
        assert set(therapist.get("/health", headers=OUTSIDE).json()) == {"status", "responder"}


async def test_enrolment_link_works_once_and_no_secret_reaches_the_log(
    server: LiveServer,
) -> None:
    enrolled = enrol(server, "Doors enrol")
    assert enrolled["enrol_path"] == f"/kiosk/#enrol={enrolled['enrol_code']}"
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        exchanged = await http.post("/api/kiosk/enrol", json={"code": enrolled["enrol_code"]})
        assert exchanged.status_code == 200
        assert exchanged.json()["token"] == enrolled["token"]
        again = await http.post("/api/kiosk/enrol", json={"code": enrolled["enrol_code"]})
        assert again.status_code == 401  # one time only
    kiosk = await KioskClient.connect(server, token=exchanged.json()["token"])
    await kiosk.close()
    # Old-style links and sockets with the token in the query string: never logged.
    marker = "rk_LogMarker0123456789"
    async with httpx.AsyncClient(timeout=10) as http:
        await http.get(f"{server.url}/kiosk/?token={marker}")
    with contextlib.suppress(Exception):
        ws = await websockets.connect(f"{server.ws_url}/ws/kiosk?token={marker}")
        await ws.close()
    await asyncio.sleep(0.5)  # let the access log line be written
    log = server.log()
    assert "GET /kiosk/?[query not logged]" in log
    for secret in (marker, enrolled["token"], enrolled["enrol_code"]):
        assert secret not in log


async def test_revoking_a_kiosk_closes_its_open_socket_with_4401(server: LiveServer) -> None:
    enrolled = enrol(server, "Doors revoke")
    kiosk = await KioskClient.connect(server, token=enrolled["token"])
    with closing(admin(server)) as http:
        assert http.delete(f"/api/kiosks/{enrolled['kiosk_id']}").status_code == 204
    error = await kiosk.next_event(wait_s=10)
    assert error["type"] == "error" and error["code"] == "auth_failed"
    with contextlib.suppress(websockets.ConnectionClosed):
        await asyncio.wait_for(kiosk.ws.recv(), 10)
    assert kiosk.ws.close_code == 4401
    with pytest.raises((AssertionError, websockets.ConnectionClosed)):
        await KioskClient.connect(server, token=enrolled["token"])


async def test_oversized_frames_are_refused_before_hello(server: LiveServer) -> None:
    ws = await websockets.connect(f"{server.ws_url}/ws/kiosk", max_size=2**22)
    with contextlib.suppress(websockets.ConnectionClosed):
        await ws.send(b"\0" * (1 << 20))
        await asyncio.wait_for(ws.recv(), 10)
    assert ws.close_code == 1009  # message too big: refused by the server's frame limit


async def test_connections_are_capped(server: LiveServer) -> None:
    async def attempt() -> Any:
        try:
            return await websockets.connect(f"{server.ws_url}/ws/kiosk", open_timeout=20)
        except websockets.InvalidStatus as refused:
            return refused.response.status_code

    results = await asyncio.gather(*(attempt() for _ in range(MAX_CONNECTIONS + 20)))
    opened = [r for r in results if not isinstance(r, int)]
    refused = [r for r in results if isinstance(r, int)]
    for ws in opened:
        await ws.close()
    assert len(opened) <= MAX_CONNECTIONS and refused and set(refused) == {503}


async def test_sessions_cut_by_a_crash_are_closed_on_start(server: LiveServer) -> None:
    enrolled = enrol(server, "Doors crash")
    with closing(server.client("dr_doors")) as http:
        created = http.post("/api/sessions", json={}).json()
    kiosk = await KioskClient.connect(server, token=enrolled["token"])
    await kiosk.send({"type": "join", "code": created["code"]})
    assert (await kiosk.next_event())["type"] == "joined"
    assert server.process is not None
    server.process.kill()  # kill -9 mid-conversation
    server.process.wait(timeout=30)
    server.process = None
    with contextlib.suppress(Exception):
        await kiosk.close()
    server.start()
    with closing(server.client("dr_doors")) as http:
        detail = http.get(f"/api/sessions/{created['session_id']}").json()
    assert detail["session"]["status"] == "ended" and detail["session"]["ended_at"]


async def test_parallel_sockets_get_no_more_code_guesses(server: LiveServer) -> None:
    tokens = [enrol(server, f"Doors guess {n}")["token"] for n in range(2)]
    kiosks = [await KioskClient.connect(server, token=t) for t in tokens for _ in range(2)]

    async def guess(kiosk: KioskClient) -> list[str]:
        for _ in range(6):
            await kiosk.send({"type": "join", "code": "000001"})
        return [(await kiosk.next_event(wait_s=30))["code"] for _ in range(6)]

    try:
        answers = [code for codes in await asyncio.gather(*(guess(k) for k in kiosks))
                   for code in codes]
    finally:
        for kiosk in kiosks:
            await kiosk.close()
    # 24 guesses over 4 sockets from one address: that address's 5, no more.
    assert answers.count("code_invalid") <= 5
    assert answers.count("rate_limited") >= 19


def test_lone_surrogate_is_a_clean_400_and_not_logged(server: LiveServer) -> None:
    body = b'{"username": "SurrogateMarker\\ud800x", "password": "whatever it is"}'
    answer = httpx.post(f"{server.url}/api/auth/login", content=body,
                        headers={"Content-Type": "application/json"}, timeout=10)
    assert answer.status_code == 400 and answer.json()["detail"]["code"] == "invalid_text"
    assert "SurrogateMarker" not in server.log()


def test_common_passwords_are_refused_with_the_rules(server: LiveServer) -> None:
    with closing(admin(server)) as http:
        for weak in ("Password123!", "Welcome2024!", "Therapist2024"):
            answer = http.post("/api/users", json={
                "username": "dr_weak", "password": weak, "role": "therapist",
            })
            assert answer.status_code == 422, weak
            message = answer.json()["detail"]["message"]
            assert "breached or common" in message and "12 to 128 characters" in message


def test_a_totp_code_signs_in_once(server: LiveServer) -> None:
    with closing(admin(server)) as http:
        http.post("/api/users", json={
            "username": "dr_totp", "password": PASSWORD, "role": "therapist",
        }).raise_for_status()
    with closing(server.client("dr_totp")) as http:
        secret = http.post("/api/me/totp/setup").json()["secret"]
        now = time.time()
        confirm = pyotp.TOTP(secret).at(now)
        http.post("/api/me/totp/confirm", json={"code": confirm}).raise_for_status()

    def sign_in(code: str) -> int:
        answer = httpx.post(f"{server.url}/api/auth/login", timeout=10, json={
            "username": "dr_totp", "password": PASSWORD, "totp": code,
        })
        return answer.status_code

    assert sign_in(confirm) == 401  # the confirming code is used up
    following = pyotp.TOTP(secret).at(now + 30)  # the next step (clock drift allowance)
    assert sign_in(following) == 200
    assert sign_in(following) == 401  # replayed


async def test_wrong_enrolment_codes_and_kiosk_tokens_share_one_address_allowance(
    server: LiveServer,
) -> None:
    enrolled = enrol(server, "Doors allowance")
    statuses = []
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        for n in range(15):
            guess = await http.post("/api/kiosk/enrol", json={"code": f"wrong-code-{n:02d}"})
            statuses.append(guess.status_code)
            if guess.status_code == 429:
                break
        # Ten a minute by default (earlier tests here may have spent one or two).
        assert statuses[-1] == 429 and statuses.count(401) <= 10 and 401 in statuses
        assert guess.json()["detail"]["code"] == "rate_limited"
        right_code = await http.post("/api/kiosk/enrol", json={"code": enrolled["enrol_code"]})
        assert right_code.status_code == 429  # refused at once, the code is not even looked up
    # The same address, now with a right kiosk token: refused too, before its token is read.
    ws = await websockets.connect(f"{server.ws_url}/ws/kiosk")
    # The server refuses at once, so on a busy machine its close can land before the hello
    # is sent; the refusal itself was already received and is read below either way.
    with contextlib.suppress(websockets.ConnectionClosed):
        await ws.send(json.dumps({"type": "hello", "protocol": 1, "token": enrolled["token"]}))
    error = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert error["type"] == "error" and error["code"] == "auth_failed"
    assert "too many failed attempts" in error["message"]
    with contextlib.suppress(websockets.ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 10)
    await ws.close()


def login_status(server: LiveServer, username: str, password: str, **headers: str) -> int:
    answer = httpx.post(f"{server.url}/api/auth/login", headers=headers, timeout=10,
                        json={"username": username, "password": password})
    return answer.status_code


def test_throttling_answers_the_same_for_unknown_names(server: LiveServer) -> None:
    real = [login_status(server, "dr_doors", "not the password 1") for _ in range(4)]
    unknown = [login_status(server, "dr_nobody", "not the password 1") for _ in range(4)]
    # 2 free failures, the third starts a delay: the fourth waits. Never a lock (423).
    assert real == unknown == [401, 401, 401, 429]


async def test_address_throttle_ignores_forwarded_for_and_spares_open_dashboards(
    server: LiveServer,
) -> None:
    with closing(admin(server)) as http:
        http.post("/api/users", json={
            "username": "dr_watch", "password": PASSWORD, "role": "therapist",
        }).raise_for_status()
    watching = server.client("dr_watch")  # a dashboard on watch, signed in before the attack
    stream, welcome, _ = await TherapistClient.connect(server, watching)
    assert welcome["type"] == "welcome"
    statuses = []
    for n in range(20):
        # A spray of names, each claiming a different address: X-Forwarded-For is not
        # trusted (no proxy configured), so they all count against the one real address.
        statuses.append(login_status(server, f"spray{n}", "guess guess guess",
                                     **{"X-Forwarded-For": f"198.51.100.{n}"}))
        if statuses[-1] == 429:
            break
    assert statuses[-1] == 429 and 401 in statuses and len(statuses) <= 15
    # The dashboard on watch is unaffected.
    assert watching.get("/api/auth/me").status_code == 200
    assert watching.get("/api/sessions").status_code == 200
    await stream.ws.send(json.dumps({"type": "ping"}))
    assert (await stream.next(wait_s=10))["type"] != "closed"
    await stream.close()
    watching.close()

