"""Issue 18: two real `reflect serve` processes sharing a real PostgreSQL and a real Redis.

A kiosk on one process, its therapist's dashboard on the other: every event arrives, in seq
order; call-in and clear-crisis reach the kiosk from either process; a dashboard reconnecting
to the other process replays exactly what it missed; killing the kiosk's process loses no
stored event and the dashboard shows the kiosk offline; code guesses and failed sign-ins are
counted across both; a third process without Redis is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.e2e.cluster import Cluster, two_servers
from tests.e2e.conftest import KioskClient, TherapistClient
from tests.e2e.server_process import PASSWORD, ROOT, LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.postgres, pytest.mark.redis]
CRISIS_TEXT = "I want to kill myself tonight."
OFFLINE_WITHIN_S = 10.0  # the bound for a dead process's kiosk to show offline


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    # Slow sign-in delays, so the lockout is still on when the test checks it.
    extra = {"REFLECT_SECURITY__LOGIN_FIRST_DELAY_S": "120"}
    with two_servers(tmp_path_factory.mktemp("two-servers"), extra) as made:
        yield made


async def dashboard(server: LiveServer, last_seq: int | None = None
                    ) -> tuple[TherapistClient, list[dict[str, Any]], httpx.Client]:
    http = server.client("dr_ana")
    client, welcome, replayed = await TherapistClient.connect(server, http, last_seq)
    assert welcome["type"] == "welcome", welcome
    return client, replayed, http


async def collect(therapist: TherapistClient, until: Any, wait_s: float = 60
                  ) -> list[dict[str, Any]]:
    """Dashboard messages up to the first matching `until` (a timeout fails the test)."""
    seen: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait_s
    while True:
        message = await therapist.next(max(0.1, deadline - time.monotonic()))
        assert message["type"] != "closed", message
        seen.append(message)
        if until(message):
            return seen


async def turn(kiosk: KioskClient, words: str) -> None:
    await kiosk.send({"type": "text", "text": words})
    done = (await kiosk.until(lambda e: e["type"] == "reply_done"))[-1]
    assert isinstance(done, dict)
    await kiosk.send({"type": "played", "turn": done["turn"]})


async def joined_kiosk(cluster: Cluster, on: LiveServer, index: int = 0
                       ) -> tuple[KioskClient, str]:
    created = cluster.other(on).new_session("dr_ana")  # created on the other process
    kiosk = await KioskClient.connect(on, cluster.kiosks[index])
    await kiosk.join(created["code"])
    return kiosk, created["session_id"]


async def stored(server: LiveServer) -> list[tuple[int, str, str]]:
    """Every stored event of dr_ana as (seq, event, session), read by a fresh replay."""
    client, replayed, http = await dashboard(server, 0)
    await client.close()
    http.close()
    return [(e["seq"], e["event"], e["session_id"]) for e in replayed]


def presence(server: LiveServer) -> set[str]:
    """The kiosks the admin's presence list shows as online."""
    with closing(server.client("admin", server.admin_password)) as admin:
        answer = admin.get("/api/kiosks/presence")
    answer.raise_for_status()
    return {k["kiosk_id"] for k in answer.json()["online"]}


def sequenced(messages: list[dict[str, Any]]) -> list[tuple[int, str, str]]:
    return [(m["seq"], m["event"], m["session_id"]) for m in messages
            if m.get("type") == "event" and m["seq"] > 0]


