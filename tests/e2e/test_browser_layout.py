"""Issue 14: each kiosk screen's main button is on screen, unscrolled, at every size and text size;
each dashboard screen fits every size at 100% and 200% zoom, and its set-up actions work.

One typed visit per text size (100% and 200%, set with the kiosk's own text-size control); on
each screen the window is resized to each clinic screen (landscape, portrait tablet, portrait
kiosk), the primary action is checked visible and not covered, and axe runs.
"""

from __future__ import annotations

import os
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from models.password_policy import RULE_LINES
from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import ADMIN, ROOT, axe_check, browser_for, dashboard_login, snap
from tests.e2e.dashboard_layout import check_dashboard_screen
from tests.e2e.server_process import LiveServer
from tests.e2e.test_browser_journeys import create_session, open_kiosk

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(600)]

SHORT = 20_000  # ms: screen changes
LONG = 90_000  # ms: a reply through the real engine on a shared 2-core machine
SIZES = [(1280, 800), (1080, 1920), (800, 1280)]
# REFLECT_UPDATE_SCREENSHOTS=1 regenerates the README's kiosk pictures from this size.
README_SHOT = (1280, 800, "100%")

# True when the element is inside the window and is what a tap at its centre would hit.
ON_SCREEN = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return `missing ${selector}`;
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return `${selector} has no size`;
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
    return `${selector} at ${Math.round(r.top)}..${Math.round(r.bottom)} of ${innerHeight}`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit && (hit === el || el.contains(hit)) ? "" : `${selector} is covered`;
}"""


def set_text_size(kiosk: Any, percent: str) -> None:
    """Use the kiosk's text-size control until it shows `percent`."""
    if percent == "100%":
        return  # the default for every new client
    kiosk.get_by_role("button", name="Display and language").click()
    shown = kiosk.locator("#text-size-value")
    for _ in range(8):
        if shown.inner_text().strip() == percent:
            break
        kiosk.get_by_role("button", name="Larger text").click()
    assert shown.inner_text().strip() == percent
    kiosk.get_by_role("button", name="Close").click()


def check_screen(kiosk: Any, name: str, selectors: list[str], text: str) -> None:
    """At every size: the primary actions are on screen without scrolling; axe finds nothing."""
    problems: list[str] = []
    for width, height in SIZES:
        kiosk.set_viewport_size({"width": width, "height": height})
        kiosk.evaluate("() => window.scrollTo(0, 0)")
        kiosk.wait_for_timeout(150)  # one layout pass after the resize
        problems += [f"{width}x{height}: {p}" for s in selectors
                     if (p := kiosk.evaluate(ON_SCREEN, s))]
        label = f"kiosk-{name}-{width}x{height}-{text}"
        problems += [f"{width}x{height}: axe {v}" for v in axe_check(kiosk, label)]
        snap(kiosk, label)
        if os.environ.get("REFLECT_UPDATE_SCREENSHOTS") and (width, height, text) == README_SHOT:
            kiosk.screenshot(path=str(ROOT / "docs" / "screenshots" / f"kiosk-{name}.png"))
    assert problems == [], f"{name} at {text}: {problems}"


