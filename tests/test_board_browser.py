"""The office's live board in a real Chromium: it can never go quietly stale, it sounds until
an alarm is acknowledged, it acknowledges and resolves in place, and it fits a monitor and a
phone. These wait in real time only where real time is the point (a server that stops)."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import sessions, users
from app.clock import iso
from app.escalation import actions, alarms, pins

from .conftest import CHROMIUM_ARGS, LiveServer, chromium_path, login_page, wait_for_worker
from .factories import make_visit, user_id
from .test_escalation_browser import _axe, server_app

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "locale": "nl-NL"}
PHONE = {"viewport": {"width": 360, "height": 640}, "locale": "nl-NL", "is_mobile": True}
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
OVERFLOW_JS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
STATE_JS = "() => ({sounds: vopBoard.sounds, lastOk: vopBoard.lastOk, now: Date.now()})"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of this module's own: these tests stop it and start it again."""
    live = LiveServer(
        tmp_path_factory.mktemp("board-live"),
        {"VOP_PUSH_HOSTS": "127.0.0.1", "VOP_ESCALATOR_TICK_SECONDS": "0.25"},
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def loud_browser(playwright_instance):
    """Chromium that may play sound without a click (the board's sound is counted)."""
    browser = playwright_instance.chromium.launch(
        executable_path=chromium_path(),
        args=[*CHROMIUM_ARGS, "--autoplay-policy=no-user-gesture-required"],
    )
    yield browser
    browser.close()


@pytest.fixture(autouse=True)
def no_open_alarms(server):
    """Every test starts with a quiet board: earlier alarms are resolved."""
    with server_app(server) as (_app, db):
        office = users.User(users.get_user(db, user_id(db, "demo-kantoor")))
        # Read them all first: a write while the select is still open would find its snapshot
        # stale once the server's escalator wrote, and fail at once with "database is locked".
        open_ids = [r[0] for r in db.execute("select id from alarms where status != 'resolved'")]
        for alarm_id in open_ids:
            alarms.resolve(db, alarm_id, office, "test_alarm", "Opgeruimd na de test", "end")
    yield


def _worker(db) -> users.User:
    return users.User(users.get_user(db, user_id(db, "demo-medewerker")))


def panic_alarm(server, house: str, location=None) -> int:
    """A running visit whose worker holds the ALARM button; return the visit id."""
    with server_app(server) as (_app, db):
        visit_id = make_visit(db, expected_minutes=120, house_number=house)
        actions.check_in(db, visit_id, _worker(db), at=None)
        actions.panic(db, visit_id, _worker(db), at=None, location=location)
    return visit_id


def overdue_alarm(server, house: str) -> int:
    """A visit checked in 70 minutes ago for an hour: its alarm goes out at once (late)."""
    with server_app(server) as (_app, db):
        visit_id = make_visit(db, expected_minutes=60, house_number=house)
        start = datetime.now(UTC) - timedelta(minutes=70)
        actions.check_in(db, visit_id, _worker(db), at=iso(start))
    return visit_id


def duress_alarm(server, house: str) -> int:
    """A running visit checked out with the duress PIN."""
    with server_app(server) as (_app, db):
        pins.save_pins(db, user_id(db, "demo-medewerker"), "1234", "4711")
        visit_id = make_visit(db, expected_minutes=120, house_number=house)
        actions.check_in(db, visit_id, _worker(db), at=None)
        actions.check_out(db, visit_id, _worker(db), at=None, pin="4711")
    return visit_id


def _board(context, server):
    page = login_page(context, server.url, "demo-kantoor")
    page.goto(server.url + "/kantoor/")
    page.locator("[data-board-live]").wait_for()
    page.evaluate("() => { window.vopMarker = 'same page'; }")  # gone after any reload
    return page


def _still_same_page(page) -> bool:
    return page.evaluate("() => window.vopMarker") == "same page"


def _wait(condition, timeout: float = 15, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def test_the_board_says_loudly_when_the_server_stops_and_clears_when_it_is_back(
    loud_browser, server
):
    context = loud_browser.new_context(**DESKTOP)
    try:
        page = _board(context, server)
        banner = page.locator("[data-watchdog]")
        title = page.title()
        assert banner.is_hidden()
        before = page.evaluate(STATE_JS)
        server.stop()
        banner.wait_for(state="visible", timeout=12_000)
        shown = page.evaluate(STATE_JS)
        waited = (shown["now"] - shown["lastOk"]) / 1000
        print(f"banner {waited:.1f} s after the last successful update (server stopped)")
        assert waited <= 10
        last_ok = page.evaluate(
            "() => new Date(vopBoard.lastOk).toLocaleTimeString('nl-NL', "
            "{timeZone: 'Europe/Amsterdam', hour12: false})"
        )
        text = banner.inner_text()
        assert f"Bord werkt niet bij sinds {last_ok}" in text
        assert "Geen verbinding met de server" in text
        assert page.title().startswith("⚠ BORD WERKT NIET BIJ")
        _wait(lambda: page.evaluate(STATE_JS)["sounds"] > before["sounds"], timeout=5)
        server.start()
        banner.wait_for(state="hidden", timeout=15_000)
        assert page.title() == title and _still_same_page(page)
    finally:
        if server.process.poll() is not None:
            server.start()
        context.close()


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (503, "De server geeft een fout (503)"),
        (500, "De server geeft een fout (500)"),
        (403, "Geen toegang meer tot het bord (403)"),
    ],
)
def test_a_server_error_or_a_refusal_shows_the_banner_and_it_clears(
    browser, server, status, reason
):
    context = browser.new_context(**DESKTOP)
    try:
        page = _board(context, server)
        banner = page.locator("[data-watchdog]")
        # Every poll from now on gets this answer, as from a proxy or a failing server.
        page.route("**/kantoor/live", lambda route: route.fulfill(status=status, body="fout"))
        banner.wait_for(state="visible", timeout=12_000)
        state = page.evaluate(STATE_JS)
        waited = (state["now"] - state["lastOk"]) / 1000
        print(f"{status}: banner {waited:.1f} s after the last successful update")
        assert waited <= 10 and reason in banner.inner_text()
        page.unroute("**/kantoor/live")
        banner.wait_for(state="hidden", timeout=10_000)
        assert _still_same_page(page)
    finally:
        context.close()


