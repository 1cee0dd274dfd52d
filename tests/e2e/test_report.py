"""The evaluation report over a real server: reply flags from a real kiosk socket are stored
and counted; figures match a seeded database; no client text anywhere in the report; small
counts suppressed; a seeded disparity flagged and a balanced rate not; the review queue."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import KioskClient
from tests.e2e.report_seed import MARKER, SECRET_NUMBER, seed
from tests.e2e.server_process import PASSWORD, LiveServer

pytestmark = pytest.mark.e2e
ADMIN_PASSWORD = "copper meadow lantern 58"
LOW = "< 5"
WORDS = ["Work has been a lot this week.", "I keep thinking about my brother.",
         "Sleep has been uneven lately.", "I want to plan my weekend better.",
         "The bus was late again today."]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A fresh server with a therapist, a kiosk, and the seeded sessions."""
    live = LiveServer.in_dir(tmp_path_factory.mktemp("reflect-report"), {
        "REFLECT_RESPONDER__KIND": "scripted", "REFLECT_LOG_LEVEL": "INFO",
        "REFLECT_EVALUATION__MARGIN": "0.12"})
    live.start()
    try:
        bootstrap = live.bootstrap_password()
        with closing(live.client("admin", bootstrap)) as admin:
            admin.post("/api/me/password", json={
                "current_password": bootstrap, "new_password": ADMIN_PASSWORD,
            }).raise_for_status()
            admin.post("/api/users", json={
                "username": "dr_eval", "password": PASSWORD, "role": "therapist",
            }).raise_for_status()
            live.kiosk_token = admin.post(
                "/api/kiosks", json={"name": "Flag kiosk"}).json()["token"]
        live.admin_password = ADMIN_PASSWORD
        seed(live.data_dir, "dr_eval")
        yield live
    finally:
        live.stop()


@pytest.fixture(scope="module")
def flagged_session(server: LiveServer) -> str:
    """Five typed exchanges at the real kiosk socket, each reply flagged (one twice)."""
    created = server.new_session("dr_eval")

    async def run() -> None:
        kiosk = await KioskClient.connect(server)
        try:
            await kiosk.join(created["code"])
            for number, words in enumerate(WORDS):
                await kiosk.send({"type": "text", "text": words})
                done = (await kiosk.until(lambda e: e["type"] == "reply_done"))[-1]
                assert isinstance(done, dict)
                await kiosk.send({"type": "flag_reply", "turn": done["turn"]})
                if number == 0:
                    await kiosk.send({"type": "flag_reply", "turn": done["turn"]})
                await kiosk.send({"type": "played", "turn": done["turn"]})
            await kiosk.send({"type": "ping", "nonce": "after-flags"})
            await kiosk.until(lambda e: e["type"] == "pong")
        finally:
            await kiosk.close()

    asyncio.run(run())
    session_id = str(created["session_id"])
    # Turns are stored through the server's write queue, after the reply is sent: wait for
    # the last one (bounded) rather than race it.
    deadline = time.monotonic() + 15.0
    while time.monotonic() < deadline:
        with closing(sqlite3.connect(server.data_dir / "reflect.db")) as db:
            (stored, flagged) = db.execute(
                "SELECT COUNT(*), COUNT(flagged_at) FROM turns "
                "WHERE session_id = ? AND speaker = 'reflector'",
                (session_id.replace("-", ""),)).fetchone()
        if stored >= len(WORDS) and flagged >= len(WORDS):  # the flags are queued after them
            break
        time.sleep(0.1)
    return session_id


def admin(server: LiveServer) -> httpx.Client:
    return server.client("admin", server.admin_password)


