"""The dashboard in Debian's chromium shows one status per session, from the server, on every
open page without a reload; it offers only the actions that apply; it shows the language the
conversation runs in, a pending session's code with a Cancel, and drops an erased session's
text at once (issue 14)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import (
    ADMIN,
    CHROMIUM,
    THERAPIST,
    axe_check,
    browser_for,
    dashboard_login,
    provisioned_server,
)
from tests.e2e.conftest import KioskClient
from tests.e2e.server_process import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(900)]

SHORT = 20_000
LONG = 90_000
CRISIS_TEXT = "Quiero matarme esta noche. Tengo las pastillas listas."
WORDS = "My brother and I argued about the house again."


@pytest.fixture(scope="module")
def status_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """Live view off (the default)."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed (/usr/bin/chromium)")
    with provisioned_server(tmp_path_factory.mktemp("status"), {
        "REFLECT_REFLECTION__LIVE_TRANSCRIPT": "false",
    }) as server:
        yield server


def in_background(script: Callable[[], Awaitable[Any]]) -> Future[Any]:
    """Run a kiosk script on its own thread and event loop (Playwright's runs on this one)."""
    pool = ThreadPoolExecutor(1)
    future = pool.submit(asyncio.run, script())  # type: ignore[arg-type]
    pool.shutdown(wait=False)
    return future


def create(server: LiveServer, **body: Any) -> dict[str, Any]:
    username, password = THERAPIST
    with closing(server.client(username, password)) as http:
        created: dict[str, Any] = http.post("/api/sessions", json=body).json()
    return created


def badge(page: Any, where: str) -> Any:
    return page.locator(f"{where} .status").first


def session_page(context: Any, server: LiveServer, session_id: str) -> Any:
    page = context.new_page()
    page.goto(f"{server.url}/dashboard/#/session/{session_id}")
    page.locator("h1 .status").wait_for(timeout=SHORT)
    return page


def test_status_language_and_actions_follow_the_server_on_every_open_page(
    playwright_driver: Any, status_server: LiveServer
) -> None:
    created = create(status_server, lang="en", label="Status visit")
    session_id = created["session_id"]
    go_crisis = threading.Event()

    async def kiosk_script() -> None:
        kiosk = await KioskClient.connect(status_server)
        try:
            await kiosk.send({"type": "settings", "lang": "es"})  # the client chose Spanish
            await kiosk.send({"type": "join", "code": created["code"]})
            joined = (await kiosk.until(lambda e: e["type"] == "joined"))[-1]
            assert isinstance(joined, dict)
            # Accept at once: the long consent, spoken by espeak-ng in Spanish, is cut short.
            await kiosk.send({"type": "consent", "accepted": True,
                              "consent_version": joined["consent_version"]})
            await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "opening")
            await asyncio.to_thread(go_crisis.wait, 120)
            await kiosk.send({"type": "text", "text": CRISIS_TEXT})
            await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "crisis")
            await asyncio.sleep(30)  # stay on the crisis screen while the pages are checked
        finally:
            await kiosk.close()

    browser = browser_for(playwright_driver)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        listing = context.new_page()
        dashboard_login(listing, status_server)
        row = f"#session-list tr[data-session-id='{session_id}']"
        listing.locator(row).wait_for(timeout=SHORT)
        page = session_page(context, status_server, session_id)
        # Pending: the code again and a Cancel; nothing to call in yet.
        assert badge(page, "h1").inner_text() == "pending"
        assert page.locator("#session-code").inner_text() == created["code"]
        assert page.locator("#cancel-session").is_visible()
        assert page.locator("#call-in").count() == 0
        assert axe_check(page, "dashboard-session-pending") == []

        kiosk = in_background(kiosk_script)
        badge(page, "h1").filter(has_text="active").wait_for(timeout=LONG)
        page.get_by_text("Language: Spanish (es)").wait_for(timeout=SHORT)
        assert page.locator("#call-in").is_visible()
        assert page.locator("#cancel-session").count() == 0
        assert page.locator("#session-code").count() == 0  # the used code is gone
        assert badge(listing, row).inner_text() == "active"

        go_crisis.set()
        badge(page, "h1").filter(has_text="crisis").wait_for(timeout=LONG)
        badge(listing, row).filter(has_text="crisis").wait_for(timeout=SHORT)
        assert page.locator("#clear-crisis").is_visible() and page.locator("#call-in").is_visible()
        assert axe_check(page, "dashboard-session-crisis") == []
        page.locator("#clear-crisis").click()
        badge(page, "h1").filter(has_text="ended").wait_for(timeout=SHORT)
        page.locator("[data-ended-reason='staff_cleared']").wait_for(timeout=SHORT)
        badge(listing, row).filter(has_text="ended").wait_for(timeout=SHORT)
        # Ended: nothing to call in or clear; the crisis mark stays.
        assert page.locator("#call-in").count() == 0 and page.locator("#clear-crisis").count() == 0
        assert listing.locator(f"{row} [data-crisis='true']").count() == 1
        kiosk.result(timeout=120)
    finally:
        browser.close()


