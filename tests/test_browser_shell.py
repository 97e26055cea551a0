"""The shell in a real Chromium: logins, installability, service worker, offline, accessibility."""

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from .conftest import CHROMIUM_ARGS, PHONE, chromium_path, login_page, wait_for_worker
from .test_auth import HOMES

pytestmark = pytest.mark.browser
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def open_menu(page) -> None:
    """Open the header's menu (account, settings, logout), unless it is open already."""
    if not page.locator("details.app-menu[open]").count():
        page.get_by_text("Menu", exact=True).click()


@pytest.mark.parametrize("username", list(HOMES))
def test_each_demo_user_reaches_their_home_screen(phone, live_server, username):
    page = login_page(phone, live_server.url, username)
    assert page.url == live_server.url + "/"
    assert page.locator("h1").inner_text() == HOMES[username]
    header = page.locator(".app-header").bounding_box()
    assert header["height"] <= 60  # a compact header: the phone's screen is for the work
    open_menu(page)
    box = page.get_by_role("button", name="Uitloggen").bounding_box()
    assert box["height"] >= 44  # a touch target a thumb can hit


def test_wrong_password_shows_a_dutch_message(phone, live_server):
    page = login_page(phone, live_server.url, "demo-medewerker", "verkeerd-wachtwoord")
    assert page.get_by_role("alert").inner_text() == "Gebruikersnaam of wachtwoord klopt niet."


def test_manifest_has_no_installability_errors(playwright_instance, live_server, tmp_path):
    context = playwright_instance.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=chromium_path(), args=CHROMIUM_ARGS, **PHONE
    )
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login")
        wait_for_worker(page)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = json.loads(page.request.get(live_server.url + "/manifest.webmanifest").text())
        assert manifest["display"] == "standalone"
        assert {i["sizes"] for i in manifest["icons"]} == {"192x192", "512x512"}
    finally:
        context.close()


def test_service_worker_controls_the_page_and_serves_offline(phone, live_server):
    page = login_page(phone, live_server.url, "demo-medewerker")
    wait_for_worker(page)
    cached = page.evaluate(
        "caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.keys()))))"
        ".then(lists => lists.flat().map(r => new URL(r.url).pathname))"
    )
    assert "/offline" in cached and any(
        re.match(r"/static/css/app\.\w{10}\.css$", p) for p in cached
    )
    assert "/" not in cached  # never an authenticated page
    phone.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    assert page.locator("h1").inner_text() == "Geen verbinding"
    assert page.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
    # The shell's styles come from the cache too: the header keeps its colour.
    colour = page.eval_on_selector(".app-header", "e => getComputedStyle(e).backgroundColor")
    assert colour == "rgb(21, 66, 115)"
    # The offline page shows nobody's name.
    assert "Demi" not in page.content()
    phone.set_offline(False)
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text() == "Vandaag"


def test_offline_page_shown_for_a_page_never_visited(phone, live_server):
    page = phone.new_page()
    page.goto(live_server.url + "/login")
    wait_for_worker(page)
    phone.set_offline(True)
    response = page.goto(live_server.url + "/account")
    assert response.from_service_worker
    assert page.locator("h1").inner_text() == "Geen verbinding"


def _axe_violations(page) -> list:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


def test_login_screen_has_no_wcag_violations(phone, live_server):
    page = phone.new_page()
    page.goto(live_server.url + "/login")
    assert _axe_violations(page) == []


@pytest.mark.parametrize("username", list(HOMES))
def test_home_screens_have_no_wcag_violations(phone, live_server, username):
    page = login_page(phone, live_server.url, username)
    assert _axe_violations(page) == []


def test_admin_screens_have_no_wcag_violations(phone, live_server):
    page = login_page(phone, live_server.url, "demo-beheer")
    for path in ["/beheer/", "/beheer/gebruikers/nieuw", "/account"]:
        page.goto(live_server.url + path)
        assert _axe_violations(page) == [], path


def test_no_csp_violations_in_the_console(phone, live_server):
    messages = []
    page = phone.new_page()
    page.on("console", lambda m: messages.append(m.text))
    page.goto(live_server.url + "/login")
    page.fill("#f-username", "demo-beheer")
    page.fill("#f-password", "demo-wachtwoord")
    page.click("button[type=submit]")
    page.goto(live_server.url + "/beheer/")
    page.wait_for_load_state("networkidle")
    assert not [m for m in messages if "Content Security Policy" in m]
