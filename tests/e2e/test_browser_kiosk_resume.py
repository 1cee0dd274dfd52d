"""The kiosk page in Debian's chromium through a network drop and an idle hour (issue 13).

The page is served through a proxy whose line the test cuts (every connection aborted,
reconnects refused) and restores: the kiosk says "Reconnecting - your words are safe" while it
waits and, on resume, puts the conversation back on screen in the state it left - the crisis
screen included. In crisis no inactivity timer runs, on the page or on the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import (
    CHROMIUM,
    THERAPIST,
    axe_check,
    browser_for,
    dashboard_login,
    provisioned_server,
)
from tests.e2e.conftest import KioskClient
from tests.e2e.cut_proxy import cut_proxy
from tests.e2e.server_process import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(420)]

SHORT = 20_000
LONG = 90_000  # replies and the crisis resources are spoken with real TTS first
SAFE_NOTE = "Reconnecting - your words are safe"
CRISIS_TEXT = "I want to kill myself tonight. I have the pills ready."
WORRY = "I have been worried about my sister all week."
# The server's inactivity timeout, scaled down 60 times (180 s -> 3 s), checked every 0.25 s.
SCALED_INACTIVITY_S = 3
DEFAULT_INACTIVITY_S = 180
IDLE_HOUR_PERIODS = 3600 // DEFAULT_INACTIVITY_S  # 20 timeouts of the default fit in an hour
SCALED_RESUME_WINDOW_S = 4  # 120 s by default


@pytest.fixture(scope="module")
def resume_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Live view off, default timers."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    with provisioned_server(tmp_path_factory.mktemp("resume"), {
        "REFLECT_REFLECTION__LIVE_TRANSCRIPT": "false",
    }) as server:
        yield server


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Inactivity timeout scaled down to 3 s (checked every 0.25 s), the resume window to 4 s."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    with provisioned_server(tmp_path_factory.mktemp("idle"), {
        "REFLECT_SESSION__INACTIVITY_S": str(SCALED_INACTIVITY_S),
        "REFLECT_SESSION__INACTIVITY_CHECK_S": "0.25",
        "REFLECT_SESSION__RESUME_WINDOW_S": str(SCALED_RESUME_WINDOW_S),
    }) as server:
        yield server


def kiosk_page(browser: Any, base_url: str, token: str, *, fake_clock: bool = False) -> Any:
    """A kiosk page set up with the device token, in type mode."""
    page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    if fake_clock:
        page.clock.install()
    page.goto(f"{base_url}/kiosk/")
    page.evaluate("t => localStorage.setItem('reflect.kiosk_token', t)", token)
    page.reload()
    page.locator("body[data-connection='connected']").wait_for(timeout=SHORT)
    page.locator("#open-settings").click()
    page.locator("#type-toggle").check()
    page.locator("#settings-close").click()
    return page


def start_session(page: Any, code: str) -> None:
    page.locator("#code-input").fill(code)
    page.locator("#code-submit").click()
    page.locator("#consent-accept").click(timeout=SHORT)
    page.locator("#screen-conversation").wait_for(timeout=SHORT)


def type_line(page: Any, text: str) -> None:
    """Type and send a line; the page keeps it (and Enter does nothing) while it is thinking."""
    box = page.locator("#type-input")
    box.fill(text)
    for _ in range(120):
        box.press("Enter")
        page.wait_for_timeout(500)
        if box.input_value() == "":
            return
    raise AssertionError("the kiosk never took the typed line")


def captions(page: Any) -> str:
    return str(page.locator("#captions").inner_text())


def said(page: Any) -> list[str]:
    """Who said what, caption by caption (restored replies carry no "felt wrong" button)."""
    return list(page.evaluate(
        "() => [...document.querySelectorAll('#captions li')]"
        ".map(li => `${li.className}: ${li.querySelector('.said').textContent}`)"))


def kiosk_replies(page: Any) -> int:
    return int(page.evaluate(
        "() => [...document.querySelectorAll('#captions [data-kind]')]"
        ".filter(li => li.textContent.trim().length > 0).length"))


def wait_for(page: Any, predicate: Any, timeout_ms: int = LONG) -> None:
    """Poll a Python predicate over the page (the CSP forbids Playwright's eval-based waits)."""
    waited = 0
    while not predicate():
        if waited > timeout_ms:
            raise AssertionError("timed out")
        page.wait_for_timeout(250)
        waited += 250


def therapist_session(server: LiveServer, session_id: str) -> dict[str, Any]:
    username, password = THERAPIST
    with closing(server.client(username, password)) as http:
        body: dict[str, Any] = http.get(f"/api/sessions/{session_id}").json()
    return body


def new_session(server: LiveServer) -> dict[str, Any]:
    username, password = THERAPIST
    with closing(server.client(username, password)) as http:
        created: dict[str, Any] = http.post("/api/sessions", json={}).json()
    return created


def clear_from_dashboard(server: LiveServer, session_id: str) -> dict[str, Any]:
    username, password = THERAPIST
    with closing(server.client(username, password)) as http:
        result: dict[str, Any] = http.post(f"/api/sessions/{session_id}/clear-crisis").json()
    return result


def test_a_network_drop_keeps_the_conversation_and_the_crisis_screen(
    playwright_driver: Any, resume_server: LiveServer
) -> None:
    created = new_session(resume_server)
    browser = browser_for(playwright_driver)
    try:
        with cut_proxy(resume_server.port) as proxy:
            page = kiosk_page(browser, proxy.url, resume_server.kiosk_token)
            start_session(page, created["code"])
            wait_for(page, lambda: kiosk_replies(page) >= 1)  # the opening question
            type_line(page, WORRY)
            wait_for(page, lambda: WORRY in captions(page) and kiosk_replies(page) >= 2)
            before = said(page)

            proxy.cut()  # the line goes dead; the page's reconnects are refused
            note = page.locator("#reconnect-note")
            note.wait_for(state="visible", timeout=SHORT)
            assert note.inner_text() == SAFE_NOTE
            page.wait_for_timeout(10_000)  # a 10 s cut (a 30 s one has its socket-level test)
            assert note.is_visible() and page.locator("#screen-conversation").is_visible()
            assert WORRY in captions(page)
            assert axe_check(page, "kiosk-reconnecting") == []

            proxy.restore()
            page.locator("body[data-reconnecting='false']").wait_for(timeout=LONG)
            assert note.is_hidden() and page.locator("#screen-conversation").is_visible()
            assert said(page) == before  # the same conversation, restored from the server
            type_line(page, "And I sleep badly.")
            wait_for(page, lambda: kiosk_replies(page) >= 3)  # the session goes on

            type_line(page, CRISIS_TEXT)
            crisis = page.locator("#screen-crisis")
            crisis.wait_for(timeout=LONG)
            crisis_text = crisis.inner_text()
            proxy.cut()
            note.wait_for(state="visible", timeout=SHORT)
            assert note.inner_text() == SAFE_NOTE and crisis.is_visible()
            page.wait_for_timeout(5_000)
            proxy.restore()
            page.locator("body[data-reconnecting='false']").wait_for(timeout=LONG)
            assert crisis.is_visible() and page.locator("#staff-clear-open").is_visible()
            assert crisis.inner_text() == crisis_text  # the same help on screen
            assert clear_from_dashboard(resume_server, created["session_id"])["delivered"]
            page.locator("#screen-code").wait_for(timeout=SHORT)
    finally:
        browser.close()


async def _times_out(server: LiveServer, code: str) -> dict[str, Any]:
    kiosk = await KioskClient.connect(server)
    try:
        await kiosk.join(code)
        ended = await kiosk.until(lambda e: e["type"] == "ended", wait_s=60)
    finally:
        await kiosk.close()
    event = ended[-1]
    assert isinstance(event, dict)
    return event


def test_a_crisis_survives_an_idle_hour(playwright_driver: Any, idle_server: LiveServer) -> None:
    """An hour of idleness, scaled: the server's inactivity timeout is 3 s instead of 180 s, so
    20 of its periods (an hour at the default) pass in 60 s of real time, while the page's own
    clock is moved on 3 minutes per period (60 minutes in all). Outside crisis the same scaled
    timer ends a session (checked first, so the timer is known to run)."""
    control = new_session(idle_server)
    # Its own thread and event loop: Playwright's sync driver runs one on this thread.
    with ThreadPoolExecutor(1) as pool:
        ended = pool.submit(asyncio.run, _times_out(idle_server, control["code"])).result()
    assert ended["reason"] == "timeout"

    created = new_session(idle_server)
    browser = browser_for(playwright_driver)
    try:
        page = kiosk_page(browser, idle_server.url, idle_server.kiosk_token, fake_clock=True)
        start_session(page, created["code"])
        type_line(page, CRISIS_TEXT)
        crisis = page.locator("#screen-crisis")
        crisis.wait_for(timeout=LONG)
        for _ in range(IDLE_HOUR_PERIODS):
            page.clock.fast_forward(f"0{DEFAULT_INACTIVITY_S // 60}:00")
            page.wait_for_timeout(SCALED_INACTIVITY_S * 1000 + 250)
            assert crisis.is_visible()
            assert not page.evaluate("document.getElementById('idle-dialog').open")
        detail = therapist_session(idle_server, created["session_id"])
        assert detail["session"]["ended_at"] is None
        assert page.locator("body[data-connection='connected']").count() == 1
        assert clear_from_dashboard(idle_server, created["session_id"])["delivered"]
        page.locator("#screen-code").wait_for(timeout=SHORT)
    finally:
        browser.close()


async def _join_and_drop(server: LiveServer, code: str) -> dict[str, Any]:
    """Join, then lose the connection for good; what a late reconnect is told."""
    kiosk = await KioskClient.connect(server)
    joined = await kiosk.join(code)
    await kiosk.ws.close()
    await asyncio.sleep(SCALED_RESUME_WINDOW_S * 3)
    late = await KioskClient.connect(server, resume_token=joined["resume_token"])
    try:
        return await late.next_event()
    finally:
        await late.close()


def test_the_dashboard_says_kiosk_offline_then_disconnected(
    playwright_driver: Any, idle_server: LiveServer
) -> None:
    """The resume window scaled down to 4 s (120 s by default)."""
    created = new_session(idle_server)
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        dashboard_login(page, idle_server)
        page.goto(f"{idle_server.url}/dashboard/#/session/{created['session_id']}")
        page.locator("h1 .status").wait_for(timeout=SHORT)
        with ThreadPoolExecutor(1) as pool:
            late = pool.submit(asyncio.run, _join_and_drop(idle_server, created["code"]))
            page.locator("[data-kiosk-status='offline']").wait_for(timeout=LONG)
            assert "kiosk offline" in page.locator("main").inner_text()
            page.locator("[data-ended-reason='disconnected']").wait_for(timeout=LONG)
            assert page.locator("h1 .status").inner_text() == "ended"
            assert page.locator("#call-in").count() == 0
            refused = late.result(timeout=120)
        assert refused["type"] == "error" and refused["code"] == "resume_expired"
    finally:
        browser.close()


async def _crisis_outlasts_the_window(server: LiveServer, code: str,
                                      session_id: str) -> dict[str, Any]:
    """Crisis, a network cut three resume windows long, the kiosk back; then a second cut
    during which staff clear it from the dashboard. What each reconnect is told."""
    kiosk = await KioskClient.connect(server)
    joined = await kiosk.join(code)
    await kiosk.send({"type": "text", "text": CRISIS_TEXT})
    await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "crisis", 120)
    await kiosk.ws.close()
    await asyncio.sleep(SCALED_RESUME_WINDOW_S * 3)
    kiosk = await KioskClient.connect(server, resume_token=joined["resume_token"])
    resumed = await kiosk.next_event()
    await kiosk.ws.close()
    await asyncio.sleep(1)
    cleared = await asyncio.to_thread(clear_from_dashboard, server, session_id)
    await asyncio.sleep(SCALED_RESUME_WINDOW_S * 2)
    late = await KioskClient.connect(server, resume_token=joined["resume_token"])
    try:
        return {"resumed": resumed, "cleared": cleared, "late": await late.next_event()}
    finally:
        await late.close()


def test_a_crisis_outlasts_the_resume_window_until_staff_clear_it(
    idle_server: LiveServer,
) -> None:
    """The resume window scaled down to 4 s: a crisis session is not ended when it runs out
    (no timer ends a crisis); it waits for its kiosk until staff clear it from the dashboard."""
    created = new_session(idle_server)
    # Its own loop in a thread: the module's Playwright driver holds this thread's loop.
    with ThreadPoolExecutor(1) as pool:
        seen = pool.submit(asyncio.run, _crisis_outlasts_the_window(
            idle_server, created["code"], created["session_id"])).result(timeout=300)
    assert seen["resumed"]["type"] == "resumed" and seen["resumed"]["state"] == "crisis"
    assert seen["resumed"]["crisis"]["resources"]
    assert seen["cleared"]["delivered"]  # the parked session was found and cleared
    assert seen["late"]["type"] == "error" and seen["late"]["code"] == "resume_expired"
    detail = therapist_session(idle_server, created["session_id"])
    assert detail["session"]["ended_at"] is not None
