"""Issue 14's kiosk details in Debian's chromium: no-mic controls, focus after "I'm finished",
the caption list reachable by keyboard.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import axe_check, browser_for, dashboard_login
from tests.e2e.server_process import LiveServer
from tests.e2e.test_browser_journeys import (
    create_session,
    create_session_with_id,
    open_kiosk,
    tab_to,
)

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

SHORT = 20_000
LONG = 90_000
# The browser refuses the microphone, as when a clinic's kiosk has none or it is blocked.
NO_MIC = """navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException("Permission denied", "NotAllowedError"));"""


def test_without_a_mic_typing_only_and_focus_moves_on(playwright_driver: Any,
                                                      reflect_server: LiveServer) -> None:
    browser = browser_for(playwright_driver)
    try:
        dashboard = browser.new_context().new_page()
        dashboard_login(dashboard, reflect_server)
        code = create_session(dashboard, "No microphone")
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.add_init_script(NO_MIC)
        kiosk = open_kiosk(context, reflect_server)
        kiosk.locator("#code-input").fill(code)
        kiosk.locator("#code-submit").click()
        kiosk.locator("#consent-accept").click()

        kiosk.locator("#mic-error").wait_for(timeout=SHORT)
        kiosk.locator("#type-input").wait_for(timeout=SHORT)
        # Nothing offers speaking when there is nothing to speak into.
        assert kiosk.locator("#type-instead").is_hidden()
        assert kiosk.locator(".mode-switch").is_hidden()
        assert kiosk.locator("#mic-button").is_hidden()

        kiosk.get_by_label("Type your message").fill("I want to talk about my week.")
        kiosk.get_by_role("button", name="Send").click()
        kiosk.locator("#captions li.you ~ li.kiosk").first.wait_for(timeout=LONG)
        # The caption list scrolls, so the keyboard can reach it (axe scrollable-region-focusable).
        tab_to(kiosk, "#captions")
        assert axe_check(kiosk, "kiosk-no-mic") == []

        kiosk.locator("#conv-done").click()
        # Focus leaves the button for the box the next answer is typed into.
        assert kiosk.evaluate("() => document.activeElement.id") == "type-input"
    finally:
        browser.close()


def test_review_focus_escape_and_no_repeated_focus(playwright_driver: Any,
                                                   reflect_server: LiveServer) -> None:
    browser = browser_for(playwright_driver)
    try:
        dashboard = browser.new_context().new_page()
        dashboard_login(dashboard, reflect_server)
        code, session_id = create_session_with_id(dashboard, "Review details")
        kiosk = open_kiosk(browser.new_context(viewport={"width": 1280, "height": 800}),
                           reflect_server)
        kiosk.locator("#code-input").fill(code)
        kiosk.locator("#code-submit").click()
        kiosk.locator("#consent-accept").click()
        kiosk.get_by_role("button", name="Type instead").click()
        for n, text in enumerate(["I have been feeling tired and worried about money.",
                                  "My sister and I argue about our mother's care."]):
            kiosk.get_by_label("Type your message").fill(text)
            kiosk.get_by_role("button", name="Send").click()
            kiosk.locator("#captions li.you ~ li.kiosk").nth(n).wait_for(timeout=LONG)
        kiosk.locator("#conv-done").click()
        kiosk.get_by_label("Type your message").fill("I want to sleep better.")
        kiosk.get_by_role("button", name="Send").click()
        items = kiosk.locator("#screen-review .review-item")
        items.first.wait_for(timeout=LONG)

        texts = [t.strip().lower() for t in items.locator(".item-text").all_inner_texts()]
        focus = kiosk.locator(".review-item[data-field='focus'] .item-text").all_inner_texts()
        if focus:  # shown once, in its own section
            assert texts.count(focus[0].strip().lower()) == 1, texts

        first = items.first
        before = first.locator(".item-text").inner_text()
        first.get_by_role("button", name="Edit").first.click()
        kiosk.keyboard.type(" extra")
        kiosk.keyboard.press("Escape")
        assert items.first.locator(".item-text").inner_text() == before
        assert kiosk.evaluate("() => document.activeElement.textContent") == "Edit"

        # Remove: struck through, with an Undo that has the focus (never the page body).
        items.first.get_by_role("button", name="Remove").click()
        removed = kiosk.locator("#screen-review .review-item.removed")
        assert removed.count() == 1
        assert kiosk.evaluate("() => document.activeElement.textContent") == "Undo"
        assert axe_check(kiosk, "kiosk-review-removed") == []
        # Undo puts it back as it was, focus on its Remove again.
        kiosk.keyboard.press("Enter")
        assert removed.count() == 0
        assert items.first.locator(".item-text").inner_text() == before
        assert kiosk.evaluate("() => document.activeElement.textContent") == "Remove"
        # Remove the last item for good: exactly it is missing from what the therapist gets.
        field = items.last.get_attribute("data-field")
        shown = [t.strip() for t in kiosk.locator(
            f".review-item[data-field='{field}'] .item-text").all_inner_texts()]
        items.last.get_by_role("button", name="Remove").click()
        kiosk.locator("#review-approve").click()
        kiosk.locator("#screen-feedback").wait_for(timeout=SHORT)
        approved = approved_summary(dashboard, reflect_server, session_id)
        if field == "focus":
            assert approved["focus"] == ""
        else:
            focus_text = (approved.get("focus") or "").strip().lower()
            values = [v if isinstance(v, str) else v["word"] for v in approved[field]]
            assert [v for v in values if v.strip().lower() != focus_text] == shown[:-1]
        first_field = items.first.get_attribute("data-field")
        assert before in json.dumps(approved[first_field], ensure_ascii=False)  # undone: kept
    finally:
        browser.close()


def approved_summary(page: Any, server: LiveServer, session_id: str) -> dict[str, Any]:
    """The approved summary as the therapist's API gives it."""
    for _ in range(50):
        detail = page.request.get(f"{server.url}/api/sessions/{session_id}").json()
        if detail.get("summary_approved"):
            summary: dict[str, Any] = detail["summary"]
            return summary
        page.wait_for_timeout(200)
    raise AssertionError("the summary was never approved")


def test_too_many_wrong_codes_says_how_long_to_wait(playwright_driver: Any,
                                                    reflect_server: LiveServer) -> None:
    """Last in this module: it spends the kiosk's guesses (5 a minute)."""
    browser = browser_for(playwright_driver)
    try:
        kiosk = open_kiosk(browser.new_context(viewport={"width": 800, "height": 1280}),
                           reflect_server)
        error = kiosk.locator("#code-error")
        for attempt in range(6):
            kiosk.locator("#code-input").fill("000001")
            kiosk.locator("#code-submit").click()
            if attempt < 5:
                kiosk.get_by_text("That code did not work").wait_for(timeout=SHORT)
                kiosk.evaluate("() => { document.getElementById('code-error').textContent = ''; }")
        kiosk.get_by_text("Too many tries").wait_for(timeout=SHORT)
        wait = re.search(r"wait (\d+) seconds", error.inner_text())
        assert wait and 1 <= int(wait.group(1)) <= 60, error.inner_text()
        assert kiosk.locator("#code-submit").is_disabled()
        assert axe_check(kiosk, "kiosk-code-too-many") == []
    finally:
        browser.close()
