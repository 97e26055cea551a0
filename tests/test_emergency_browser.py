"""The worker's emergency path in a real Chromium on a 360x640 phone: the visit screen without
signal, ALARM on every page, the discreet confirmation, PINs, the halfway check, approval,
logging out during a visit, long words and tap targets. Screenshots go to tests/artifacts/.
"""

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from app.escalation import push

from .conftest import CHROMIUM_ARGS, PHONE, LiveServer, chromium_path, login_page, wait_for_worker
from .factories import CHEAP_HASH, assess_visit, make_visit, user_id
from .test_browser_shell import open_menu
from .test_escalation_browser import DESKTOP, _set_seconds_policy, server_app

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "issue-10"
LONG_STREET = "Burgemeester" + "x" * 56 + "laanstraatweg"  # 81 letters, no break
assert len(LONG_STREET) >= 80


@pytest.fixture(scope="module")
def push_service():
    from .push_service import FakePushService

    service = FakePushService()
    yield service
    service.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, push_service):
    """A live server of our own, with the office's and coordinator's phones at a fake push
    service, so the confirmation after ALARM has something true to say."""
    live = LiveServer(
        tmp_path_factory.mktemp("emergency-live"),
        {"VOP_PUSH_HOSTS": "127.0.0.1", "VOP_ESCALATOR_TICK_SECONDS": "0.25"},
    )
    with server_app(live) as (app, db):
        app.config["VOP_PUSH_HOSTS"] = "127.0.0.1"
        for name in ("demo-kantoor", "demo-coordinator"):
            push.save_subscription(db, user_id(db, name), push_service.subscribe(name), "test")
    yield live
    live.stop()


