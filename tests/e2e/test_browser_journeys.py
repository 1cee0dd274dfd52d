"""Kiosk page and dashboard in Debian's chromium against a real server (real models, scripted).

One server for the module; each journey launches its own browser because the fake microphone
file is a launch flag.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser_fixtures import *  # noqa: F403
from tests.e2e.browser_fixtures import (
    ADMIN,
    axe_check,
    browser_for,
    dashboard_login,
    snap,
    speech_file,
)
from tests.e2e.server_process import LiveServer

pytestmark = [pytest.mark.e2e, pytest.mark.integration, pytest.mark.timeout(300)]

SHORT = 20_000  # ms: screen changes
LONG = 90_000  # ms: speech through the real models on a shared 2-core machine


def create_session(dashboard: Any, label: str, lang: str = "en") -> str:
    """Create a session on the dashboard; return the code it shows."""
    dashboard.goto(dashboard.url.split("#")[0] + "#/today")
    dashboard.get_by_label("Label").fill(label)
    dashboard.get_by_label("Language").select_option(lang)
    dashboard.get_by_role("button", name="Create session").click()
    code: str = dashboard.locator("#session-code").inner_text(timeout=SHORT).strip()
    assert code
    return code


def wait_until(page: Any, predicate: str, *, timeout_ms: int = LONG) -> None:
    """Poll a JS function until it returns true.

    Playwright's wait_for_function polls by eval inside the page, which the pages' CSP
    (script-src 'self') rightly forbids; page.evaluate goes through DevTools instead.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {predicate}")
        page.wait_for_timeout(200)


def open_kiosk(context: Any, server: LiveServer) -> Any:
    page = context.new_page()
    page.goto(f"{server.url}/kiosk/")
    # Set up as staff would by pasting the token (the one-time link is tested on first run).
    page.evaluate("t => localStorage.setItem('reflect.kiosk_token', t)", server.kiosk_token)
    page.reload()
    page.locator("body[data-connection='connected']").wait_for(timeout=SHORT)
    return page


def enter_code_on_keypad(kiosk: Any, code: str) -> None:
    for digit in code:
        kiosk.locator(f"#keypad button[data-key='{digit}']").click()
    assert kiosk.locator("#code-input").input_value() == code
    kiosk.locator("#code-submit").click()


def open_session_view(dashboard: Any, label: str) -> None:
    dashboard.goto(dashboard.url.split("#")[0] + "#/today")
    dashboard.get_by_role("link", name=label).click()
    dashboard.get_by_role("heading", name=label).wait_for(timeout=SHORT)


def assert_accessible(page: Any, name: str) -> None:
    problems = axe_check(page, name)
    assert problems == [], f"{name}: {problems}"


