"""The dashboard in Debian's chromium on watch: the idle logoff locks the screen, an urgent alert
still shows (room, no client words), sounds and changes the tab title; the password unlocks it
and the alert is acknowledged with a note (issue 13)."""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import closing
from typing import Any

import httpx
import pyotp
import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import (
    ADMIN,
    CHROMIUM,
    THERAPIST,
    browser_for,
    provisioned_server,
    snap,
)
from tests.e2e.conftest import KioskClient
from tests.e2e.server_process import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

SHORT = 20_000
IDLE_S = 6
CRISIS_TEXT = "I want to kill myself tonight. I have the pills ready."


@pytest.fixture(scope="module")
def watch_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Live view off, a 6 s idle logoff."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    with provisioned_server(tmp_path_factory.mktemp("watch"), {
        "REFLECT_REFLECTION__LIVE_TRANSCRIPT": "false",
        "REFLECT_SECURITY__IDLE_LOGOFF_MINUTES": str(IDLE_S / 60),
        "REFLECT_REFLECTION__ESCALATE_AFTER_S": "0",
    }) as server:
        yield server


def wait_until(page: Any, predicate: str, timeout_ms: int = SHORT) -> None:
    """Poll a JS expression through DevTools (the page's CSP forbids eval-based waits)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        page.wait_for_timeout(200)


def crisis_in_background(server: LiveServer, code: str) -> tuple[threading.Thread, list[Any]]:
    """A kiosk that joins and types a crisis, on its own thread and event loop."""
    done: list[Any] = []

    async def run() -> None:
        kiosk = await KioskClient.connect(server)
        try:
            await kiosk.join(code)
            await kiosk.send({"type": "text", "text": CRISIS_TEXT})
            await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "crisis")
            done.append(True)
            await asyncio.sleep(20)  # stay connected while the dashboard is checked
        finally:
            await kiosk.close()

    def main() -> None:
        try:
            asyncio.run(run())
        except BaseException as exc:  # reported by the test through `done`
            done.append(exc)

    thread = threading.Thread(target=main, daemon=True)
    thread.start()
    return thread, done


def test_locked_dashboard_still_shows_and_sounds_the_alert(
    playwright_driver: Any, watch_server: LiveServer
) -> None:
    username, password = THERAPIST
    with closing(watch_server.client(username, password)) as http:
        code = http.post("/api/sessions", json={"label": "2pm"}).json()["code"]
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context().new_page()
        page.goto(f"{watch_server.url}/dashboard/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today's sessions").wait_for(timeout=SHORT)
        page.locator("#live-status[data-state='live']").wait_for(timeout=SHORT)
        # Nobody touches the page: the idle logoff locks it; it does not sign out.
        page.get_by_role("heading", name="Screen locked").wait_for(timeout=SHORT)
        assert page.locator("#session-list").count() == 0 and page.locator("#nav").is_hidden()
        assert page.locator("#live-status").inner_text().startswith("Locked")

        thread, done = crisis_in_background(watch_server, code)
        banner = page.locator(".alert-banner")
        banner.wait_for(timeout=90_000)
        text = banner.inner_text()
        assert "Waiting room" in text and "Urgent risk alert" in text
        assert "kill" not in text.lower() and "pills" not in text.lower()  # no client words
        wait_until(page, "() => Number(document.body.dataset.beeps || 0) >= 1")
        wait_until(page, "() => document.title.includes('URGENT')")
        snap(page, "dashboard-locked-alert")

        # A wrong password keeps the lock; the right one re-enters the same sign-in.
        page.get_by_label("Password").fill("not the password")
        page.get_by_role("button", name="Unlock").click()
        page.locator("#unlock-error").filter(has_text="did not match").wait_for(timeout=SHORT)
        assert page.get_by_role("heading", name="Screen locked").is_visible()
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Unlock").click()
        page.get_by_role("heading", name="Today's sessions").wait_for(timeout=SHORT)
        wait_until(page, "() => document.querySelector('.alert-banner .trigger-words') !== null")
        assert page.locator("#session-list [data-crisis='true']").count() >= 1
        page.locator(".alert-banner .ack-note").fill("Went to the waiting room")
        page.locator(".alert-banner").get_by_role("button", name="Acknowledge").click()
        banner.wait_for(state="detached", timeout=SHORT)
        wait_until(page, "() => !document.title.includes('URGENT')")
        deadline = time.monotonic() + 120  # the crisis resources are spoken (real TTS) first
        while not done and time.monotonic() < deadline:
            time.sleep(0.5)
        assert done and done[0] is True, f"the kiosk never reached the crisis screen: {done}"
        thread.join(timeout=60)
    finally:
        browser.close()
    with closing(watch_server.client(username, password)) as http:
        alerts = http.get("/api/alerts?open=false").json()["alerts"]
    assert alerts[0]["ack_note"] == "Went to the waiting room"


def test_a_locked_screen_takes_a_recovery_code(playwright_driver: Any,
                                              watch_server: LiveServer) -> None:
    """No phone at hand: one of the recovery codes unlocks the screen, once."""
    username, first = f"dr_{uuid.uuid4().hex[:6]}", "lantern orchard velvet 73"
    password = "quiet harbour maple 58"
    with closing(watch_server.client(*ADMIN)) as admin:
        made = admin.post("/api/users", json={"username": username, "password": first,
                                              "role": "therapist"})
        assert made.status_code == 201, made.text
    with closing(watch_server.client(username, first)) as me:
        changed = me.post("/api/me/password", json={"current_password": first,
                                                    "new_password": password})
        assert changed.status_code < 300, changed.text
    with closing(watch_server.client(username, password)) as me:
        secret = me.post("/api/me/totp/setup").json()["secret"]
        codes = me.post("/api/me/totp/confirm",
                        json={"code": pyotp.TOTP(secret).now()}).json()["recovery_codes"]
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context().new_page()
        page.goto(f"{watch_server.url}/dashboard/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        # The confirm step spent this window's authenticator code: sign in with a recovery code.
        page.get_by_label("Authenticator code").fill(codes[1])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today's sessions").wait_for(timeout=SHORT)
        page.get_by_role("heading", name="Screen locked").wait_for(timeout=SHORT)
        page.get_by_label("Or the authenticator code").fill(codes[0].upper())  # as on paper
        page.get_by_role("button", name="Unlock").click()
        page.get_by_role("heading", name="Today's sessions").wait_for(timeout=SHORT)
    finally:
        browser.close()
    with closing(httpx.Client(base_url=watch_server.url, timeout=30)) as anon:
        again = anon.post("/api/auth/login", json={"username": username, "password": password,
                                                   "totp": codes[0]})
    assert again.status_code == 401, "a recovery code works once"


def test_kiosk_crisis_screen_holds_past_the_inactivity_time_until_staff_clear_it(
    playwright_driver: Any, watch_server: LiveServer
) -> None:
    """The page's clock runs 10 minutes ahead: no "Are you still there?", no reset in crisis."""
    username, password = THERAPIST
    http = watch_server.client(username, password)
    created = http.post("/api/sessions", json={}).json()
    browser = browser_for(playwright_driver)
    try:
        kiosk = browser.new_context(viewport={"width": 1024, "height": 768}).new_page()
        kiosk.clock.install()
        kiosk.goto(f"{watch_server.url}/kiosk/")
        # Set up as staff would by pasting the token (the one-time link has its own tests).
        kiosk.evaluate("t => localStorage.setItem('reflect.kiosk_token', t)",
                       watch_server.kiosk_token)
        kiosk.reload()
        kiosk.locator("body[data-connection='connected']").wait_for(timeout=SHORT)
        kiosk.locator("#open-settings").click()
        kiosk.locator("#type-toggle").check()
        kiosk.locator("#settings-close").click()
        kiosk.locator("#code-input").fill(created["code"])
        kiosk.locator("#code-submit").click()
        kiosk.locator("#consent-accept").click(timeout=SHORT)
        kiosk.locator("#type-input").fill(CRISIS_TEXT)
        kiosk.locator("#type-input").press("Enter")
        crisis = kiosk.locator("#screen-crisis")
        crisis.wait_for(timeout=90_000)
        assert kiosk.locator("#staff-clear-open").is_visible()  # staff can clear it with the PIN
        kiosk.clock.fast_forward("10:00")  # far past the 150 s warning and 45 s grace
        kiosk.wait_for_timeout(500)
        assert crisis.is_visible()
        assert not kiosk.evaluate("document.getElementById('idle-dialog').open")
        kiosk.locator("#staff-clear-open").click()
        assert kiosk.locator("#staff-pin").is_visible()
        kiosk.locator("#staff-clear-cancel").click()
        # Cleared from the dashboard: the kiosk ends and shows the code keypad again.
        http.post("/api/auth/unlock", json={"password": password})  # idle-locked by now
        cleared = http.post(f"/api/sessions/{created['session_id']}/clear-crisis")
        assert cleared.status_code == 200 and cleared.json()["delivered"] is True
        kiosk.locator("#screen-code").wait_for(timeout=SHORT)
        assert crisis.is_hidden()
    finally:
        browser.close()
        http.close()