def test_an_ended_session_shows_at_once_and_the_login_returns_to_the_board(browser, server):
    context = browser.new_context(**DESKTOP)
    try:
        page = _board(context, server)
        banner = page.locator("[data-watchdog]")
        with server_app(server) as (_app, db):
            sessions.end_all(db, user_id(db, "demo-kantoor"), "test")
        ended = time.time()
        banner.wait_for(state="visible", timeout=12_000)
        print(f"banner {time.time() - ended:.1f} s after the session was ended on the server")
        assert "Uw sessie is afgelopen" in banner.inner_text()
        state = page.evaluate(STATE_JS)
        assert (state["now"] - state["lastOk"]) / 1000 <= 10
        banner.get_by_role("link", name="Opnieuw inloggen en terug naar het bord").click()
        page.wait_for_url("**/login?next=%2Fkantoor%2F")
        page.fill("#f-username", "demo-kantoor")
        page.fill("#f-password", "demo-wachtwoord")
        page.click("button[type=submit]")
        page.wait_for_url(server.url + "/kantoor/")
        page.locator("[data-board-live]").wait_for()
        page.wait_for_timeout(2500)  # a poll or two with the new session
        assert page.locator("[data-watchdog]").is_hidden()
    finally:
        context.close()


def test_an_alarm_sounds_until_acknowledged_and_the_next_one_sounds_without_a_click(
    loud_browser, server
):
    context = loud_browser.new_context(**DESKTOP)
    try:
        page = _board(context, server)
        assert page.locator("[data-sound-blocked]").is_hidden()
        quiet = page.evaluate(STATE_JS)["sounds"]
        page.wait_for_timeout(4000)
        assert page.evaluate(STATE_JS)["sounds"] == quiet  # no alarm, no sound
        panic_alarm(server, "81")
        card = page.locator("article.esc-alarm", has_text="Domplein 81")
        card.wait_for(timeout=10_000)
        start = page.evaluate(STATE_JS)["sounds"]
        # It sounds every 3 s, on the board's 1-second tick: 10 s hold two repeats for sure.
        page.wait_for_timeout(10_000)
        sounded = page.evaluate(STATE_JS)["sounds"] - start
        print(f"{sounded} sounds in 10 s while the panic was open")
        assert sounded >= 2  # again and again, not once
        assert page.title().startswith("(1) ALARM")
        card.get_by_role("button", name="Bevestigen: ik pak dit op").click()
        card.locator(".esc-alarm__status", has_text="Bevestigd door Kees Kantoor").wait_for()
        page.locator("#board-notice", has_text="Alarm bevestigd.").wait_for()
        assert _still_same_page(page)  # swapped in place, no reload
        after_ack = page.evaluate(STATE_JS)["sounds"]
        page.wait_for_timeout(5000)
        assert page.evaluate(STATE_JS)["sounds"] == after_ack  # acknowledged: quiet
        overdue_alarm(server, "82")  # a second alarm: sounds again, nobody clicked
        page.locator("article.esc-alarm", has_text="Domplein 82").wait_for(timeout=10_000)
        _wait(lambda: page.evaluate(STATE_JS)["sounds"] > after_ack, timeout=6)
        # Resolve the first in place: the visit is still running, so the officer chooses.
        card.get_by_label("Hoe liep het af?").select_option("false_alarm")
        card.get_by_label("Notitie").fill("Per ongeluk ingedrukt, gebeld")
        card.get_by_label("Bezoek loopt door: timer en escalatie blijven aan").check()
        card.get_by_role("button", name="Afhandelen").click()
        page.locator("#board-notice", has_text="Alarm afgehandeld.").wait_for()
        page.locator("article.esc-alarm", has_text="Domplein 81").wait_for(state="detached")
        assert _still_same_page(page)
        with server_app(server) as (_app, db):
            visit = db.execute(
                "select status from visits where house_number = '81' order by id desc"
            ).fetchone()
        assert visit[0] == "running"
    finally:
        context.close()