@pytest.mark.parametrize("text", ["100%", "200%"])
def test_primary_actions_fit_every_screen(playwright_driver: Any, reflect_server: LiveServer,
                                          text: str) -> None:
    browser = browser_for(playwright_driver)
    try:
        dashboard = browser.new_context().new_page()
        dashboard_login(dashboard, reflect_server)
        code = create_session(dashboard, f"Layout {text}")
        kiosk = open_kiosk(browser.new_context(viewport={"width": 1280, "height": 800}),
                           reflect_server)
        set_text_size(kiosk, text)

        check_screen(kiosk, "code", ["#code-submit"], text)
        kiosk.locator("#code-input").fill(code)
        kiosk.locator("#code-submit").click()

        kiosk.locator("#screen-consent").wait_for(timeout=SHORT)
        sections = kiosk.locator("#consent-text p").all_inner_texts()
        assert len(sections) >= 3 and all(len(p) < 320 for p in sections), sections
        check_screen(kiosk, "consent", ["#consent-accept"], text)
        # Read aloud meanwhile; the accept stays usable (and on screen) during the reading.
        kiosk.locator("#consent-accept").click()

        kiosk.locator("#screen-conversation").wait_for(timeout=SHORT)
        kiosk.get_by_role("button", name="Type instead").click()
        kiosk.get_by_label("Type your message").fill("I keep worrying about my sleep.")
        kiosk.get_by_role("button", name="Send").click()
        kiosk.locator("#captions li.you ~ li.kiosk").first.wait_for(timeout=LONG)
        # The consent was on its own screen: it is not the conversation's first caption.
        first = kiosk.locator("#captions li").first.inner_text()
        assert not any(p[:40] in first for p in sections), first
        check_screen(kiosk, "conversation", ["#type-form button[type='submit']", "#conv-done"],
                     text)

        kiosk.locator("#conv-done").click()
        kiosk.locator("#indicator[data-state]").wait_for()
        kiosk.get_by_label("Type your message").fill("How to rest better.")
        kiosk.get_by_role("button", name="Send").click()
        kiosk.locator("#screen-review .review-item").first.wait_for(timeout=LONG)
        check_screen(kiosk, "review", ["#review-approve"], text)
        kiosk.locator("#review-approve").click()

        kiosk.locator("#screen-feedback").wait_for(timeout=SHORT)
        check_screen(kiosk, "feedback", ["#feedback-form button[type='submit']"], text)
    finally:
        browser.close()


def test_dashboard_screens_fit_every_screen(playwright_driver: Any,
                                            reflect_server: LiveServer) -> None:
    """Sign-in, today, a session, the account page (password rules, authenticator QR, recovery
    codes) and the admin page (kiosk enrolment with Copy and QR, live presence): each screen
    at each size and zoom, and what it offers works."""
    therapist = ("dr_layout", "willow candle tractor 51")
    reflect_server.create_account(therapist[0], "therapist", therapist[1], display_name="Layout")
    browser = browser_for(playwright_driver)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(f"{reflect_server.url}/dashboard/")
        page.get_by_role("heading", name="Sign in").wait_for(timeout=SHORT)
        check_dashboard_screen(page, "sign-in", ["#login-form button[type='submit']"])

        dashboard_login(page, reflect_server, therapist)
        code = create_session(page, "2pm appointment")
        check_dashboard_screen(page, "today", ["#create-form button[type='submit']",
                                               "#session-code"])
        kiosk = client_talks(browser, reflect_server, code)
        page.get_by_role("link", name="2pm appointment").click()
        page.get_by_role("heading", name="2pm appointment").wait_for(timeout=SHORT)
        check_dashboard_screen(page, "session", ["h1"])
        # A crisis: the kiosk's crisis screen, the therapist's urgent alert, acknowledged.
        kiosk.get_by_label("Type your message").fill("I want to kill myself tonight.")
        kiosk.get_by_role("button", name="Send").click()
        kiosk.locator("#screen-crisis").wait_for(timeout=LONG)
        check_screen(kiosk, "crisis", ["#crisis-title", "#crisis-message"], "100%")
        acknowledge = page.locator("#alerts button", has_text="Acknowledge")
        acknowledge.wait_for(timeout=SHORT)
        check_dashboard_screen(page, "alert", ["#alerts button"])
        acknowledge.click()
        acknowledge.wait_for(state="detached", timeout=SHORT)
        kiosk.context.close()

        # Account: every password rule is stated where the new password is chosen.
        page.get_by_role("link", name="Account").click()
        page.get_by_role("heading", name="Account", exact=True).wait_for(timeout=SHORT)
        rules = page.locator("#new-password-rules li")
        rules.nth(len(RULE_LINES)).wait_for(timeout=SHORT)
        assert rules.all_inner_texts()[:len(RULE_LINES)] == list(RULE_LINES)
        check_dashboard_screen(page, "account", ["#password-form button[type='submit']"])
        # Two-step sign-in: a QR code to scan (a real image), then recovery codes shown once.
        page.get_by_role("button", name="Set up two-step sign-in").click()
        qr = page.get_by_role("img", name="QR code to add Reflect to your authenticator app")
        qr.wait_for(timeout=SHORT)
        assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
        check_dashboard_screen(page, "account-totp", ["#totp-qr", "#totp-confirm-form button"])
        secret = page.locator("#totp-secret").inner_text().replace(" ", "")
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        codes = page.locator("#recovery-codes li")
        codes.nth(9).wait_for(timeout=SHORT)
        recovery = codes.all_inner_texts()
        assert len(set(recovery)) == 10
        check_dashboard_screen(page, "account-recovery", ["#recovery-done"])
        page.get_by_role("button", name="I have saved them").click()
        page.locator("#recovery-left", has_text="10 of 10").wait_for(timeout=SHORT)

        # A recovery code signs in once instead of the authenticator's code.
        page.get_by_role("button", name="Sign out").click()
        page.get_by_label("Username").fill(therapist[0])
        page.get_by_label("Password").fill(therapist[1])
        page.get_by_label("Authenticator code").fill(recovery[0])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Today's sessions").wait_for(timeout=SHORT)
        page.get_by_role("button", name="Sign out").click()

        admin_setup(page, reflect_server, browser)
    finally:
        browser.close()


