"""/ws/kiosk end to end: real generated speech through the real models and the scripted
responder, the crisis path to the therapist, and barge-in."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pytest

from server.protocol import AudioFrameHeader
from tests.e2e.conftest import KioskClient, LiveServer, TherapistClient
from tests.speechgen import espeak_available, espeak_speech, silence

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not espeak_available(), reason="espeak-ng is not installed"),
]


def utterance(text: str) -> np.ndarray:
    """Speech with a lead-in and enough trailing silence for the end-of-turn decision.

    Streamed 4x faster than real time, the decider's model results arrive later in audio
    time; the silence outlasts its maximum wait (2.5 s) so every turn ends within it.
    """
    return np.concatenate([silence(0.4), espeak_speech(text, speed=140), silence(3.0)])


def kinds(items: list[Any]) -> list[str]:
    return [i["type"] if isinstance(i, dict) else "audio" for i in items]


async def test_spoken_turn_streams_transcript_reply_and_audio_in_order(
    live_server: LiveServer,
) -> None:
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        joined = await kiosk.join(created["code"])
        assert joined["session_id"] == created["session_id"]
        await kiosk.speak(utterance("I have been feeling very tired at work this week."))
        items = await kiosk.until(lambda e: e["type"] == "reply_done")
    finally:
        await kiosk.close()

    events = [i for i in items if isinstance(i, dict)]
    order = kinds(items)
    assert order.index("speech_started") < order.index("speech_ended") < order.index("transcript")
    transcript = next(e for e in events if e["type"] == "transcript")
    words = transcript["text"].lower()
    assert "tired" in words and "work" in words
    turn = transcript["turn"]
    sentences = [e for e in events if e["type"] == "reply_sentence"]
    assert 1 <= len(sentences) <= 3
    assert all(s["turn"] == turn and s["text"].strip() for s in sentences)
    assert [s["index"] for s in sentences] == list(range(len(sentences)))
    assert order.index("transcript") < order.index("reply_sentence")
    # Each sentence's text comes before its audio; its frames are in order and end flagged.
    frames: list[tuple[AudioFrameHeader, bytes]] = [i for i in items if isinstance(i, tuple)]
    for sentence in sentences:
        own = [(h, p) for h, p in frames if h.index == sentence["index"] and h.seq != 0xFFFF]
        assert own, f"no audio for sentence {sentence['index']}"
        assert items.index(sentence) < items.index(own[0])
        assert [h.seq for h, _ in own] == list(range(len(own)))
        assert own[-1][0].end_of_sentence
        assert all(h.turn == turn and h.sample_rate == 22050 for h, _ in own)
        pcm = np.frombuffer(b"".join(p for _, p in own), dtype="<i2")
        assert len(pcm) > 22050 * 0.5 and np.abs(pcm).max() > 1000  # half a second of real sound
    assert frames[-1][0].end_of_reply and frames[-1][1] == b""
    assert order[-1] == "reply_done" and events[-1]["cancelled"] is False
    assert events[-1]["sentences"] == len(sentences)
    async with httpx.AsyncClient(base_url=live_server.url) as http:
        metrics = (await http.get("/metrics")).text
    for mark in ("stt_done", "first_token", "first_audio"):
        assert f'reflect_turn_latency_seconds_count{{mark="{mark}"}}' in metrics
    # The pause before the end of turn started a speculative transcription (or found the
    # model threads busy): either way /metrics counted it.
    assert sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith(("reflect_speculations_total{outcome=\"started\"}",
                            "reflect_speculations_total{outcome=\"skipped\"}"))
    ) >= 1, [line for line in metrics.splitlines() if "speculation" in line]
    assert "reflect_screening_alternative_raises_total" in metrics  # a count, never text


async def test_crisis_utterance_reaches_kiosk_and_therapist(live_server: LiveServer) -> None:
    http = live_server.client("dr_ana")
    therapist, _, replayed = await TherapistClient.connect(live_server, http)
    last_seq = replayed[-1]["seq"] if replayed else 0
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.join(created["code"])
        await kiosk.speak(utterance("I want to kill myself tonight. I have the pills ready."))
        items = await kiosk.until(lambda e: e["type"] == "reply_done")
        state = await kiosk.until(lambda e: e["type"] == "state")
        session_id = created["session_id"]
        stream = await therapist.until_event("risk_alert", session_id=session_id)
        stored = await therapist.until_event("risk_alert", session_id=session_id)
    finally:
        await kiosk.close()
        await therapist.close()
        http.close()

    crisis = next(i for i in items if isinstance(i, dict) and i["type"] == "crisis")
    assert crisis["level"] >= 2 and crisis["therapist_notified"] is True
    assert any("988" in r["text"] for r in crisis["resources"])
    spoken = [i for i in items if isinstance(i, dict) and i["type"] == "reply_sentence"]
    assert spoken and all(s["kind"] == "crisis" for s in spoken)
    assert state[-1]["state"] == "crisis"  # type: ignore[index]
    alert = stream[-1]
    assert alert["session_id"] == created["session_id"]
    assert alert["data"]["urgent"] is True and alert["data"]["level"] >= 2
    assert "suicide" in alert["data"]["categories"]
    assert alert["data"]["evidence"], "the therapist sees what triggered the alert"
    # The alert reaches the dashboard before it is stored (seq 0, "saved": false), then its
    # stored copy follows; stored events arrive live, in seq order.
    assert alert["seq"] == 0 and alert["data"]["saved"] is False
    assert alert["data"]["kiosk_name"] and alert["data"]["trigger_words"]
    assert stored[-1]["seq"] > 0 and stored[-1]["data"]["saved"] is True
    assert stored[-1]["data"]["alert_key"] == alert["data"]["alert_key"]
    seqs = [m["seq"] for m in stream + stored if m["type"] == "event" and m["seq"]]
    assert seqs == list(range(last_seq + 1, last_seq + 1 + len(seqs)))  # live, in order


async def test_barge_in_stops_the_audio(live_server: LiveServer) -> None:
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        # A speaking rate no other test uses: the consent is synthesized now, not replayed
        # at once from the server's phrase cache, so it is still being spoken at the barge-in.
        await kiosk.send({"type": "settings", "tts_rate": 0.95})
        await kiosk.send({"type": "join", "code": created["code"]})
        # The consent text is long: interrupt it as soon as its first audio arrives.
        while not isinstance(item := await kiosk.receive(), tuple):
            pass
        turn = item[0].turn
        await kiosk.send({"type": "barge_in"})
        after = await kiosk.until(lambda e: e["type"] == "reply_done" and e["turn"] == turn)
        await kiosk.send({"type": "ping", "nonce": "after"})
        tail = await kiosk.until(lambda e: e["type"] == "pong")
    finally:
        await kiosk.close()

    stops = [i for i in after if isinstance(i, dict) and i["type"] == "audio_stop"]
    assert stops and stops[0]["turn"] == turn
    done = after[-1]
    assert isinstance(done, dict) and done["cancelled"] is True
    total = sum(1 for i in kiosk.received if isinstance(i, dict) and i["type"] == "reply_sentence")
    assert done["sentences"] < total or total < 12  # not everything was said
    stop_at = kiosk.received.index(stops[0])
    late = [i for i in kiosk.received[stop_at:] if isinstance(i, tuple) and i[0].turn == turn]
    assert late == []  # no audio of the interrupted turn after audio_stop
    assert not any(isinstance(i, tuple) for i in tail)


async def test_barge_in_after_the_audio_was_sent_still_stops_playback(
    live_server: LiveServer,
) -> None:
    created = live_server.new_session("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.send({"type": "join", "code": created["code"]})
        # All of the consent's audio has left the server (live or from the phrase cache), but
        # the kiosk is still playing it: a barge-in must still stop the playback.
        sent = await kiosk.until(lambda e: e["type"] == "reply_done")
        turn = sent[-1]["turn"]
        await kiosk.send({"type": "barge_in"})
        after = await kiosk.until(lambda e: e["type"] == "audio_stop")
    finally:
        await kiosk.close()
    assert any(isinstance(i, tuple) and i[0].turn == turn for i in sent)
    assert after[-1] == {"type": "audio_stop", "turn": turn}


async def test_typed_journey_review_feedback_export(live_server: LiveServer) -> None:
    created = live_server.new_session("dr_ana")
    http = live_server.client("dr_ana")
    therapist, _, _ = await TherapistClient.connect(live_server, http, last_seq=None)
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.join(created["code"])
        await kiosk.send(
            {"type": "text", "text": "Money has been a constant worry and I feel stuck."}
        )
        reply = await kiosk.until(lambda e: e["type"] == "reply_done")
        await kiosk.send({"type": "end"})
        focus = await kiosk.until(lambda e: e["type"] == "reply_done")
        await kiosk.send({"type": "text", "text": "I want to talk about my budget."})
        review = await kiosk.until(lambda e: e["type"] == "summary")
        summary = review[-1]
        assert isinstance(summary, dict)
        assert "risk_flags" not in summary["summary"]
        themes = summary["summary"]["themes"]
        if themes:
            await kiosk.send({"type": "review", "action": "remove", "field": "themes", "index": 0})
            edited = await kiosk.until(lambda e: e["type"] == "summary")
            assert edited[-1]["summary"]["themes"] == themes[1:]  # type: ignore[index]
        await kiosk.send({"type": "review", "action": "approve"})
        await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "feedback")
        await kiosk.send({"type": "feedback", "rating": 4, "comment": "helpful"})
        ended = await kiosk.until(lambda e: e["type"] == "ended")
        approved = await therapist.until_event("summary_approved", session_id=created["session_id"])
        await therapist.until_event("session_ended", session_id=created["session_id"])
    finally:
        await kiosk.close()
        await therapist.close()

    assert any(isinstance(i, dict) and i["type"] == "reply_sentence" for i in reply)
    assert any(isinstance(i, dict) and i.get("state") == "focus" for i in focus)
    assert ended[-1]["reason"] == "completed"  # type: ignore[index]
    assert approved[-1]["session_id"] == created["session_id"]
    assert approved[-1]["data"]["summary"]["focus"]
    session_id = created["session_id"]
    detail = http.get(f"/api/sessions/{session_id}").json()
    assert detail["summary_approved"] is True and detail["session"]["status"] == "ended"
    assert any("Money" in t["text"] for t in detail["turns"])
    markdown = http.get(f"/api/sessions/{session_id}/export?format=md")
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert "**approved**" in markdown.text
    exported = http.get(f"/api/sessions/{session_id}/export?format=json").json()
    assert exported["summary_status"] == "approved" and exported["feedback"][0]["rating"] == 4
    http.close()


async def test_call_in_wraps_up_and_erase_removes_the_text(live_server: LiveServer) -> None:
    created = live_server.new_session("dr_ana")
    http = live_server.client("dr_ana")
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.join(created["code"])
        await kiosk.send({"type": "text", "text": "Work has been exhausting lately."})
        await kiosk.until(lambda e: e["type"] == "reply_done")
        called = http.post(f"/api/sessions/{created['session_id']}/call-in")
        assert called.status_code == 202 and called.json()["delivered"] is True
        # Issue 13: a call-in skips the focus question (review, then done).
        wrap = await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "review")
        await kiosk.send({"type": "erase"})
        erased = await kiosk.until(lambda e: e["type"] == "ended")
    finally:
        await kiosk.close()
    assert any(isinstance(i, dict) and i["type"] == "call_in" for i in wrap)
    assert erased[-1]["reason"] == "erased"  # type: ignore[index]
    detail = http.get(f"/api/sessions/{created['session_id']}").json()
    assert detail["session"]["status"] == "erased" and detail["turns"] == []
    http.close()
