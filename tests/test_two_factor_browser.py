"""Acceptance 2 of the security issue in a real Chromium: enrol TOTP from the QR page, log
out, log in with password and code, and with a recovery code once (the second use fails)."""

import time
from pathlib import Path

import pyotp
import pytest

from app import users

from .conftest import login_page
from .factories import CHEAP_HASH
from .test_browser_shell import open_menu

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "two-factor"
PASSWORD = "lang genoeg wachtwoord"
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "nl-NL"}


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def staff_member(live_server, username: str) -> None:
    """Add an office user to a real (non-demo) team on the live server."""
    db = live_server.db()
    try:
        row = db.execute("select id from teams where name = 'Wijkteam Noord'").fetchone()
        team_id = row[0] if row else users.create_team(db, "Wijkteam Noord")
        users.create_user(
            db,
            username=username,
            display_name="Kim Kantoor",
            role=users.OFFICE,
            team_id=team_id,
            password=PASSWORD,
            hash_method=CHEAP_HASH,
        )
    finally:
        db.conn.close()


def submit(page, selector: str = "main button[type=submit]") -> None:
    """Press a form's button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(selector)


def log_out(page) -> None:
    open_menu(page)
    page.click(".app-menu form button[type=submit]")
    page.wait_for_url("**/login")


def sign_in(context, base: str, username: str) -> object:
    """Type the password on the login page; return the page at the second step."""
    page = login_page(context, base, username, PASSWORD)
    assert page.url.endswith("/login/tweede-stap")
    return page


def test_enrol_then_log_in_with_a_code_and_once_with_a_recovery_code(live_server, phone):
    base = live_server.url
    staff_member(live_server, "kim.kantoor")
    page = login_page(phone, base, "kim.kantoor", PASSWORD)
    # The office role must have a second factor: the first page is the enrolment.
    assert page.url.endswith("/account/tweestaps")
    qr = page.locator("img.qr-code")
    assert qr.is_visible() and qr.evaluate("img => img.naturalWidth") > 100
    shot(page, "1-enrol-phone")
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    field = page.locator("#f-code")
    assert field.get_attribute("autocomplete") == "one-time-code"
    assert field.get_attribute("inputmode") == "numeric"
    field.fill(totp.now())
    submit(page, "button[type=submit].big-button")
    codes = page.locator("li.recovery-code code").all_inner_texts()
    shot(page, "debug")
    assert len(codes) == 10
    shot(page, "2-recovery-codes-phone")
    log_out(page)

    page = sign_in(phone, base, "kim.kantoor")
    assert page.locator("#f-code").get_attribute("autocomplete") == "one-time-code"
    shot(page, "3-second-step-phone")
    # The code of the next 30-second step: the enrolment spent the current one.
    page.fill("#f-code", totp.at(time.time() + 30))
    submit(page)
    assert page.url == base + "/"
    assert "Kim Kantoor" in page.locator(".app-user").text_content()
    log_out(page)

    page = sign_in(phone, base, "kim.kantoor")
    page.click("details.recovery-entry summary")  # a phone's number pad has no letters
    assert page.locator("#f-recovery_code").get_attribute("inputmode") is None
    page.fill("#f-recovery_code", codes[0])
    submit(page)
    assert page.url == base + "/"
    assert page.get_by_text("U gebruikte een herstelcode; er zijn er nog 9 over.").is_visible()
    shot(page, "4-signed-in-with-recovery-code-phone")
    log_out(page)

    page = sign_in(phone, base, "kim.kantoor")
    page.click("details.recovery-entry summary")
    page.fill("#f-recovery_code", codes[0])
    submit(page)
    assert page.url.endswith("/login/tweede-stap")
    assert "klopt niet" in page.locator("[role=alert]").inner_text()
    shot(page, "5-recovery-code-used-twice-phone")


def test_the_enrolment_page_on_the_office_screen(live_server, browser):
    staff_member(live_server, "kim.desktop")
    context = browser.new_context(**DESKTOP)
    try:
        page = login_page(context, live_server.url, "kim.desktop", PASSWORD)
        assert page.url.endswith("/account/tweestaps")
        assert page.locator("img.qr-code").is_visible()
        shot(page, "6-enrol-desktop")
    finally:
        context.close()


def test_the_demo_team_says_it_signs_in_without_a_second_factor(live_server, phone):
    page = login_page(phone, live_server.url, "demo-medewerker")
    assert page.url == live_server.url + "/"
    banner = page.locator(".demo-banner")
    assert banner.is_visible() and "zonder tweestapsverificatie" in banner.inner_text()
    shot(page, "7-demo-banner-phone")