def report(server: LiveServer, **params: Any) -> dict[str, Any]:
    with closing(admin(server)) as http:
        answer = http.get("/api/admin/report", params=params)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_reply_flags_are_stored_with_the_turn_and_counted(
        server: LiveServer, flagged_session: str) -> None:
    with closing(sqlite3.connect(server.data_dir / "reflect.db")) as db:
        rows = db.execute(
            "SELECT speaker, input_kind, flagged_at IS NOT NULL, kiosk_turn FROM turns "
            "WHERE session_id = ? ORDER BY position", (flagged_session.replace("-", ""),)
        ).fetchall()
    replies = [r for r in rows if r[0] == "reflector"]
    clients = [r for r in rows if r[0] == "client"]
    assert len(clients) == len(WORDS) and all(r[1] == "typed" for r in clients)
    assert len(replies) == len(WORDS) and all(r[2] for r in replies)
    assert [r[3] for r in replies] == [r[3] for r in clients]  # flag found its turn
    kiosk = report(server)["by_kiosk"]["Flag kiosk"]
    assert kiosk["reply_flags"] == 5  # a second tap on the same reply is not a second flag
    assert kiosk["typed_turns"] == 5 and kiosk["reply_turns"] == 5
    assert kiosk["sessions"] == LOW  # one session: suppressed


def test_report_figures_match_the_seeded_database(server: LiveServer) -> None:
    figures = report(server)
    en, es = figures["by_kiosk"]["Seed kiosk EN"], figures["by_kiosk"]["Seed kiosk ES"]
    assert {k: en.get(k, 0) for k in (
        "sessions", "consent_answers", "client_turns", "reply_turns", "check_ins",
        "screening_level_0", "screening_level_1", "typed_turns", "spoken_turns",
        "responder_ollama", "responder_scripted", "filter_blocks",
        "filter_block_reason_clinical_advice", "filter_block_reason_prompt_leak",
        "reply_flags", "alerts", "ratings", "low_ratings", "summaries_approved",
        "summaries_corrected", "summary_edits", "summary_removals", "empty_transcripts",
    )} == {
        "sessions": 22, "consent_answers": 22, "client_turns": 100, "reply_turns": 100,
        "check_ins": 20, "screening_level_0": 80, "screening_level_1": 20, "typed_turns": 10,
        "spoken_turns": 90, "responder_ollama": 7, "responder_scripted": 93,
        "filter_blocks": 40, "filter_block_reason_clinical_advice": 30,
        "filter_block_reason_prompt_leak": 10, "reply_flags": 6, "alerts": 6, "ratings": 20,
        "low_ratings": 10, "summaries_approved": 20, "summaries_corrected": 5,
        "summary_edits": 5, "summary_removals": 5, "empty_transcripts": 20,
    }
    assert es["typed_turns"] == 30 and es["filter_blocks"] == 10 and es["low_ratings"] == 0
    assert es.get("responder_ollama", 0) == 0 and es["responder_scripted"] == 100
    ack = figures["alert_acknowledgement"]
    assert ack["en"] == {"acknowledged": 5, "p50_s": 30.0, "p95_s": 48.0}
    assert ack["es"] == {"acknowledged": LOW, "p50_s": None, "p95_s": None}
    assert figures["alert_acknowledgement_by_kiosk"]["Seed kiosk EN"] == ack["en"]


def test_small_counts_are_suppressed_in_the_report_and_its_rates(server: LiveServer) -> None:
    figures = report(server)
    en, es = figures["by_kiosk"]["Seed kiosk EN"], figures["by_kiosk"]["Seed kiosk ES"]
    # 2 declines, 3 repeats, 4 crises, 1 unacknowledged alert, 2 Spanish alerts: all 1-4.
    assert en["consent_declines"] == LOW and es["consent_declines"] == LOW
    assert en["repeated_transcripts"] == LOW and en["crises"] == LOW
    assert en["alerts_unacknowledged"] == LOW and es["alerts"] == LOW
    assert es["repeated_transcripts"] == 0  # zero identifies nobody
    declines = figures["rates_by_language"]["consent_decline_rate"]["es"]
    assert declines == {"hits": LOW, "cases": 22, "rate": None}  # the rate would give it back
    every_value = json.dumps(figures)
    assert all(f'": {n},' not in every_value and f'": {n}}}' not in every_value
               for n in (1, 2, 3, 4))