@pytest.fixture
def journey_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def test_full_journey(playwright_driver: Any, reflect_server: LiveServer,
                      journey_dir: Path) -> None:
    """Therapist creates a session; the client speaks two turns, approves and rates; it arrives."""
    mic = speech_file(journey_dir / "full.wav", [
        ("I have been feeling very tired at work this week.", "en-us"),
        ("I want to sleep better and worry less about money.", "en-us"),
    ])
    browser = browser_for(playwright_driver, mic)
    try:
        dashboard = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        dashboard_login(dashboard, reflect_server)
        assert_accessible(dashboard, "dashboard-today")
        code = create_session(dashboard, "Two pm appointment")
        snap(dashboard, "dashboard-new-session")

        kiosk = open_kiosk(browser.new_context(viewport={"width": 1024, "height": 768}),
                           reflect_server)
        assert_accessible(kiosk, "kiosk-code")
        snap(kiosk, "kiosk-code")
        enter_code_on_keypad(kiosk, code)
        kiosk.locator("#screen-consent").wait_for(timeout=SHORT)
        assert kiosk.locator("#consent-text").inner_text().strip()
        assert_accessible(kiosk, "kiosk-consent")
        snap(kiosk, "kiosk-consent")
        kiosk.get_by_role("button", name="Yes, start").click()

        # Two spoken turns through the fake microphone, each answered and played.
        kiosk.locator("#captions li.you").nth(1).wait_for(timeout=LONG)
        you = kiosk.locator("#captions li.you .said").all_inner_texts()
        assert "tired" in you[0].lower()
        assert "sleep" in you[1].lower()
        kiosk.locator("#captions li.kiosk[data-turn='2']").wait_for(timeout=LONG)
        wait_until(kiosk, "() => Number(document.body.dataset.playedChunks || 0) >= 3")
        assert_accessible(kiosk, "kiosk-conversation")
        snap(kiosk, "kiosk-conversation")

        # The therapist sees the live draft while the client is still talking.
        open_session_view(dashboard, "Two pm appointment")
        dashboard.locator("#draft-summary dd").first.wait_for(timeout=LONG)
        assert "DRAFT" in dashboard.locator("#draft-summary").inner_text()
        assert_accessible(dashboard, "dashboard-session-live")
        snap(dashboard, "dashboard-session-live")

        # Finish: the focus question is answered by typing, then the summary review.
        kiosk.get_by_role("button", name="I'm finished").click()
        kiosk.get_by_role("button", name="Type instead").click()
        kiosk.get_by_label("Type your message").fill("I want to talk about my sleep.")
        kiosk.get_by_role("button", name="Send").click()
        kiosk.locator("#screen-review .review-item").first.wait_for(timeout=LONG)
        assert_accessible(kiosk, "kiosk-review")
        snap(kiosk, "kiosk-review")
        kiosk.get_by_role("button", name="Send to my therapist").click()

        kiosk.locator("#screen-feedback").wait_for(timeout=SHORT)
        kiosk.get_by_label("4 out of 5").check()
        kiosk.get_by_label("Anything else you want to tell us? (optional)").fill("Calm.")
        assert_accessible(kiosk, "kiosk-feedback")
        kiosk.get_by_role("button", name="Send feedback").click()
        kiosk.get_by_role("heading", name="Thank you").wait_for(timeout=SHORT)
        assert_accessible(kiosk, "kiosk-thanks")

        approved = dashboard.locator("#approved-summary")
        approved.get_by_text("APPROVED").wait_for(timeout=SHORT)
        assert approved.locator("dd").count() > 0
        snap(dashboard, "dashboard-session-approved")
    finally:
        browser.close()


def test_crisis_journey(playwright_driver: Any, reflect_server: LiveServer,
                        journey_dir: Path) -> None:
    """A crisis utterance: crisis screen at the kiosk, urgent alert with sound, acknowledged."""
    mic = speech_file(journey_dir / "crisis.wav", [
        ("I want to kill myself tonight.", "en-us"),
    ])
    browser = browser_for(playwright_driver, mic)
    try:
        dashboard = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        dashboard_login(dashboard, reflect_server)
        code = create_session(dashboard, "Crisis check")
        kiosk = open_kiosk(browser.new_context(viewport={"width": 1024, "height": 768}),
                           reflect_server)
        enter_code_on_keypad(kiosk, code)
        kiosk.get_by_role("button", name="Yes, start").click()

        crisis = kiosk.locator("#screen-crisis")
        crisis.wait_for(timeout=LONG)
        text = crisis.inner_text()
        assert "988" in text and "741741" in text and "911" in text
        assert "therapist has been notified" in text
        assert kiosk.locator("#mic-button").is_hidden()
        assert_accessible(kiosk, "kiosk-crisis")
        snap(kiosk, "kiosk-crisis")

        banner = dashboard.locator(".alert-banner")
        banner.first.wait_for(timeout=SHORT)
        assert "Urgent" in banner.first.inner_text()
        wait_until(dashboard, "() => Number(document.body.dataset.beeps || 0) >= 1")
        assert_accessible(dashboard, "dashboard-alert")
        snap(dashboard, "dashboard-alert")
        banner.first.get_by_role("button", name="Acknowledge").click()
        banner.first.wait_for(state="detached", timeout=SHORT)
        assert dashboard.locator(".alert-banner").count() == 0
    finally:
        browser.close()