def shoot(page, name: str) -> Path:
    """Save a screenshot of the phone's screen as a test artifact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def query(server, sql: str, params=()) -> list[dict]:
    db = server.db()
    try:
        return [dict(row) for row in db.query(sql, list(params))]
    finally:
        db.conn.close()


def execute(server, sql: str, params=()) -> None:
    db = server.db()
    try:
        db.execute(sql, list(params))
    finally:
        db.conn.close()


def planned(server, **kwargs) -> int:
    db = server.db()
    try:
        return make_visit(db, start_in_minutes=0, **kwargs)
    finally:
        db.conn.close()


def no_running_visits(server) -> None:
    execute(server, "update visits set status = 'ended' where status = 'running'")


def check_in(page, server, visit_id: int) -> None:
    page.goto(f"{server.url}/timer/{visit_id}")
    page.get_by_role("button", name="Inchecken").click()
    page.get_by_role("button", name="Ik ben veilig — bezoek afronden").wait_for()


def hold_alarm(page) -> None:
    box = page.locator(".alarm-bar .esc-panic").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()


def device_record(page) -> dict | None:
    return page.evaluate("() => vopOutbox.device.get()")


def wait_for_record(page, has_visit: bool) -> dict:
    for _ in range(100):
        record = device_record(page)
        if record and bool(record.get("visit")) == has_visit:
            return record
        page.wait_for_timeout(50)
    raise AssertionError(f"device record not as expected: {device_record(page)}")


def assert_live_visit_screen(page, address: str) -> None:
    """The kept visit screen shows the visit, counts down, and has its buttons wired."""
    screen = page.locator("[data-offline-visit]")
    screen.wait_for()
    assert screen.locator("h1").inner_text() == address
    countdown = screen.locator("[data-countdown-text]")
    page.wait_for_function(
        "() => document.querySelector('[data-offline-visit] [data-countdown-text]').textContent"
    )
    first = countdown.inner_text()
    assert first.startswith("nog ")
    page.wait_for_function(
        "(before) => document.querySelector('[data-offline-visit] [data-countdown-text]')"
        ".textContent !== before",
        arg=first,
        timeout=3000,
    )
    visit_id = str(device_record(page)["visit"]["id"])
    for kind in ("check_out", "extend", "panic"):
        forms = page.locator(f'form[data-visit-action="{kind}"]')
        assert forms.count() >= 1, kind
        assert forms.first.get_attribute("data-visit-id") == visit_id, kind
    assert page.locator(".alarm-bar").is_visible()


def outbox(page) -> list[dict]:
    return page.evaluate("() => vopOutbox.allItems()")


# --- acceptance 1: the visit screen without signal ------------------------------------------


class Outage:
    """No signal at all: the phone is offline and the server cannot be reached either.

    Chromium's offline switch does not reach a service worker that starts after it was set
    (microsoft/playwright#2311), as at a cold start; a server that is not there is no signal
    for every part of the browser alike. The server comes back on the same address.
    """

    def __init__(self, server: LiveServer):
        self.server = server

    def begin(self, context) -> None:
        context.set_offline(True)
        self.server.process.terminate()
        self.server.process.wait(10)

    def end(self, context) -> None:
        import subprocess
        import sys

        from .conftest import ROOT, wait_for_server

        flask = [sys.executable, "-m", "flask", "--app", "app", "serve", "--host", "127.0.0.1"]
        self.server.process = subprocess.Popen(
            [*flask, "--port", str(self.server.port)],
            env=self.server.env,
            cwd=ROOT,
            stdout=self.server.log,
            stderr=subprocess.STDOUT,
        )
        wait_for_server(self.server.url + "/healthz")
        context.set_offline(False)


@pytest.fixture
def own_server(tmp_path):
    """A live server for one test: it goes away during the outage and comes back."""
    live = LiveServer(tmp_path / "server")
    yield live
    live.stop()


def test_offline_the_visit_screen_survives_reload_navigation_and_cold_start(
    playwright_instance, own_server, tmp_path
):
    server = own_server
    visit_id = planned(server, house_number="61", expected_minutes=60)
    address = "Domplein 61, 3511AB Utrecht"
    outage = Outage(server)
    profile = str(tmp_path / "phone-profile")
    launch = {"executable_path": chromium_path(), "args": CHROMIUM_ARGS, **PHONE}
    context = playwright_instance.chromium.launch_persistent_context(profile, **launch)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        wait_for_worker(page)
        check_in(page, server, visit_id)
        record = wait_for_record(page, has_visit=True)
        assert record["visit"]["address"] == address and record["language"] == "nl"

        outage.begin(context)
        response = page.reload()  # 1. a reload without signal
        assert response.from_service_worker
        assert_live_visit_screen(page, address)
        shoot(page, "offline-visit-screen")
        due = page.locator('[data-field="due"]').inner_text()
        page.get_by_role("button", name="Verleng 15 min").click()
        page.locator('[data-offline-offer="extend"]').wait_for()
        page.wait_for_function(
            "(before) => document.querySelector('[data-field=\"due\"]').textContent !== before",
            arg=due,
        )

        page.get_by_role("link", name="Veilig op Pad").click()  # 2. home and back
        page.wait_for_url(server.url + "/")
        assert_live_visit_screen(page, address)
        page.go_back()
        page.wait_for_url(f"{server.url}/timer/{visit_id}")
        assert_live_visit_screen(page, address)
        hold_alarm(page)
        offer = page.locator('[data-offline-offer="panic"]')
        offer.wait_for(timeout=5000)
        page.mouse.up()
        assert offer.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
        assert offer.locator('[data-office-link="tel"]').get_attribute("href") == "tel:0622222222"
        shoot(page, "offline-alarm-box")
        assert [i["kind"] for i in outbox(page)] == ["extend", "panic"]
    finally:
        context.close()

    # 3. a cold start: the browser starts again, still without signal.
    context = playwright_instance.chromium.launch_persistent_context(
        profile, offline=True, **launch
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        response = page.goto(server.url + "/")
        assert response.from_service_worker
        assert_live_visit_screen(page, address)
        page.get_by_role("button", name="Ik ben veilig — bezoek afronden").click()
        page.locator('[data-offline-offer="check_out"]').wait_for()
        assert wait_for_record(page, has_visit=False)["visit"] is None  # forgotten at once
        items = outbox(page)
        assert [i["kind"] for i in items] == ["extend", "panic", "check_out"]
        assert query(server, "select status from visits where id = ?", [visit_id]) == [
            {"status": "running"}
        ]

        outage.end(context)  # back online: each action reaches the server once
        # Once they are sent the page shows the visit as it now is (it reloads).
        page.get_by_text("Dit bezoek loopt niet (meer).").or_(
            page.get_by_role("heading", name="Vandaag")
        ).wait_for(timeout=30000)
        page.wait_for_load_state("load")
        assert outbox(page) == []
    finally:
        context.close()
    ids = [i["id"] for i in items]
    marks = ",".join("?" * len(ids))
    receipts = query(
        server, f"select client_id, outcome from sync_receipts where client_id in ({marks})", ids
    )
    assert sorted(r["client_id"] for r in receipts) == sorted(ids)
    assert {r["outcome"] for r in receipts} == {"stored"}
    events = [
        r["event"]
        for r in query(server, "select event from alarm_log where visit_id = ?", [visit_id])
    ]
    assert [events.count(e) for e in ("extended", "panic", "checked_out")] == [1, 1, 1]
    [visit] = query(server, "select status from visits where id = ?", [visit_id])
    assert visit["status"] == "ended"
    alarms = query(server, "select kind from alarms where visit_id = ?", [visit_id])
    assert [a["kind"] for a in alarms] == ["panic"]


def test_the_offline_visit_screen_speaks_the_users_language(browser, server):
    db = server.db()
    try:
        from app import users

        worker = users.create_user(
            db,
            username="worker.en",
            display_name="Wendy Worker",
            role="field_worker",
            team_id=1,
            language="en",
            password="lang genoeg wachtwoord",
            hash_method=CHEAP_HASH,
        )
        visit_id = make_visit(db, "worker.en", start_in_minutes=0, house_number="62")
    finally:
        db.conn.close()
    context = browser.new_context(**PHONE)  # the phone says Dutch; the user chose English
    try:
        page = login_page(context, server.url, "worker.en", "lang genoeg wachtwoord")
        wait_for_worker(page)
        page.goto(f"{server.url}/timer/{visit_id}")
        page.get_by_role("button", name="Check in").click()
        page.get_by_role("button", name="I am safe — end the visit").wait_for()
        wait_for_record(page, has_visit=True)
        context.set_offline(True)
        page.reload()
        page.locator("[data-offline-visit]").wait_for()
        assert page.locator("html").get_attribute("lang") == "en"
        for text in ("I am safe — end the visit", "Extend 15 min", "Hold for 2 seconds"):
            assert page.get_by_text(text).count() >= 1, text
        assert "Wendy" not in page.content()
        shoot(page, "offline-visit-screen-en")
        context.set_offline(False)
    finally:
        context.close()
    assert worker


# --- acceptance 4: the text to the office carries local time ---------------------------------


@pytest.mark.parametrize(
    ("moment", "local"),
    [
        (datetime(2026, 11, 2, 8, 19, tzinfo=UTC), "09:19"),  # winter: UTC+1
        (datetime(2026, 7, 1, 8, 19, tzinfo=UTC), "10:19"),  # summer: UTC+2
    ],
)
def test_the_sms_to_the_office_says_the_time_in_amsterdam(browser, server, moment, local):
    no_running_visits(server)
    visit_id = planned(server, house_number="63")
    context = browser.new_context(**PHONE, timezone_id="UTC")  # a phone set to UTC
    try:
        page = login_page(context, server.url, "demo-medewerker")
        check_in(page, server, visit_id)
        page.clock.set_fixed_time(moment)
        context.set_offline(True)
        page.get_by_role("button", name="Ik ben veilig — bezoek afronden").click()
        offer = page.locator('[data-offline-offer="check_out"]')
        sms = offer.locator('[data-office-link="sms"]').get_attribute("href")
        assert f"om%20{local.replace(':', '%3A')}." in sms, sms
        assert "08%3A19" not in sms
        context.set_offline(False)
    finally:
        context.close()


# --- ALARM everywhere, discreet and honest ---------------------------------------------------


def test_alarm_without_a_visit_from_the_home_screen_is_confirmed_discreetly(
    browser, server, push_service
):
    no_running_visits(server)
    before = len(push_service.received("demo-kantoor"))
    context = browser.new_context(**PHONE)
    context.grant_permissions(["geolocation"], origin=server.url)
    context.set_geolocation({"latitude": 52.09073, "longitude": 5.12142})
    desk = browser.new_context(**DESKTOP)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        shoot(page, "home-screen")
        bar = page.locator(".alarm-bar")
        assert bar.is_visible()
        box = bar.locator(".esc-panic").bounding_box()
        assert box["y"] + box["height"] <= 640 and box["height"] >= 44  # in reach, no scroll
        assert bar.locator("form").get_attribute("data-visit-id") == ""
        bar.locator(".esc-panic").click()  # a tap is not a hold
        assert page.url == server.url + "/"
        hold_alarm(page)
        page.wait_for_url("**/timer/alarm-verstuurd", timeout=8000)
        page.mouse.up()
        status = page.locator("#panic-status")
        status.get_by_text("Doorgestuurd naar 2 personen.").wait_for(timeout=10000)
        status.get_by_text("Op de toestellen van 2 personen aangekomen").wait_for(timeout=10000)
        assert status.get_by_text("Uw locatie is meegestuurd.").count() == 1
        assert page.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
        # Discreet: small, neutral, no alarm colours, no big "ALARM" heading.
        title = page.locator("h1")
        assert title.inner_text() == "Verstuurd"
        size = float(title.evaluate("e => getComputedStyle(e).fontSize").rstrip("px"))
        assert size <= 20
        shoot(page, "panic-confirmation")
        assert len(push_service.wait_for(before + 1, name="demo-kantoor")) >= before + 1
        payload = push_service.received("demo-kantoor")[-1].payload
        assert payload["visit_id"] is None and payload["body"].startswith("geen lopend bezoek")

        office = login_page(desk, server.url, "demo-kantoor")
        card = office.locator("article.esc-alarm", has_text="Geen lopend bezoek")
        card.wait_for()
        assert "Paniekalarm: Demi Medewerker" in card.inner_text()
        assert "52.09073, 5.12142" in card.inner_text()
        office.screenshot(path=str(ARTIFACTS / "board-alarm-without-visit.png"))
        card.get_by_role("link", name="Alarm openen").click()  # a page that does not refresh
        card = office.locator("article.esc-alarm")
        assert "Geen lopend bezoek" in card.inner_text()
        card.get_by_label("Hoe liep het af?").select_option("false_alarm")
        card.get_by_label("Notitie").fill("Per ongeluk ingedrukt, gebeld")
        card.get_by_role("button", name="Afhandelen").click()
        office.get_by_text("Alarm afgehandeld.").wait_for()
    finally:
        context.close()
        desk.close()


def test_the_running_visit_screen_keeps_everything_within_reach(browser, server):
    no_running_visits(server)
    visit_id = planned(server, house_number="64")
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        check_in(page, server, visit_id)
        page.goto(f"{server.url}/bezoeken/{visit_id}")
        shoot(page, "visit-screen")
        header = page.locator(".app-header").bounding_box()
        assert header["height"] <= 60
        for name in ("Ik ben veilig — bezoek afronden", "ALARM"):
            box = page.get_by_role("button", name=name).bounding_box()
            assert box["y"] + box["height"] <= 640, name  # no scrolling for these two
        assert page.locator(".alarm-bar form").get_attribute("data-visit-id") == str(visit_id)
        contact = page.locator(".esc-contact")
        assert contact.get_by_role("link", name="Bel kantoor").get_attribute("href") == (
            "tel:0622222222"
        )
        assert contact.get_by_role("link", name="Sms kantoor").count() == 1
        assert contact.get_by_role("link", name="Bel 112").count() == 1
        assert contact.get_by_role("link", name="Protocolkaart").count() == 1
    finally:
        context.close()


# --- acceptance 3 on the phone: PINs, the halfway check, approval ----------------------------


def test_pins_on_the_phone(browser, server):
    no_running_visits(server)
    visit_id = planned(server, house_number="65")
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        page.goto(server.url + "/instellingen/")
        page.get_by_label("Uw pincode om uit te checken").fill("2468")
        page.get_by_label("Uw pincode nogmaals").fill("2468")
        page.get_by_label("Noodcode (4 tot 8 cijfers").fill("1357")
        page.get_by_label("Noodcode nogmaals").fill("1357")
        page.get_by_role("button", name="Pincodes opslaan").click()
        page.get_by_text("Uw pincode en noodcode zijn ingesteld.").wait_for()
        shoot(page, "settings-pins")
        check_in(page, server, visit_id)
        pin = page.get_by_label("Uw pincode")
        for wrong in ("1111", "2222", "3333"):
            pin.fill(wrong)
            page.get_by_role("button", name="Ik ben veilig — bezoek afronden").click()
            refusal = page.locator("#action-errors")
            refusal.wait_for()
            assert refusal.inner_text() == "Onjuiste pincode."
            assert page.url == f"{server.url}/timer/{visit_id}"
        shoot(page, "wrong-pin")
        for _ in range(50):
            kinds = [
                a["kind"]
                for a in query(server, "select kind from alarms where visit_id = ?", [visit_id])
            ]
            if kinds:
                break
            time.sleep(0.1)
        assert kinds == ["wrong_pin"]
        assert query(server, "select status from visits where id = ?", [visit_id]) == [
            {"status": "running"}
        ]
        pin.fill("2468")
        page.get_by_role("button", name="Ik ben veilig — bezoek afronden").click()
        page.get_by_text("Was er een incident?").wait_for()
        assert query(server, "select status from visits where id = ?", [visit_id]) == [
            {"status": "ended"}
        ]
    finally:
        execute(server, "delete from duress_pins")
        context.close()


def _medium_visit(server, house_number: str) -> int:
    """A two-minute visit whose assessment asks for the shorter check-in."""
    db = server.db()
    try:
        visit_id = make_visit(
            db, start_in_minutes=0, expected_minutes=2, assessed=False, house_number=house_number
        )
        assess_visit(db, visit_id, {"bad_news": True, "psychiatric": True})
        return visit_id
    finally:
        db.conn.close()


def test_the_halfway_check_on_the_phone(browser, server):
    _set_seconds_policy(browser, server)  # the alarm 10 s after a missed deadline
    no_running_visits(server)
    answered = _medium_visit(server, "66")
    ignored = _medium_visit(server, "67")
    context = browser.new_context(**PHONE)
    # The phone's clock is 61 s behind: a check-in it stamps makes the halfway point of these
    # two-minute visits a second ago, so the check comes at once instead of after a minute.
    context.clock.install(time=time.time() - 61)
    context.clock.resume()
    desk = browser.new_context(**DESKTOP)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        for visit_id in (answered, ignored):
            check_in(page, server, visit_id)
        page.goto(f"{server.url}/timer/{answered}")
        question = page.locator(".esc-check")
        for _ in range(40):  # the escalator fires the check within a tick
            if question.count():
                break
            page.wait_for_timeout(250)
            page.reload()
        assert "Alles goed?" in question.inner_text()
        shoot(page, "halfway-question")
        question.get_by_role("button", name="Alles goed").click()
        page.wait_for_load_state("networkidle")
        assert page.locator(".esc-check").count() == 0
        [row] = query(server, "select check_answered_at from visits where id = ?", [answered])
        assert row["check_answered_at"]

        board = login_page(desk, server.url, "demo-kantoor")
        card = board.locator("article.esc-alarm", has_text="Domplein 67")
        card.wait_for(timeout=30000)  # the halfway point plus the 10-second grace
        assert "Halfwegcheck niet beantwoord: Demi Medewerker" in card.inner_text()
        assert board.locator("article.esc-alarm", has_text="Domplein 66").count() == 0
    finally:
        context.close()
        desk.close()
        no_running_visits(server)


def test_asking_for_approval_on_the_phone(browser, server, push_service):
    db = server.db()
    try:
        visit_id = make_visit(
            db, voluntary=False, purpose="enforcement", assessed=False, house_number="68"
        )
        assess_visit(db, visit_id, {"weapons": True})
    finally:
        db.conn.close()
    before = len(push_service.received("demo-coordinator"))
    worker = browser.new_context(**PHONE)
    boss = browser.new_context(**PHONE)
    try:
        page = login_page(worker, server.url, "demo-medewerker")
        page.goto(f"{server.url}/timer/{visit_id}")
        needs = page.locator(f"#needs-{visit_id}")
        assert "Toestemming van de coördinator is nodig." in needs.inner_text()
        page.get_by_role("button", name="Inchecken").click()
        page.locator("#action-errors").wait_for()
        page.get_by_role("button", name="Vraag de coördinator om toestemming").click()
        page.get_by_text("Toestemming gevraagd om").wait_for()
        shoot(page, "approval-asked")
        pushed = push_service.wait_for(before + 1, name="demo-coordinator")
        assert pushed[-1].payload["type"] == "approval_request"

        coordinator = login_page(boss, server.url, "demo-coordinator")
        requests = coordinator.locator(".approval-requests")
        assert "Wacht op uw toestemming (1)" in requests.inner_text()
        shoot(coordinator, "coordinator-home-request")
        requests.get_by_role("link", name="Domplein 68").click()
        coordinator.get_by_label("Reden").fill(
            "Wijkagent staat klaar; collega belt na 15 minuten."
        )
        coordinator.get_by_role("button", name="Toestemming geven").click()
        coordinator.get_by_text("Uw toestemming is vastgelegd.").wait_for()

        page.reload()
        given = page.locator(".esc-approval--given")
        assert "Wijkagent staat klaar" in given.inner_text()
        assert page.locator(f"#needs-{visit_id}").count() == 0
        shoot(page, "approval-given")
        page.get_by_role("button", name="Inchecken").click()
        page.get_by_role("button", name="Ik ben veilig — bezoek afronden").wait_for()
    finally:
        worker.close()
        boss.close()
        no_running_visits(server)


# --- logging out during a visit ---------------------------------------------------------------


def test_logging_out_during_a_visit_warns_and_offers_the_check_out(browser, server):
    no_running_visits(server)
    visit_id = planned(server, house_number="69")
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        check_in(page, server, visit_id)
        open_menu(page)
        page.get_by_role("link", name="Uitloggen").click()
        page.wait_for_url("**/uitloggen")
        assert "Uw bezoek loopt nog" in page.locator("h1").inner_text()
        assert "krijgt het kantoor een alarm" in page.locator("main").inner_text()
        shoot(page, "logout-warning")
        page.get_by_role("button", name="Ik ben veilig — bezoek afronden").click()
        page.get_by_text("Was er een incident?").wait_for()
        open_menu(page)
        page.get_by_role("button", name="Uitloggen").click()
        page.wait_for_url("**/login")
        names = page.evaluate("() => indexedDB.databases().then((a) => a.map((d) => d.name))")
        assert "vop-outbox" not in names  # the device record went with the rest
    finally:
        context.close()
    assert query(server, "select status from visits where id = ?", [visit_id]) == [
        {"status": "ended"}
    ]


# --- acceptance 2: long words and tap targets on every worker page ---------------------------

TAP_TARGETS_JS = """() => {
  const selector = 'a[href], button, summary, select, textarea, '
    + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), '
    + 'label:has(> input[type=checkbox]), label:has(> input[type=radio])';
  const small = [];
  let measured = 0;
  for (const node of document.querySelectorAll(selector)) {
    if (node.closest('[hidden]') || node.classList.contains('skip-link')) continue;
    const box = node.getBoundingClientRect();
    if (!box.width && !box.height) continue;  // not shown (in a closed menu)
    measured += 1;
    if (box.width < 44 || box.height < 44) {
      const text = (node.innerText || node.value || node.name || '').trim().slice(0, 40);
      small.push(node.tagName + ' "' + text + '" ' + Math.round(box.width) + 'x'
        + Math.round(box.height));
    }
  }
  return {measured: measured, small: small};
}"""


def assert_fits(page, name: str) -> None:
    """No sideways scrolling at 360 px, and every tap target at least 44x44 px."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    print(f"scrollWidth {width} px: {name}")
    assert width <= 360, f"{name}: the page is {width} px wide"
    targets = page.evaluate(TAP_TARGETS_JS)
    assert targets["measured"] >= 3, f"{name}: no tap targets found"
    assert targets["small"] == [], name