def test_a_second_process_without_redis_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    env = {**os.environ, **{k: v for k, v in cluster.settings.items() if v is not None},
           "REFLECT_DATA_DIR": str(tmp_path), "REFLECT_CONFIG": str(tmp_path / "absent.toml")}
    env.pop("REFLECT_REDIS__URL")
    done = subprocess.run([sys.executable, "-m", "cli", "serve", "--port", "1"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)
    assert done.returncode == 2
    assert "already running on this database" in done.stderr and "redis.url" in done.stderr


async def test_kiosk_on_one_dashboard_on_the_other_every_event_in_order(cluster: Cluster) -> None:
    therapist, replayed, http = await dashboard(cluster.b)
    start = replayed[-1]["seq"] if replayed else 0
    kiosk, session_id = await joined_kiosk(cluster, cluster.a)
    await turn(kiosk, "Work has been a lot lately and I feel stretched thin.")
    await kiosk.send({"type": "text", "text": CRISIS_TEXT})
    sent = time.monotonic()
    seen = await collect(therapist, lambda m: m.get("event") == "risk_alert")
    delay_s = time.monotonic() - sent
    print(f"\nalert delay, kiosk on A -> dashboard on B: {delay_s * 1000:.0f} ms "
          f"({'unsaved first' if seen[-1]['seq'] == 0 else 'stored copy'})")
    await kiosk.until(lambda e: e["type"] == "crisis")
    seen += await collect(therapist, lambda m: m.get("event") == "risk_alert" and m["seq"] > 0)
    # Staff clear the crisis screen from the dashboard's process: it reaches the kiosk on A.
    cleared = http.post(f"/api/sessions/{session_id}/clear-crisis")
    cleared.raise_for_status()
    assert cleared.json()["delivered"] is True
    ended = await kiosk.until(lambda e: e["type"] == "ended")
    assert isinstance(ended[-1], dict) and ended[-1]["reason"] == "staff_cleared"
    seen += await collect(therapist, lambda m: m.get("event") == "session_ended")
    live = sequenced(seen)
    assert [seq for seq, _, _ in live] == list(range(start + 1, start + 1 + len(live)))
    everything = [e for e in await stored(cluster.a) if e[0] > start]
    assert live == everything[: len(live)], "the live stream is the stored stream, in order"
    kinds = {kind for _, kind, sid in live if sid == session_id}
    assert {"session_joined", "risk_alert", "session_ended"} <= kinds
    await kiosk.close()
    await therapist.close()
    http.close()


async def test_call_in_from_either_process_reaches_the_kiosk(cluster: Cluster) -> None:
    for kiosk_on, index in ((cluster.a, 0), (cluster.b, 1)):
        kiosk, session_id = await joined_kiosk(cluster, kiosk_on, index)
        await turn(kiosk, "I have been thinking about my sister.")
        caller = cluster.other(kiosk_on)
        with closing(caller.client("dr_ana")) as http:
            answer = http.post(f"/api/sessions/{session_id}/call-in")
        answer.raise_for_status()
        assert answer.json()["delivered"] is True
        called = await kiosk.until(lambda e: e["type"] == "call_in", 30)
        assert called[-1]
        await kiosk.close()


async def test_a_dashboard_reconnecting_to_the_other_process_replays_what_it_missed(
    cluster: Cluster,
) -> None:
    therapist, replayed, http = await dashboard(cluster.a)
    last = replayed[-1]["seq"] if replayed else 0
    await therapist.close()
    http.close()
    kiosk, _ = await joined_kiosk(cluster, cluster.b)  # events while the dashboard is away
    await turn(kiosk, "Mostly I want to sleep better.")
    await kiosk.close()
    missed = [e for e in await stored(cluster.a) if e[0] > last]
    assert missed, "there was something to miss"
    again, replayed_b, http_b = await dashboard(cluster.b, last)
    assert sequenced(replayed_b) == missed
    await again.close()
    http_b.close()


async def test_killing_the_kiosk_process_loses_nothing_and_shows_offline(
    cluster: Cluster,
) -> None:
    therapist, replayed, http = await dashboard(cluster.b)
    start = replayed[-1]["seq"] if replayed else 0
    kiosk, session_id = await joined_kiosk(cluster, cluster.a)
    await turn(kiosk, "I keep replaying an argument with my boss.")
    seen = await collect(therapist, lambda m: m.get("event") == "turn")
    welcome = kiosk.received[0]
    assert isinstance(welcome, dict)
    kiosk_id = welcome["kiosk_id"]
    assert kiosk_id in presence(cluster.b), "listed by the other process while it is held"
    process = cluster.a.process
    assert process is not None
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    cluster.a.process = None
    killed = time.monotonic()
    seen += await collect(therapist, lambda m: m.get("event") == "kiosk_status"
                          and m["session_id"] == session_id
                          and m["data"].get("status") == "offline", OFFLINE_WITHIN_S)
    print(f"\nkiosk offline on the dashboard {time.monotonic() - killed:.1f} s after the kill")
    # Its session lived in the dead process: a survivor ends it (not left "active").
    seen += await collect(therapist, lambda m: m.get("event") == "session_ended"
                          and m["session_id"] == session_id, OFFLINE_WITHIN_S)
    assert seen[-1]["data"]["reason"] == "server"
    seen += await collect(therapist, lambda m: m.get("event") == "session_status"
                          and m["session_id"] == session_id, OFFLINE_WITHIN_S)
    detail = http.get(f"/api/sessions/{session_id}")
    detail.raise_for_status()
    assert detail.json()["session"]["status"] == "ended", "the database no longer calls it active"
    assert kiosk_id not in presence(cluster.b), "and gone from the presence list"
    live = sequenced(seen)
    everything = [e for e in await stored(cluster.b) if e[0] > start]
    assert live == everything, "every stored event reached the dashboard, in order, no gap"
    assert [seq for seq, _, _ in live] == list(range(start + 1, start + 1 + len(live)))
    texts = [m["data"].get("client_text", "") for m in seen if m.get("event") == "turn"]
    assert any("argument with my boss" in t for t in texts), "the turn was stored and sent"
    http.close()
    await therapist.close()
    with pytest.raises(websockets.ConnectionClosed):  # its process is gone
        await kiosk.send({"type": "text", "text": "hello?"})
        await kiosk.next_event(5)
    cluster.a.start()  # A comes back for the tests below


async def test_code_guesses_and_sign_in_failures_count_across_both(cluster: Cluster) -> None:
    kiosks = [await KioskClient.connect(cluster.a, cluster.kiosks[0]),
              await KioskClient.connect(cluster.b, cluster.kiosks[0])]
    codes: list[str] = []
    for attempt in range(8):
        kiosk = kiosks[attempt % 2]  # alternate: each process alone would allow 5 + 5
        await kiosk.send({"type": "join", "code": "000000"})
        codes.append((await kiosk.next_event())["code"])
    assert codes[:5] == ["code_invalid"] * 5 and set(codes[5:]) == {"rate_limited"}
    for kiosk in kiosks:
        await kiosk.close()
    statuses = []
    for attempt in range(5):
        server = (cluster.a, cluster.b)[attempt % 2]
        with closing(server.client()) as http:
            statuses.append(http.post("/api/auth/login", json={
                "username": "dr_lock", "password": "not the password"}).status_code)
    assert statuses == [401] * 5
    for server in (cluster.a, cluster.b):
        with closing(server.client()) as http:
            right = http.post("/api/auth/login", json={"username": "dr_lock",
                                                        "password": PASSWORD})
        assert right.status_code == 429, "the delay holds on both processes"