def tab_to(page: Any, selector: str, *, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has focus (proves it is reachable)."""
    target = page.locator(selector).first
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def test_keyboard_only_journey_in_type_instead_mode(playwright_driver: Any,
                                                     reflect_server: LiveServer) -> None:
    """Every kiosk step with the keyboard alone, typing instead of speaking."""
    browser = browser_for(playwright_driver)
    try:
        dashboard = browser.new_context().new_page()
        dashboard_login(dashboard, reflect_server)
        code = create_session(dashboard, "Keyboard visit")
        kiosk = open_kiosk(browser.new_context(viewport={"width": 1024, "height": 768}),
                           reflect_server)

        # Settings dialog: turn on type-instead mode and larger text.
        tab_to(kiosk, "#open-settings")
        kiosk.keyboard.press("Enter")
        assert_accessible(kiosk, "kiosk-settings")
        snap(kiosk, "kiosk-settings")
        tab_to(kiosk, "#type-toggle")
        kiosk.keyboard.press("Space")
        tab_to(kiosk, "#text-larger")
        kiosk.keyboard.press("Enter")
        tab_to(kiosk, "#settings-close")
        kiosk.keyboard.press("Enter")
        assert kiosk.evaluate("document.body.classList.contains('type-mode')")

        tab_to(kiosk, "#code-input")
        kiosk.keyboard.type(code)
        kiosk.keyboard.press("Enter")
        kiosk.locator("#screen-consent").wait_for(timeout=SHORT)
        tab_to(kiosk, "#consent-accept")
        kiosk.keyboard.press("Enter")

        kiosk.locator("#type-input").wait_for(timeout=SHORT)
        tab_to(kiosk, "#type-input")
        kiosk.keyboard.type("I keep worrying about my mother's health.")
        # Send is blocked while the kiosk is thinking (a second text would cut the turn short).
        kiosk.evaluate("""() => {
          const send = document.getElementById('type-send');
          window.sendWasDisabled = false;
          new MutationObserver(() => { if (send.disabled) window.sendWasDisabled = true; })
            .observe(send, { attributes: true });
        }""")
        kiosk.keyboard.press("Enter")
        # A reply after the client's words (the read-aloud consent is not a caption: issue 14).
        kiosk.locator("#captions li.you ~ li.kiosk").first.wait_for(timeout=LONG)
        assert "mother" in kiosk.locator("#captions li.you").first.inner_text()
        assert kiosk.evaluate("window.sendWasDisabled")
        # The end of the reply's playback is reported to the server (`played`).
        wait_until(kiosk, "() => Number(document.body.dataset.playedTurn || 0) > 0")
        wait_until(kiosk, "() => !document.getElementById('type-send').disabled")
        tab_to(kiosk, "#conv-done")
        kiosk.keyboard.press("Enter")
        kiosk.locator("#indicator[data-state]").wait_for()
        tab_to(kiosk, "#type-input")
        kiosk.keyboard.type("How to talk with her doctor.")
        kiosk.keyboard.press("Enter")

        kiosk.locator("#screen-review .review-item").first.wait_for(timeout=LONG)
        before = kiosk.locator("#screen-review .review-item").count()
        tab_to(kiosk, "#screen-review .review-item button:has-text('Remove')")
        kiosk.keyboard.press("Enter")
        # Struck through with an Undo until Send; focus is on that Undo.
        assert kiosk.locator("#screen-review .review-item.removed").count() == 1
        assert kiosk.evaluate("() => document.activeElement.textContent") == "Undo"
        assert kiosk.locator("#screen-review .review-item").count() == before
        tab_to(kiosk, "#review-approve")
        kiosk.keyboard.press("Enter")

        kiosk.locator("#screen-feedback").wait_for(timeout=SHORT)
        tab_to(kiosk, "input[name='rating'][value='1']")
        for _ in range(4):
            kiosk.keyboard.press("ArrowRight")
        assert kiosk.locator("input[name='rating'][value='5']").is_checked()
        tab_to(kiosk, "#feedback-comment")
        kiosk.keyboard.type("Typing worked well.")
        tab_to(kiosk, "#feedback-form button[type='submit']")
        kiosk.keyboard.press("Enter")
        kiosk.get_by_role("heading", name="Thank you").wait_for(timeout=SHORT)
        snap(kiosk, "kiosk-thanks")
    finally:
        browser.close()


def test_spanish_journey(playwright_driver: Any, reflect_server: LiveServer,
                         journey_dir: Path) -> None:
    """Spanish UI, Spanish speech through the multilingual model, Spanish replies spoken."""
    mic = speech_file(journey_dir / "es.wav", [
        ("Hoy me siento muy cansada y un poco triste.", "es"),
    ])
    browser = browser_for(playwright_driver, mic)
    try:
        dashboard = browser.new_context().new_page()
        dashboard_login(dashboard, reflect_server)
        code = create_session(dashboard, "Visita en español", lang="es")
        kiosk = open_kiosk(browser.new_context(viewport={"width": 1024, "height": 768}),
                           reflect_server)
        kiosk.get_by_role("button", name="Español").click()
        kiosk.get_by_role("heading", name="Bienvenido").wait_for()
        assert kiosk.locator("html").get_attribute("lang") == "es"
        enter_code_on_keypad(kiosk, code)
        kiosk.get_by_role("button", name="Sí, empezar").click()
        kiosk.locator("#captions li.you").first.wait_for(timeout=LONG)
        heard = kiosk.locator("#captions li.you .said").first.inner_text().lower()
        assert "cansad" in heard or "triste" in heard
        # A reply after the client's words (the read-aloud consent is not a caption: issue 14).
        kiosk.locator("#captions li.you ~ li.kiosk").first.wait_for(timeout=LONG)
        wait_until(kiosk, "() => Number(document.body.dataset.playedChunks || 0) >= 2")
        assert_accessible(kiosk, "kiosk-conversation-es")
        snap(kiosk, "kiosk-conversation-es")
        # No Spanish Piper voice is configured here, so the server reports espeak-ng for Spanish.
        models = reflect_server.health()["models"]
        assert models["tts_spanish"] == "EspeakTts", models
    finally:
        browser.close()


def test_a_spanish_session_runs_in_spanish_without_the_client_choosing(
        playwright_driver: Any, reflect_server: LiveServer) -> None:
    """The therapist created it in Spanish: the kiosk's screens, consent and replies follow."""
    browser = browser_for(playwright_driver)
    try:
        dashboard = browser.new_context().new_page()
        dashboard_login(dashboard, reflect_server)
        with dashboard.expect_response(lambda r: r.url.endswith("/api/sessions")
                                       and r.request.method == "POST") as answer:
            code = create_session(dashboard, "Sin elegir idioma", lang="es")
        session_id = str(answer.value.json()["session_id"])
        kiosk = open_kiosk(browser.new_context(), reflect_server)
        assert kiosk.locator("html").get_attribute("lang") == "en", "nobody has chosen yet"
        enter_code_on_keypad(kiosk, code)
        kiosk.get_by_role("button", name="Sí, empezar").click(timeout=SHORT)
        assert kiosk.locator("html").get_attribute("lang") == "es"
        kiosk.get_by_role("button", name="Escribir en su lugar").click()
        kiosk.get_by_label("Escribe tu mensaje").fill("Hoy me siento muy cansada en el trabajo.")
        kiosk.get_by_role("button", name="Enviar").click()
        reply = kiosk.locator("#captions li.you ~ li.kiosk").first
        reply.wait_for(timeout=LONG)
        said = f" {reply.inner_text().lower()} "
        assert any(f" {w} " in said for w in ("que", "te", "lo", "estás", "has", "en")), said
        assert not any(f" {w} " in said for w in ("you", "the", "that", "what")), said
        detail = dashboard.request.get(f"{reflect_server.url}/api/sessions/{session_id}").json()
        assert detail["session"]["language"] == "es", "the conversation ran in Spanish"
    finally:
        browser.close()


def create_session_with_id(dashboard: Any, label: str) -> tuple[str, str]:
    """Create a session on the dashboard; return (code, session id from the API answer)."""
    with dashboard.expect_response(lambda r: r.url.endswith("/api/sessions")
                                   and r.request.method == "POST") as answer:
        code = create_session(dashboard, label)
    return code, str(answer.value.json()["session_id"])


def test_decline_erase_and_staff_pages(playwright_driver: Any,
                                       reflect_server: LiveServer) -> None:
    """Declining records nothing; end-and-erase erases; history, admin and about pages pass axe."""
    browser = browser_for(playwright_driver)
    try:
        dashboard = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
        dashboard.goto(f"{reflect_server.url}/dashboard/")
        dashboard.get_by_role("heading", name="Sign in").wait_for()
        assert_accessible(dashboard, "dashboard-login")
        snap(dashboard, "dashboard-login")
        dashboard_login(dashboard, reflect_server)
        kiosk = open_kiosk(browser.new_context(viewport={"width": 1024, "height": 768}),
                           reflect_server)

        code, declined_id = create_session_with_id(dashboard, "Declines")
        enter_code_on_keypad(kiosk, code)
        kiosk.get_by_role("button", name="No, thank you").click()
        kiosk.get_by_role("heading", name="No problem").wait_for(timeout=SHORT)
        assert "Nothing was recorded" in kiosk.locator("#screen-message").inner_text()
        assert_accessible(kiosk, "kiosk-declined")
        detail = dashboard.request.get(f"{reflect_server.url}/api/sessions/{declined_id}").json()
        assert detail["turns"] == [] and detail["summary"] is None
        kiosk.get_by_role("button", name="Finish").click()
        kiosk.get_by_role("heading", name="Welcome").wait_for(timeout=SHORT)

        code, erased_id = create_session_with_id(dashboard, "Erases")
        enter_code_on_keypad(kiosk, code)
        kiosk.get_by_role("button", name="Yes, start").click()
        kiosk.get_by_role("button", name="Type instead").click()
        kiosk.get_by_label("Type your message").fill("Work has been hard lately.")
        kiosk.get_by_role("button", name="Send").click()
        kiosk.locator("#captions li.kiosk[data-turn]").nth(1).wait_for(timeout=LONG)
        kiosk.get_by_role("button", name="End and erase").click()
        assert_accessible(kiosk, "kiosk-end-dialog")
        kiosk.get_by_role("button", name="Yes, end and erase").click()
        kiosk.get_by_role("heading", name="Everything is erased").wait_for(timeout=SHORT)
        assert kiosk.locator("#captions li").count() == 0 or kiosk.locator(
            "#screen-conversation").is_hidden()
        detail = dashboard.request.get(f"{reflect_server.url}/api/sessions/{erased_id}").json()
        assert detail["session"]["status"] == "erased"
        assert detail["turns"] == []

        dashboard.get_by_role("link", name="History").click()
        dashboard.get_by_role("heading", name="History").wait_for()
        assert_accessible(dashboard, "dashboard-history")
        dashboard.get_by_role("button", name="Sign out").click()
        dashboard_login(dashboard, reflect_server, ADMIN)
        dashboard.get_by_role("link", name="Admin").click()
        dashboard.get_by_role("heading", name="Kiosks").wait_for()
        dashboard.get_by_label("Kiosk name").fill("Front hall")
        dashboard.get_by_role("button", name="Enrol kiosk").click()
        token = dashboard.get_by_label("One-time enrolment address")
        token.wait_for(timeout=SHORT)
        assert "/kiosk/#enrol=" in token.input_value()  # issue 19: a one-time link, no token
        assert_accessible(dashboard, "dashboard-admin")
        snap(dashboard, "dashboard-admin")
        dashboard.get_by_role("link", name="About this tool").click()
        dashboard.get_by_role("heading", name="How risk detection works").wait_for()
        assert_accessible(dashboard, "dashboard-about")
    finally:
        browser.close()


def test_dashboard_reconnects_and_resumes_from_last_seq(playwright_driver: Any,
                                                         reflect_server: LiveServer) -> None:
    """A dropped therapist socket shows "Reconnecting…" and resumes with hello{last_seq}."""
    hellos: list[dict[str, Any]] = []
    seqs: list[int] = []
    routes: list[Any] = []

    def relay(route: Any) -> None:
        upstream = route.connect_to_server()

        def from_page(message: str | bytes) -> None:
            if isinstance(message, str) and json.loads(message).get("type") == "hello":
                hellos.append(json.loads(message))
            upstream.send(message)

        def from_server(message: str | bytes) -> None:
            if isinstance(message, str) and json.loads(message).get("type") == "event":
                seqs.append(int(json.loads(message)["seq"]))
            route.send(message)

        route.on_message(from_page)
        upstream.on_message(from_server)
        routes.append(route)

    browser = browser_for(playwright_driver)
    try:
        page = browser.new_context().new_page()
        page.route_web_socket("**/ws/therapist", relay)
        dashboard_login(page, reflect_server)
        page.locator("#live-status[data-state='live']").wait_for(timeout=SHORT)
        create_session(page, "Before the drop")
        wait_until(page, "() => document.querySelector('#session-list').innerText"
                   ".includes('Before the drop')", timeout_ms=SHORT)
        page.wait_for_timeout(500)  # let the session_created event arrive
        assert seqs, "no live event reached the dashboard"
        seen = max(seqs)

        routes[-1].close(code=1001, reason="network blip")
        status = page.locator("#live-status")
        page.locator("#live-status[data-state='reconnecting']").wait_for(timeout=SHORT)
        assert status.inner_text() == "Reconnecting…"
        page.locator("#live-status[data-state='live']").wait_for(timeout=SHORT)
        assert len(hellos) == 2
        assert hellos[0]["last_seq"] in (0, None)
        assert hellos[1]["last_seq"] == seen
        # Nothing is replayed twice: the server sends only what came after last_seq.
        assert len(seqs) == len(set(seqs))
    finally:
        browser.close()