def test_no_worker_page_scrolls_sideways_and_every_target_is_a_thumb(browser, server):
    no_running_visits(server)
    db = server.db()
    try:
        visit_id = make_visit(db, start_in_minutes=0, house_number="70")
        note = "Opmerking" + "z" * 120
        db.execute(
            "update visits set street = ?, note = ? where id = ?", [LONG_STREET, note, visit_id]
        )
        planned_id = make_visit(db, start_in_minutes=30, house_number="71", assessed=False)
        db.execute("update visits set street = ? where id = ?", [LONG_STREET, planned_id])
    finally:
        db.conn.close()
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        wait_for_worker(page)
        pages = [
            "/",
            "/bezoeken/nieuw",
            f"/bezoeken/{planned_id}",
            f"/bezoeken/{planned_id}/inschatting",
            f"/timer/{visit_id}",
            "/instellingen/",
            "/account",
            "/incidenten/",
            f"/incidenten/nieuw?visit_id={visit_id}",
            "/bezoeken/protocolkaart",
        ]
        for path in pages:
            page.goto(server.url + path)
            assert_fits(page, path)
        page.goto(server.url + "/bezoeken/nieuw")
        page.fill("#f-street", LONG_STREET)
        page.get_by_role("button", name="Bezoek opslaan").click()  # refused: the form again
        # The click returns once the answer commits; a layout query then may run before the
        # stylesheets applied (the page measured 370 px once, in a full run): wait for load,
        # as page.goto does.
        page.locator(".field-error").first.wait_for()
        page.wait_for_load_state("load")
        assert_fits(page, "plan form with messages")
        check_in(page, server, visit_id)
        for path in (f"/timer/{visit_id}", f"/bezoeken/{visit_id}", "/", "/uitloggen"):
            page.goto(server.url + path)
            assert_fits(page, f"{path} (running)")
        page.goto(server.url + "/")
        shoot(page, "home-screen-running-visit-long-street")
        record = wait_for_record(page, has_visit=True)
        assert record["visit"]["address"].startswith(LONG_STREET)
        context.set_offline(True)
        for path in ("/", "/offline", "/incidenten/formulier"):
            page.goto(server.url + path)
            assert_fits(page, f"{path} (offline)")
        page.goto(server.url + "/")
        page.locator("[data-offline-visit]").wait_for()
        shoot(page, "offline-visit-screen-long-street")
        page.get_by_role("button", name="Verleng 15 min").click()
        page.locator('[data-offline-offer="extend"]').wait_for()
        assert_fits(page, "offline visit screen with its box")
        # Back online the outbox sends the extension and then reloads the page to show the
        # visit as it now is: wait for that reload to finish before going elsewhere, or the
        # page's own navigation aborts ours. The mark set here is gone once it has reloaded.
        page.evaluate("window.__beforeReload = true")
        context.set_offline(False)
        sql = "select id from alarm_log where visit_id = ? and event = 'extended'"
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                reloaded = not page.evaluate("window.__beforeReload === true")
            except PlaywrightError:  # the page is between two documents
                reloaded = False
            if reloaded and query(server, sql, [visit_id]):
                break
            page.wait_for_timeout(100)
        else:
            raise AssertionError("the extension was not sent, or the page did not reload")
        page.wait_for_load_state("load")
        page.goto(f"{server.url}/timer/{visit_id}")
        hold_alarm(page)
        page.wait_for_url("**/alarm-verstuurd", timeout=8000)
        page.mouse.up()
        assert_fits(page, "panic confirmation")
        page.goto(f"{server.url}/timer/{visit_id}")
        page.get_by_role("button", name="Ik ben veilig — bezoek afronden").click()
        page.get_by_text("Was er een incident?").wait_for()
        assert_fits(page, "checked out")
    finally:
        context.close()
        no_running_visits(server)


def test_the_new_worker_screens_have_no_wcag_violations(browser, server):
    from .test_browser_shell import _axe_violations

    no_running_visits(server)
    visit_id = planned(server, house_number="72")
    db = server.db()
    try:
        unassessed = make_visit(db, start_in_minutes=0, house_number="73", assessed=False)
    finally:
        db.conn.close()
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, server.url, "demo-medewerker")
        page.goto(f"{server.url}/bezoeken/{unassessed}/inschatting")
        assert _axe_violations(page) == [], "assessment"
        check_in(page, server, visit_id)
        for path in ("/uitloggen", "/instellingen/", "/timer/zonder-verbinding?taal=nl"):
            page.goto(server.url + path)
            assert _axe_violations(page) == [], path
        page.goto(f"{server.url}/timer/{visit_id}")
        hold_alarm(page)
        page.wait_for_url("**/alarm-verstuurd", timeout=8000)
        page.mouse.up()
        assert _axe_violations(page) == [], "panic confirmation"
    finally:
        context.close()
        no_running_visits(server)
