"""The dashboard's evaluation report in Debian's chromium against a real server: the chart
loads with its table, disparities are named, the review queue asks for a reason; axe-clean."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import (
    ADMIN,
    THERAPIST,
    axe_check,
    browser_for,
    dashboard_login,
    snap,
)
from tests.e2e.report_seed import MARKER, seed
from tests.e2e.server_process import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]
SHORT = 20_000  # ms


def test_report_page_chart_table_and_review_queue(reflect_server: LiveServer,
                                                   playwright_driver: Any) -> None:
    seed(reflect_server.data_dir, THERAPIST[0])
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_page()
        dashboard_login(page, reflect_server, ADMIN)
        page.get_by_role("link", name="Report").click()
        page.get_by_role("heading", name="Evaluation report", level=1).wait_for(timeout=SHORT)
        chart = page.get_by_role("img", name="Bar chart of the rates by language")
        chart.wait_for(timeout=SHORT)
        page.wait_for_function(
            "() => document.querySelector('.report-chart').naturalWidth > 0", timeout=SHORT)
        rates = page.locator("#rates-table")
        assert "filter block rate" in rates.inner_text()
        assert "reply-filter" in page.locator(".disparities").inner_text()
        assert MARKER not in page.content()
        snap(page, "report")
        problems = axe_check(page, "report")
        assert problems == [], problems

        page.get_by_label("Period").select_option("7d")
        page.get_by_role("button", name="Show").click()
        page.get_by_text("Last 7 days (").wait_for(timeout=SHORT)
        page.get_by_label("Reason for opening").fill("monthly review of flagged replies")
        page.get_by_role("button", name="Open review queue").click()
        queue = page.get_by_role("table", name="Review queue")
        queue.wait_for(timeout=SHORT)
        assert MARKER in queue.inner_text()  # the reviewer, and only the reviewer, reads words
        problems = axe_check(page, "report-review-queue")
        assert problems == [], problems
    finally:
        browser.close()