def client_talks(browser: Any, server: LiveServer, code: str) -> Any:
    """A client at the kiosk joins with `code`, consents and types one message; the kiosk."""
    kiosk = open_kiosk(browser.new_context(viewport={"width": 1280, "height": 800}), server)
    kiosk.locator("#code-input").fill(code)
    kiosk.locator("#code-submit").click()
    kiosk.locator("#consent-accept").click()
    kiosk.get_by_role("button", name="Type instead").click()
    kiosk.get_by_label("Type your message").fill("I keep worrying about my sleep.")
    kiosk.get_by_role("button", name="Send").click()
    kiosk.locator("#captions li.you ~ li.kiosk").first.wait_for(timeout=LONG)
    return kiosk


def admin_setup(page: Any, server: LiveServer, browser: Any) -> None:
    """Enrol a kiosk from the screen: Copy, QR, the kiosk shown online live, a new link, revoke."""
    dashboard_login(page, server, ADMIN)
    page.get_by_role("link", name="Admin").click()
    page.get_by_role("heading", name="Admin", exact=True).wait_for(timeout=SHORT)
    page.locator("#admin-password-rules li").nth(len(RULE_LINES)).wait_for(timeout=SHORT)
    page.get_by_label("Kiosk name").fill("Waiting room 2")
    page.get_by_role("button", name="Enrol kiosk").click()
    address = page.get_by_label("One-time enrolment address")
    address.wait_for(timeout=SHORT)
    url = address.input_value()
    assert url.startswith(f"{server.url}/kiosk/#enrol="), url
    # Opened by 127.0.0.1, so the page says it works only on this machine.
    assert page.locator("#enrol-local-warning").is_visible()
    qr = page.get_by_role("img",
                          name="QR code of the one-time enrolment address for Waiting room 2")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 100")
    page.get_by_role("button", name="Copy address").click()
    page.locator("#enrol-copy-status", has_text="Copied").wait_for(timeout=SHORT)
    assert page.evaluate("() => navigator.clipboard.readText()") == url
    check_dashboard_screen(page, "admin", ["#enrol-copy", "#enrol-qr",
                                           "#kiosk-form button[type='submit']"])

    row = page.locator("#kiosks-table tr[data-kiosk='Waiting room 2']")
    row.locator(".kiosk-state", has_text="offline").wait_for(timeout=SHORT)
    # The kiosk opens the link: the list says online without a reload.
    kiosk = browser.new_context().new_page()
    kiosk.goto(url)
    kiosk.locator("body[data-connection='connected']").wait_for(timeout=SHORT)
    row.locator(".kiosk-state", has_text="online").wait_for(timeout=SHORT)
    # A new link disconnects the device on the old token; the list follows.
    row.get_by_role("button", name="New enrolment link for Waiting room 2").click()
    expect(address).not_to_have_value(url, timeout=SHORT)
    row.locator(".kiosk-state", has_text="offline").wait_for(timeout=SHORT)
    row.get_by_role("button", name="Revoke Waiting room 2").click()
    row.locator(".kiosk-state", has_text="revoked").wait_for(timeout=SHORT)
