"""Issue 14: each kiosk screen's main button is on screen, unscrolled, at every size and text size.

One typed visit per text size (100% and 200%, set with the kiosk's own text-size control); on
each screen the window is resized to each clinic screen (landscape, portrait tablet, portrait
kiosk), the primary action is checked visible and not covered, and axe runs.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import ROOT, axe_check, browser_for, dashboard_login, snap
from tests.e2e.server_process import LiveServer
from tests.e2e.test_browser_journeys import create_session, open_kiosk

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(400)]

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
