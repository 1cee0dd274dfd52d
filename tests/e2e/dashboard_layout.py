"""Checks for the dashboard's screens at the clinic's screen sizes, at 100% and 200% zoom.

Browser zoom at 200% lays a page out in half the CSS pixels of its window, so a 1280x800
window at 200% is a 640x400 layout: that is how each size is checked at 200%.
"""

from __future__ import annotations

import os
from typing import Any

from tests.e2e.browser_fixtures import ROOT, axe_check, snap

SIZES = [(1280, 800), (1080, 1920), (800, 1280)]
ZOOMS = {"100%": 1, "200%": 2}
# REFLECT_UPDATE_SCREENSHOTS=1 regenerates the README's dashboard pictures at this size.
README_SHOT = (1280, 800, "100%")

# "" when the page does not scroll sideways (wide data tables scroll inside their own box).
NO_SIDEWAYS = """() => {
  const extra = document.documentElement.scrollWidth - innerWidth;
  if (extra <= 1) return "";
  // Name the widest element that sticks out (outside tables, which scroll inside themselves).
  const out = [...document.querySelectorAll("body *")].filter((el) =>
    el.getBoundingClientRect().right > innerWidth + 1 && getComputedStyle(el).overflowX !== "auto"
    && !el.parentElement.closest("table"));
  const el = out.at(-1);
  const name = el ? `${el.tagName.toLowerCase()}#${el.id}.${el.className}` : "?";
  return `the page scrolls sideways by ${extra}px (${name})`;
}"""
# "" when the element, scrolled to, is fully inside the window and not covered.
REACHABLE = """(selector) => {
  const el = document.querySelector(selector);
  if (!el) return `missing ${selector}`;
  el.scrollIntoView({ block: "center", inline: "nearest" });
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.height === 0) return `${selector} has no size`;
  if (r.top < 0 || r.left < 0 || r.bottom > innerHeight || r.right > innerWidth)
    return `${selector} at ${Math.round(r.left)},${Math.round(r.top)}, window ${innerWidth}`;
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
  return hit && (hit === el || el.contains(hit)) ? "" : `${selector} is covered`;
}"""


def check_dashboard_screen(page: Any, name: str, selectors: list[str]) -> None:
    """At every size and zoom: no sideways scrolling, the actions reachable, no axe violation."""
    problems: list[str] = []
    for width, height in SIZES:
        for text, zoom in ZOOMS.items():
            page.set_viewport_size({"width": width // zoom, "height": height // zoom})
            page.evaluate("() => window.scrollTo(0, 0)")
            page.wait_for_timeout(150)  # one layout pass after the resize
            where = f"{width}x{height} at {text}"
            if sideways := page.evaluate(NO_SIDEWAYS):
                problems.append(f"{where}: {sideways}")
            problems += [f"{where}: {p}" for s in selectors if (p := page.evaluate(REACHABLE, s))]
            label = f"dashboard-{name}-{width}x{height}-{text}"
            problems += [f"{where}: axe {v}" for v in axe_check(page, label, every_impact=True)]
            # The picture shows the screen's first action (the QR code, the alert, ...).
            page.evaluate("(s) => document.querySelector(s).scrollIntoView({block: 'center'})",
                          selectors[0])
            snap(page, label)
            readme = (width, height, text) == README_SHOT
            if readme and os.environ.get("REFLECT_UPDATE_SCREENSHOTS"):
                page.screenshot(path=str(ROOT / "docs" / "screenshots" / f"dashboard-{name}.png"))
    page.set_viewport_size({"width": 1280, "height": 800})
    assert problems == [], f"dashboard {name}: {problems}"
