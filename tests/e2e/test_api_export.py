"""Session exports on a real server carry the staff's label (Markdown and JSON)."""

from __future__ import annotations

from contextlib import closing

import pytest

from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.e2e


def test_exports_carry_the_session_label(live_server: LiveServer) -> None:
    with closing(live_server.client("dr_ana")) as ana:
        created = ana.post("/api/sessions", json={"label": "Two pm  follow-up"})
        assert created.status_code == 201, created.text
        session_id = created.json()["session_id"]
        markdown = ana.get(f"/api/sessions/{session_id}/export", params={"format": "md"})
        exported = ana.get(f"/api/sessions/{session_id}/export", params={"format": "json"})
        unlabelled = ana.post("/api/sessions", json={}).json()["session_id"]
        plain = ana.get(f"/api/sessions/{unlabelled}/export", params={"format": "md"})
    assert markdown.status_code == 200
    assert "- Label: Two pm follow-up\n" in markdown.text
    assert exported.json()["session"]["label"] == "Two pm  follow-up"
    assert "Label:" not in plain.text and f"`{unlabelled}`" in plain.text
