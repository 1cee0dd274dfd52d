"""Issue 14: the consent is read aloud section by section, exactly the sections on screen.

Each spoken sentence lies inside one on-screen section, the sections are read in order and
whole, and every sentence has its own audio. (The kiosk page does not show these sentences as
captions: tests/e2e/test_browser_layout.py checks the first caption.)
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import KioskClient, LiveServer

pytestmark = pytest.mark.e2e


def words(text: str) -> str:
    return " ".join(text.split())


async def test_consent_is_spoken_section_by_section(live_server: LiveServer) -> None:
    created = live_server.new_session("dr_ben")
    kiosk = await KioskClient.connect(live_server)
    try:
        await kiosk.send({"type": "join", "code": created["code"]})
        joined = await kiosk.next_event()
        assert joined["type"] == "joined", joined
        received = await kiosk.until(lambda e: e["type"] == "reply_done")
    finally:
        await kiosk.close()
    sections = [words(p) for p in joined["consent_text"].split("\n\n") if p.strip()]
    assert len(sections) >= 3
    spoken = [e for e in received if isinstance(e, dict) and e["type"] == "reply_sentence"]
    assert spoken and all(e["kind"] == "prompt" for e in spoken)
    # Which section each sentence comes from: exactly one, never straddling two.
    owners = []
    for sentence in spoken:
        text = words(sentence["text"])
        holders = [i for i, section in enumerate(sections) if text in section]
        assert len(holders) >= 1, text
        owners.append(holders[0])
    assert owners == sorted(owners)  # in screen order
    assert sorted(set(owners)) == list(range(len(sections)))  # every section read
    for index, section in enumerate(sections):
        read = " ".join(words(s["text"]) for s, o in zip(spoken, owners, strict=True) if o == index)
        assert read == section  # each section read whole, nothing added
    audio = {header.index for item in received if isinstance(item, tuple)
             for header in [item[0]]}
    assert audio == {s["index"] for s in spoken}