def test_a_seeded_disparity_is_flagged_and_a_balanced_rate_is_not(server: LiveServer) -> None:
    figures = report(server)
    assert figures["margin"] == 0.12  # the clinic's setting (REFLECT_EVALUATION__MARGIN)
    flags = {f["rate"]: f for f in figures["disparities"]}
    # Seeded: blocks 40% en vs 10% es; typed 10% vs 30%; low ratings 50% vs 0%.
    assert {"filter_block_rate", "typed_rate", "low_rating_rate"} <= set(flags)
    blocks = flags["filter_block_rate"]
    assert blocks["languages"] == ["en", "es"] and blocks["difference"] > 0.25
    assert blocks["p_value"] < 0.001 and "reply-filter" in blocks["look_at"]
    # Seeded balanced: check-ins 20% in both; reply flags 6 in 100 in both.
    assert "check_in_rate" not in flags and "reply_flag_rate" not in flags
    # A margin wider than any seeded difference flags nothing.
    assert report(server, margin=0.9)["disparities"] == []


def test_no_client_text_in_the_report_its_json_chart_or_cli(
        server: LiveServer, flagged_session: str) -> None:
    with closing(admin(server)) as http:
        chart = http.get("/api/admin/report/chart.svg")
        as_json = http.get("/api/admin/report").text
    assert chart.status_code == 200 and chart.headers["content-type"].startswith("image/svg")
    outputs = [as_json, chart.text, server.cli("report", "--since", "30d", "--json"),
               server.cli("report")]
    for output in outputs:
        for secret in (MARKER, SECRET_NUMBER, "brother", "weekend", "uneven"):
            assert secret not in output
    assert "DISPARITY filter_block_rate" in outputs[3]


def test_only_admins_see_the_report_and_the_queue(server: LiveServer) -> None:
    with closing(server.client("dr_eval")) as therapist:
        assert therapist.get("/api/admin/report").status_code == 403
        queued = therapist.post("/api/admin/review-queue", json={"reason": "checking replies"})
        assert queued.status_code == 403
    with closing(admin(server)) as http:
        assert http.post("/api/admin/review-queue", json={"reason": ""}).status_code == 422


def test_review_queue_is_break_glass_and_its_export_strips_names(server: LiveServer) -> None:
    with closing(admin(server)) as http:
        opened = http.post("/api/admin/review-queue",
                           json={"reason": "monthly review of flagged replies"})
        exported = http.post("/api/admin/review-queue/export",
                             json={"reason": "first-contact set 5 for the reply filter"})
    assert opened.status_code == 200, opened.text
    items = opened.json()["items"]
    # Seeded: 40 + 10 blocked, 6 + 6 flagged (disjoint), plus the 5 flagged at the kiosk.
    assert len(items) == 67
    assert any(MARKER in i["client_text"] for i in items)  # the reviewer reads the words
    blocked = [i for i in items if i["filter_reasons"]]
    assert len(blocked) == 50 and {"clinical_advice", "prompt_leak"} == {
        r for i in blocked for r in i["filter_reasons"]}
    lines = [json.loads(line) for line in exported.text.splitlines()]
    assert len(lines) == 67
    assert all(MARKER not in json.dumps(line) and "77310" not in json.dumps(line)
               for line in lines)
    assert all(line["session_id"] == "" for line in lines)
    assert any("[name]" in line["client_text"] for line in lines)
    # Each opened session's therapist sees the access, as with break-glass.
    session_id = next(i["session_id"] for i in items if i["language"] == "es")
    with closing(server.client("dr_eval")) as therapist:
        seen = therapist.get(f"/api/sessions/{session_id}").json()
    reasons = [b.get("reason", "") for b in seen["session"]["break_glass"]]
    assert any("monthly review of flagged replies" in r for r in reasons)
    with closing(admin(server)) as http:
        audit = http.get("/api/admin/audit", params={"action": "review.opened", "limit": 500})
        reads = http.get("/api/admin/audit", params={"action": "report.read", "limit": 5})
    opened_rows = audit.json()["entries"]
    assert len({row["session_id"] for row in opened_rows}) == len({i["session_id"] for i in items})
    assert reads.json()["entries"], "reading the report is audited"
    assert "monthly" not in audit.text  # the reason stays out of the audit log