def test_when_the_browser_holds_sound_back_the_board_says_so_until_a_click(browser, server):
    context = browser.new_context(**DESKTOP)  # Chromium's own rule: no sound before a click
    try:
        page = _board(context, server)
        blocked = page.locator("[data-sound-blocked]")
        blocked.wait_for(state="visible")
        assert page.evaluate("() => vopBoard.audio.state") == "suspended"
        assert "Geluid staat uit" in blocked.inner_text()
        blocked.get_by_role("button", name="Klik hier om het geluid aan te zetten").click()
        blocked.wait_for(state="hidden")
        assert page.evaluate("() => vopBoard.audio.state") == "running"
        # Turned off on purpose: the device remembers it across a reload.
        page.get_by_role("button", name="Geluid staat aan (uitzetten)").click()
        page.reload()
        page.locator("[data-sound-muted]").wait_for(state="visible")
        assert page.get_by_role("button", name="Geluid staat uit (aanzetten)").is_visible()
        page.get_by_role("button", name="Geluid staat uit (aanzetten)").click()
        page.locator("[data-sound-muted]").wait_for(state="hidden")
    finally:
        context.close()


def test_fifteen_minutes_before_the_session_limit_the_board_offers_a_new_login(browser, server):
    context = browser.new_context(**DESKTOP)
    try:
        page = _board(context, server)
        warning = page.locator("[data-session-warning]")
        assert warning.is_hidden()
        with server_app(server) as (_app, db):
            almost = iso(datetime.now(UTC) - timedelta(hours=11, minutes=50))
            db.execute(
                "update user_sessions set created_at = ? where user_id = ? and ended_at is null",
                [almost, user_id(db, "demo-kantoor")],
            )
        warning.wait_for(state="visible", timeout=10_000)
        assert "Uw sessie eindigt om" in warning.inner_text()
        warning.get_by_label("Wachtwoord").fill("demo-wachtwoord")
        warning.get_by_role("button", name="Opnieuw inloggen").click()
        warning.get_by_text("U bent opnieuw ingelogd. Het bord werkt door.").wait_for()
        warning.wait_for(state="hidden", timeout=10_000)
        assert _still_same_page(page)
        # The new session's token works: an alarm is acknowledged from the same page.
        panic_alarm(server, "83")
        card = page.locator("article.esc-alarm", has_text="Domplein 83")
        card.wait_for(timeout=10_000)
        card.get_by_role("button", name="Bevestigen: ik pak dit op").click()
        card.locator(".esc-alarm__status", has_text="Bevestigd door Kees Kantoor").wait_for()
    finally:
        context.close()


