"""/ws/therapist: replay from `last_seq` after a disconnect and after a server restart
loses nothing and duplicates nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import LiveServer, TherapistClient

pytestmark = pytest.mark.e2e


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events if e["type"] == "event"]


async def test_reconnect_with_last_seq_across_a_restart(live_server: LiveServer) -> None:
    http = live_server.client("dr_ben")
    client, welcome, history = await TherapistClient.connect(live_server, http, last_seq=0)
    assert welcome["replay_from"] == 1 and welcome["reset"] is False
    assert seqs(history) == list(range(1, welcome["latest_seq"] + 1))

    # Live: one event while connected.
    live_server.new_session("dr_ben")
    live = await client.until_event("session_created")
    live += await client.until_event("session_status")  # the new session's status follows
    seen = seqs(history) + seqs(live)
    await client.close()

    # Offline: events happen while the dashboard is away, then it resumes from what it saw.
    missed = [live_server.new_session("dr_ben")["session_id"] for _ in range(2)]
    client, welcome, replayed = await TherapistClient.connect(live_server, http, seen[-1])
    assert welcome["replay_from"] == seen[-1] + 1
    assert [e["session_id"] for e in replayed if e["event"] == "session_created"] == missed
    seen += seqs(replayed)
    await client.close()
    http.close()

    # Across a restart: the outbox is in the database, sign-ins are not (sign in again).
    live_server.new_session("dr_ben")
    live_server.restart()
    after_restart = live_server.new_session("dr_ben")["session_id"]
    http = live_server.client("dr_ben")
    client, welcome, replayed = await TherapistClient.connect(live_server, http, seen[-1])
    assert replayed[-1]["session_id"] == after_restart
    seen += seqs(replayed)
    live_server.new_session("dr_ben")
    seen += seqs(await client.until_event("session_created"))
    seen += seqs(await client.until_event("session_status"))
    await client.close()
    http.close()

    assert seen == list(range(1, len(seen) + 1))  # every seq exactly once, in order


async def test_duplicate_and_future_last_seq(live_server: LiveServer) -> None:
    http = live_server.client("dr_ben")
    client, welcome, _ = await TherapistClient.connect(live_server, http, last_seq=0)
    latest = welcome["latest_seq"]
    await client.close()
    client, welcome, replayed = await TherapistClient.connect(live_server, http, latest)
    assert replayed == [] and welcome["replay_from"] == latest + 1
    await client.close()
    client, welcome, replayed = await TherapistClient.connect(live_server, http, latest + 1000)
    assert welcome["reset"] is True and seqs(replayed) == list(range(1, latest + 1))
    await client.close()
    http.close()