def test_call_in_shows_the_time_and_that_the_client_is_reviewing(
    playwright_driver: Any, watch_server: LiveServer
) -> None:
    username, password = THERAPIST
    with closing(watch_server.client(username, password)) as http:
        created = http.post("/api/sessions", json={"label": "Call-in visit"}).json()
    joined: list[Any] = []

    async def kiosk_run() -> None:
        kiosk = await KioskClient.connect(watch_server)
        try:
            await kiosk.join(created["code"])
            joined.append(True)
            await kiosk.until(lambda e: e["type"] == "call_in", wait_s=120)
            joined.append("called")
        finally:
            await kiosk.close()

    thread = threading.Thread(target=lambda: asyncio.run(kiosk_run()), daemon=True)
    thread.start()
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context().new_page()
        page.goto(f"{watch_server.url}/dashboard/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Call-in visit").click()
        deadline = time.monotonic() + 90
        step = 0
        while not joined and time.monotonic() < deadline:
            step += 1
            page.mouse.move(10 + step % 40, 10 + step % 30)  # a user at the screen
            page.wait_for_timeout(500)
        assert joined, "the kiosk did not join"
        page.locator("#call-in").click()
        status = page.locator("#call-in-status")
        deadline = time.monotonic() + 60  # the kiosk speaks the call-in first (real TTS)
        while "client reviewing" not in status.inner_text() and time.monotonic() < deadline:
            step += 1
            page.mouse.move(10 + step % 40, 10 + step % 30)  # still at the screen (6 s lock)
            page.wait_for_timeout(500)
        assert re.search(r"Called in at \d{1,2}:\d{2}", status.inner_text())
        thread.join(timeout=60)
        assert "called" in joined  # the kiosk got the call-in
    finally:
        browser.close()