def test_cancel_stops_the_code_and_an_erase_empties_the_open_page(
    playwright_driver: Any, status_server: LiveServer
) -> None:
    to_cancel = create(status_server, label="Cancelled visit")
    to_erase = create(status_server, label="Erased visit")
    go_erase = threading.Event()

    async def erase_script() -> None:
        kiosk = await KioskClient.connect(status_server)
        try:
            await kiosk.join(to_erase["code"])
            await kiosk.send({"type": "text", "text": WORDS})
            await kiosk.until(lambda e: e["type"] == "reply_done", wait_s=300)  # a busy machine
            await asyncio.to_thread(go_erase.wait, 120)
            await kiosk.send({"type": "erase"})
            await kiosk.until(lambda e: e["type"] == "ended")
        finally:
            await kiosk.close()

    async def join_cancelled() -> dict[str, Any]:
        kiosk = await KioskClient.connect(status_server)
        try:
            await kiosk.send({"type": "join", "code": to_cancel["code"]})
            return await kiosk.next_event()
        finally:
            await kiosk.close()

    browser = browser_for(playwright_driver)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        dashboard_login(context.new_page(), status_server)
        page = session_page(context, status_server, to_cancel["session_id"])
        page.locator("#cancel-session").click()
        badge(page, "h1").filter(has_text="cancelled").wait_for(timeout=SHORT)
        assert page.locator("#session-code").count() == 0
        assert page.locator("#cancel-session").count() == 0
        refused = in_background(join_cancelled).result(timeout=60)
        assert refused["type"] == "error" and refused["code"] == "code_invalid"

        erase = in_background(erase_script)
        page = session_page(context, status_server, to_erase["session_id"])
        items = page.locator("#draft-summary dd")
        items.first.wait_for(timeout=300_000)  # the live draft (marked as a draft)
        drafted = [t for t in items.all_inner_texts() if t.strip()]
        go_erase.set()
        page.locator("#erased-note").wait_for(timeout=LONG)  # no reload
        shown = page.locator("main").inner_text()
        assert drafted and not any(t in shown for t in drafted)
        assert badge(page, "h1").inner_text() == "erased"
        erase.result(timeout=60)
    finally:
        browser.close()


def test_an_admin_reads_the_feedback_comments_on_request(
    playwright_driver: Any, status_server: LiveServer
) -> None:
    created = create(status_server)
    comment = "The kiosk spoke a little fast."

    async def feedback_script() -> None:
        kiosk = await KioskClient.connect(status_server)
        try:
            await kiosk.join(created["code"])
            await kiosk.send({"type": "text", "text": WORDS})
            await kiosk.until(lambda e: e["type"] == "reply_done", wait_s=300)
            await kiosk.send({"type": "end"})
            await kiosk.until(lambda e: e["type"] == "reply_done", wait_s=300)
            await kiosk.send({"type": "text", "text": "The house."})
            await kiosk.until(lambda e: e["type"] == "summary", wait_s=300)
            await kiosk.send({"type": "review", "action": "approve"})
            await kiosk.until(lambda e: e["type"] == "state" and e["state"] == "feedback")
            await kiosk.send({"type": "feedback", "rating": 4, "comment": comment})
            await kiosk.until(lambda e: e["type"] == "ended")
        finally:
            await kiosk.close()

    in_background(feedback_script).result(timeout=600)
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        dashboard_login(page, status_server, ADMIN)
        page.goto(f"{status_server.url}/dashboard/#/admin")
        page.locator("#show-feedback-comments").click(timeout=SHORT)
        page.locator("#feedback-comments td.comment").filter(has_text=comment).wait_for(
            timeout=SHORT)
        assert axe_check(page, "dashboard-admin-feedback-comments") == []
    finally:
        browser.close()
    with closing(status_server.client(*ADMIN)) as admin:
        audit = admin.get("/api/admin/audit", params={"action": "text.feedback_read"}).json()
    assert len(audit["entries"]) == 1