def test_a_new_alarm_in_a_background_tab_shows_a_desktop_notification(browser, server):
    context = browser.new_context(**DESKTOP)
    context.grant_permissions(["notifications"], origin=server.url)
    context.add_init_script(
        "Object.defineProperty(document, 'visibilityState', {get: () => 'hidden'});"
    )
    try:
        page = _board(context, server)
        wait_for_worker(page)
        visit_id = panic_alarm(server, "84")
        page.locator("article.esc-alarm", has_text="Domplein 84").wait_for(timeout=10_000)
        with server_app(server) as (_app, db):
            alarm_id = db.execute(
                "select id from alarms where visit_id = ?", [visit_id]
            ).fetchone()[0]
        shown = page.evaluate(
            """() => navigator.serviceWorker.ready.then(async (registration) => {
                for (let i = 0; i < 50; i++) {
                    const list = await registration.getNotifications();
                    if (list.length) return list.map((n) => ({title: n.title, tag: n.tag}));
                    await new Promise((r) => setTimeout(r, 100));
                }
                return [];
            })"""
        )
        assert {"title": "Paniekalarm: Demi Medewerker", "tag": f"vop-panic-{alarm_id}"} in shown
    finally:
        context.close()


@pytest.mark.parametrize(("name", "size"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_board_with_a_panic_a_duress_and_an_overdue_alarm(
    browser, server, name, size
):
    panic_alarm(server, "91", location=(52.09073, 5.12142, 25))
    duress_alarm(server, "92")
    overdue_alarm(server, "93")
    context = browser.new_context(**size)
    try:
        page = _board(context, server)
        for house in ("91", "92", "93"):
            page.locator("article.esc-alarm", has_text=f"Domplein {house}").wait_for(
                timeout=10_000
            )
        badges = page.locator(".esc-badge").all_inner_texts()
        assert {"PANIEK", "STIL ALARM (DWANG)", "NIET UITGECHECKT"} <= {b.upper() for b in badges}
        page.wait_for_timeout(1500)  # the live clocks have ticked
        overflow = page.evaluate(OVERFLOW_JS)
        assert overflow <= 0, f"the board is {overflow} px wider than the screen"
        assert _axe(page) == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"board-{name}.png"), full_page=False)
        page.screenshot(path=str(ARTIFACTS / f"board-{name}-full.png"), full_page=True)
        for house in ("91", "92", "93"):  # each card on its own, to look at closely
            # Clipped from the page: the poll may swap the card itself at any moment.
            box = page.locator("article.esc-alarm", has_text=f"Domplein {house}").bounding_box()
            page.screenshot(
                path=str(ARTIFACTS / f"board-{name}-alarm-{house}.png"), full_page=True, clip=box
            )
    finally:
        context.close()


def test_the_board_says_when_the_escalator_stops_ticking(browser, server):
    context = browser.new_context(**DESKTOP)
    try:
        page = _board(context, server)
        banner = page.locator(".esc-degraded")
        assert banner.count() == 0
        with server_app(server) as (_app, db):  # another holder takes the lease: no ticks
            later = iso(datetime.now(UTC) + timedelta(minutes=5))
            db.execute("update escalator_lease set holder = 'elsewhere', expires_at = ?", [later])
        banner.wait_for(timeout=20_000)
        assert "De escalatie staat stil" in banner.inner_text()
        assert page.title().startswith("⚠ ESCALATIE STAAT STIL")
        with server_app(server) as (_app, db):
            db.execute("update escalator_lease set expires_at = null")
        banner.wait_for(state="detached", timeout=15_000)
    finally:
        context.close()


@pytest.mark.parametrize(("name", "size"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_screenshots_of_the_policy_editor_in_minutes_and_seconds(browser, server, name, size):
    context = browser.new_context(**size)
    try:
        page = login_page(context, server.url, "demo-coordinator")
        page.goto(server.url + "/kantoor/escalatiebeleid")
        assert page.input_value("#f-step-1-delay-min") == "5"
        assert "Let op:" in page.locator(".esc-warnings").first.inner_text()
        assert page.evaluate(OVERFLOW_JS) <= 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"policy-{name}.png"), full_page=False)
        page.locator("fieldset.esc-step").nth(1).screenshot(
            path=str(ARTIFACTS / f"policy-{name}-step-2.png")
        )
        assert _axe(page) == []
    finally:
        context.close()
