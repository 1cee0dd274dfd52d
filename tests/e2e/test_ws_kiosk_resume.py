"""Sessions survive a dropped connection, the crisis screen holds, and the dashboard hears of
it (issue 13), over the real server and real sockets."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.e2e.conftest import KioskClient, LiveServer, TherapistClient

pytestmark = pytest.mark.e2e


async def _status(therapist: TherapistClient, session_id: str, status: str) -> dict[str, Any]:
    while True:
        seen = await therapist.until_event("kiosk_status", 30)
        if seen[-1]["session_id"] == session_id and seen[-1]["data"]["status"] == status:
            return seen[-1]


async def test_a_crisis_survives_a_reconnect_and_holds(live_server: LiveServer) -> None:
    http = live_server.client("dr_ana")
    therapist, _, _ = await TherapistClient.connect(live_server, http, last_seq=None)
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        joined = await kiosk.join(created["code"])
        await kiosk.send({"type": "text", "text": "I want to kill myself tonight."})
        await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "crisis")
        await kiosk.ws.close()  # the network drops
        offline = await _status(therapist, created["session_id"], "offline")
        await asyncio.sleep(2)

        kiosk = await KioskClient.connect(live_server, resume_token=joined["resume_token"])
        resumed = await kiosk.next_event()
        online = await _status(therapist, created["session_id"], "online")
        state = await kiosk.next_event()
        await kiosk.send({"type": "end"})  # the client cannot leave the crisis screen
        refused = await kiosk.until(lambda e: e["type"] == "error")
        await kiosk.send({"type": "staff_clear", "pin": "0000"})
        wrong_pin = await kiosk.until(lambda e: e["type"] == "error")
    finally:
        await kiosk.close()
        await therapist.close()
        http.close()

    assert offline["data"]["status"] == "offline" and online["data"]["status"] == "online"
    assert resumed["type"] == "resumed" and resumed["state"] == "crisis"
    assert resumed["crisis"] is not None and resumed["crisis"]["resources"]
    assert {"role": "client", "text": "I want to kill myself tonight."} in resumed["transcript"]
    assert any(t["role"] == "assistant" for t in resumed["transcript"])
    assert state["type"] == "state" and state["state"] == "crisis"
    assert refused[-1]["code"] == "not_allowed_now" and not refused[-1]["fatal"]
    assert wrong_pin[-1]["code"] == "pin_invalid" and not wrong_pin[-1]["fatal"]


async def test_a_conversation_continues_after_a_reconnect(live_server: LiveServer) -> None:
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        joined = await kiosk.join(created["code"])
        await kiosk.send({"type": "text", "text": "Work has been exhausting lately."})
        await kiosk.until(lambda e: e["type"] == "reply_done")
        await kiosk.ws.close()
        kiosk = await KioskClient.connect(live_server, resume_token=joined["resume_token"])
        resumed = await kiosk.next_event()
        await kiosk.send({"type": "text", "text": "And I sleep badly."})
        transcript = await kiosk.until(lambda e: e["type"] == "transcript")
        reply = await kiosk.until(lambda e: e["type"] == "reply_done")
    finally:
        await kiosk.close()
    assert resumed["type"] == "resumed" and resumed["state"] == "reflecting"
    roles = [t["role"] for t in resumed["transcript"]]
    assert roles == ["assistant", "client", "assistant"]  # the opening, the turn, its reply
    assert resumed["transcript"][1]["text"] == "Work has been exhausting lately."
    assert transcript[-1]["text"] == "And I sleep badly."  # type: ignore[index]
    assert reply[-1]["cancelled"] is False  # type: ignore[index]


async def test_an_unknown_resume_token_is_refused_without_closing(
    live_server: LiveServer,
) -> None:
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server, resume_token="not-a-token")
    try:
        refused = await kiosk.next_event()
        joined = await kiosk.join(created["code"])
    finally:
        await kiosk.close()
    assert refused["type"] == "error" and refused["code"] == "resume_expired"
    assert not refused["fatal"] and joined["session_id"] == created["session_id"]


async def test_with_no_dashboard_open_the_kiosk_says_what_is_true(
    live_server: LiveServer,
) -> None:
    created = live_server.new_session("dr_ben")  # nobody watches dr_ben's dashboard here
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.join(created["code"])
        await kiosk.send({"type": "text", "text": "I want to kill myself tonight."})
        items = await kiosk.until(lambda e: e["type"] == "reply_done")
    finally:
        await kiosk.close()
    crisis = next(i for i in items if isinstance(i, dict) and i["type"] == "crisis")
    spoken = " ".join(i["text"] for i in items if isinstance(i, dict)
                      and i["type"] == "reply_sentence")
    assert crisis["alert_delivered"] is False and crisis["therapist_notified"] is False
    assert "front desk" in crisis["message"] and "front desk" in spoken
    assert "letting your therapist know" not in spoken


async def test_a_session_survives_a_30_second_network_cut(live_server: LiveServer) -> None:
    http = live_server.client("dr_ana")
    therapist, _, _ = await TherapistClient.connect(live_server, http, last_seq=None)
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        joined = await kiosk.join(created["code"])
        await kiosk.send({"type": "text", "text": "My sister and I have not spoken in a year."})
        await kiosk.until(lambda e: e["type"] == "reply_done")
        await kiosk.ws.close()  # the network is down for 30 s, inside the 120 s window
        offline = await _status(therapist, created["session_id"], "offline")
        await asyncio.sleep(30)
        kiosk = await KioskClient.connect(live_server, resume_token=joined["resume_token"])
        resumed = await kiosk.next_event()
        online = await _status(therapist, created["session_id"], "online")
        await kiosk.send({"type": "text", "text": "I miss her."})
        reply = await kiosk.until(lambda e: e["type"] == "reply_done")
    finally:
        await kiosk.close()
        await therapist.close()
        http.close()
    assert offline["data"]["status"] == "offline" and online["data"]["status"] == "online"
    assert resumed["type"] == "resumed" and resumed["state"] == "reflecting"
    assert resumed["transcript"][1]["text"] == "My sister and I have not spoken in a year."
    assert reply[-1]["cancelled"] is False  # type: ignore[index]
