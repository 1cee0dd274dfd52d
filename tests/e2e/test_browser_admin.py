"""Dashboard account and admin screens in Debian's chromium against a real server.

A one-time-password user is forced to choose a password before anything else; the admin area
creates an account (one-time password shown once), pages and verifies the audit log; the account
page enrols TOTP; a session label survives a reload; a break-glass read reaches the therapist.
"""

from __future__ import annotations

import re
from typing import Any

import pyotp
import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import (
    THERAPIST,
    axe_check,
    browser_for,
    dashboard_login,
    snap,
)
from tests.e2e.server_process import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(240)]

SHORT = 20_000  # ms
NEW_PASSWORD = "quiet meadow lantern 58"


def assert_accessible(page: Any, name: str) -> None:
    problems = axe_check(page, name)
    assert problems == [], f"{name}: {problems}"


def one_time_user(server: LiveServer, username: str, role: str) -> str:
    """Create an account the way an operator does without --password-stdin; its password."""
    printed = server.cli("admin", "create-user", username, "--role", role)
    match = re.search(r"one-time password[^:]*:\s*(\S+)", printed)
    assert match, printed
    return match.group(1)


def api_post(page: Any, server: LiveServer, path: str, body: dict[str, Any]) -> Any:
    """POST as the page's signed-in user (cookie + double-submit CSRF header)."""
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "reflect_csrf")
    response = page.request.post(f"{server.url}{path}", data=body, headers={"X-CSRF-Token": csrf})
    assert response.ok, response.text()
    return response.json()


def force_password_change(page: Any, server: LiveServer, username: str, password: str) -> None:
    """Sign in with a one-time password, meet the forced change screen, choose a new one."""
    page.goto(f"{server.url}/dashboard/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Choose your own password").wait_for(timeout=SHORT)
    assert page.locator("#nav").is_hidden()
    # No other screen is reachable until the password is changed.
    page.goto(f"{server.url}/dashboard/#/admin")
    page.get_by_role("heading", name="Choose your own password").wait_for(timeout=SHORT)
    page.get_by_label("One-time password").fill(password)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD + "typo")
    page.get_by_role("button", name="Change password").click()
    assert "do not match" in page.locator("#password-error").inner_text(timeout=SHORT)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Change password").click()


def test_one_time_password_admin_area_account_and_break_glass(
    playwright_driver: Any, reflect_server: LiveServer
) -> None:
    admin_name = "ops_olu"
    first_password = one_time_user(reflect_server, admin_name, "admin")
    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        page.goto(f"{reflect_server.url}/dashboard/")
        page.get_by_label("Username").fill(admin_name)
        page.get_by_label("Password").fill(first_password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Choose your own password").wait_for(timeout=SHORT)
        assert_accessible(page, "dashboard-change-password")
        snap(page, "dashboard-change-password")
        page.get_by_role("button", name="Sign out").click()
        page.get_by_role("heading", name="Sign in").wait_for(timeout=SHORT)

        force_password_change(page, reflect_server, admin_name, first_password)
        # Signed in for real: on to the page asked for before the change (the admin area).
        page.get_by_role("heading", name="Admin", exact=True).wait_for(timeout=SHORT)
        assert page.locator("#nav").is_visible()
        page.locator("#live-status[data-state='live']").wait_for(timeout=SHORT)

        # Admin area: a new account gets a one-time password, shown once.
        page.locator("#users-table").wait_for(timeout=SHORT)
        page.get_by_label("Username").fill("dr_new")
        page.get_by_label("Display name").fill("Dr New")
        page.get_by_label("Role").select_option("therapist")
        page.get_by_role("button", name="Add account").click()
        shown = page.locator("#one-time-password").inner_text(timeout=SHORT).strip()
        assert len(shown) >= 12
        row = page.locator("#users-table tr[data-username='dr_new']")
        row.wait_for(timeout=SHORT)
        assert "must change password" in row.inner_text()

        # The audit log shows what just happened, and its chain verifies.
        audit = page.locator("#audit-table tbody")
        audit.locator("tr").first.wait_for(timeout=SHORT)
        # Reload: the list now includes the new account.
        page.get_by_role("button", name="Show", exact=True).click()
        page.locator("#audit-table tbody tr", has_text="account.created").first.wait_for(
            timeout=SHORT
        )
        assert "account.password_changed" in audit.inner_text()
        page.get_by_role("button", name="Verify chain").click()
        page.locator("#audit-verify", has_text="Chain intact").wait_for(timeout=SHORT)
        assert_accessible(page, "dashboard-admin-accounts")
        snap(page, "dashboard-admin-accounts")

        # Account page: two-step sign-in set up with the key typed by hand.
        page.get_by_role("link", name="Account").click()
        page.get_by_role("heading", name="Account", exact=True).wait_for(timeout=SHORT)
        page.get_by_role("button", name="Set up two-step sign-in").click()
        secret = page.locator("#totp-secret").inner_text(timeout=SHORT).replace(" ", "")
        assert page.locator("#totp-uri-text").inner_text().startswith("otpauth://totp/")
        assert_accessible(page, "dashboard-account")
        snap(page, "dashboard-account")
        page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
        page.get_by_role("button", name="Turn on two-step sign-in").click()
        # Ten recovery codes, shown once, before the page moves on.
        page.locator("#recovery-codes li").nth(9).wait_for(timeout=SHORT)
        page.get_by_role("button", name="I have saved them").click()
        page.locator("#account-flash", has_text="Two-step sign-in is on").wait_for(timeout=SHORT)

        # A label typed at creation comes back from the server after a reload.
        therapist_id = next(
            u["id"]
            for u in page.request.get(f"{reflect_server.url}/api/admin/users").json()["users"]
            if u["username"] == THERAPIST[0]
        )
        created = api_post(
            page,
            reflect_server,
            "/api/sessions",
            {"therapist_id": therapist_id, "label": "Label after reload"},
        )
        page.goto(f"{reflect_server.url}/dashboard/#/today")
        page.reload()
        page.get_by_role("link", name="Label after reload").click()
        page.get_by_role("heading", name="Emergency access (break-glass)").wait_for(timeout=SHORT)
        assert "audit log" in page.locator("#break-glass-warning").inner_text()
        assert_accessible(page, "dashboard-break-glass")
        page.get_by_label("Reason (required)").fill("Client in crisis, therapist unreachable")
        page.get_by_role("button", name="Read this session under emergency access").click()
        page.locator("#break-glass-content").wait_for(timeout=SHORT)
        assert page.locator("#break-glass-records").is_visible()

        # The therapist sees who read it and why.
        mine = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        dashboard_login(mine, reflect_server, THERAPIST)
        mine.get_by_role("link", name="Label after reload").click()
        records = mine.locator("#break-glass-records")
        records.wait_for(timeout=SHORT)
        assert "therapist unreachable" in records.inner_text()
        assert mine.locator("#break-glass").count() == 0  # the read itself is admins only
        assert created["session_id"] in mine.url
        snap(mine, "dashboard-break-glass-record")
    finally:
        browser.close()
