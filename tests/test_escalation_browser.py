"""The timers, the live board and push notifications in a real Chromium.

These tests wait in real time only where real time is the point: a 1-minute visit runs out.
"""

import json
import os
import time
from contextlib import contextmanager
from datetime import datetime

import pytest
from axe_playwright_python.sync_playwright import Axe

from app import create_app
from app.escalation.payloads import receipt_token

from .conftest import LiveServer, login_page, wait_for_worker
from .factories import make_visit

pytestmark = pytest.mark.browser
DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "nl-NL"}
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A live server of our own: its team policy runs in seconds, others must not notice."""
    live = LiveServer(
        tmp_path_factory.mktemp("escalation-live"),
        {"VOP_PUSH_HOSTS": "127.0.0.1", "VOP_ESCALATOR_TICK_SECONDS": "0.25"},
    )
    yield live
    live.stop()


@contextmanager
def server_app(server):
    """The server's app in this process (same data directory), to plan visits with."""
    before = os.environ.get("VOP_DATA_DIR")
    os.environ["VOP_DATA_DIR"] = str(server.data_dir)
    try:
        app = create_app()
    finally:
        if before is None:
            del os.environ["VOP_DATA_DIR"]
        else:
            os.environ["VOP_DATA_DIR"] = before
    with app.app_context():
        from app.db import get_db

        yield app, get_db()


def _set_seconds_policy(browser, server) -> None:
    """The coordinator sets the team's ladder in seconds through the policy screen."""
    context = browser.new_context(**DESKTOP)
    page = login_page(context, server.url, "demo-coordinator")
    page.goto(server.url + "/kantoor/escalatiebeleid")
    # The editor shows every delay as minutes and seconds.
    assert page.input_value("#f-step-1-delay-min") == "5"  # the default: 5 min 0 s
    assert page.input_value("#f-step-1-delay-sec") == "0"
    for name, minutes, seconds in [
        ("reminder_before", "0", "0"),
        ("renotify", "0", "5"),
        ("high_risk_grace", "0", "10"),
        ("step-1-delay", "0", "10"),  # the alarm 10 s after the due time
        ("step-2-delay", "10", "0"),
        ("step-3-delay", "15", "0"),
    ]:
        page.fill(f"#f-{name}-min", minutes)
        page.fill(f"#f-{name}-sec", seconds)
    page.click("text=Beleid opslaan")
    assert page.get_by_text("Het escalatiebeleid is opgeslagen.").is_visible()
    context.close()


def test_a_missed_check_out_reaches_the_office_board(browser, server):
    _set_seconds_policy(browser, server)
    with server_app(server) as (_app, db):
        visit_id = make_visit(db, expected_minutes=1, house_number="71")
    worker = browser.new_context(
        viewport={"width": 360, "height": 640}, is_mobile=True, has_touch=True, locale="nl-NL"
    )
    # The phone's clock runs 45 s behind: the check-in it stamps makes the 1-minute visit due
    # 15 s from now (the server trusts a phone's past within a day), so the test waits 25 s
    # for the alarm instead of 70.
    worker.clock.install(time=time.time() - 45)
    worker.clock.resume()
    office = browser.new_context(**DESKTOP)
    try:
        phone = login_page(worker, server.url, "demo-medewerker")
        phone.goto(f"{server.url}/timer/{visit_id}")
        phone.get_by_role("button", name="Inchecken").click()
        phone.get_by_role("button", name="Ik ben veilig").wait_for()
        assert "Eindtijd" in phone.locator(".esc-countdown").inner_text()
        board = login_page(office, server.url, "demo-kantoor")
        with server_app(server) as (_app, db):
            due = db.execute("select due_at from visits where id = ?", [visit_id]).fetchone()[0]
        deadline = datetime.fromisoformat(due).timestamp() + 10  # due time plus 10 s grace
        card = board.locator("article.esc-alarm", has_text="Domplein 71")
        card.wait_for(timeout=(deadline - time.time() + 15) * 1000)
        shown = time.time()
        print(f"alarm on the board {shown - deadline:.2f} s after the grace deadline")
        assert shown - deadline <= 5, f"alarm on the board {shown - deadline:.1f} s after grace"
        assert "Niet uitgecheckt: Demi Medewerker" in card.inner_text()
        assert card.locator("a[href='tel:0611111111']").count() == 1
        card.get_by_role("button", name="Bevestigen: ik pak dit op").click()
        card = board.locator("article.esc-alarm", has_text="Domplein 71")
        card.locator(".esc-alarm__status", has_text="Bevestigd door Kees Kantoor").wait_for()
        card.get_by_label("Hoe liep het af?").select_option("worker_safe")
        card.get_by_label("Notitie").fill("Gebeld: batterij was leeg, alles goed")
        card.get_by_label("Bezoek beëindigen: timer en escalatie stoppen").check()
        card.get_by_role("button", name="Afhandelen").click()
        board.get_by_text("Alarm afgehandeld.").wait_for()
        assert board.locator("article.esc-alarm", has_text="Domplein 71").count() == 0
        board.locator(".esc-resolved a").first.click()
        log = board.locator(".esc-log").inner_text()
        for step in (
            "Demi Medewerker checkte in",
            "Stap 1: te-laatmelding",
            "Alarm gestart",
            "Stap 2: alarm",
            "Bevestigd door Kees Kantoor",
            "Afgehandeld door Kees Kantoor: Gebeld: batterij was leeg",
        ):
            assert step in log, step
    finally:
        worker.close()
        office.close()


def test_the_panic_button_must_be_held(browser, server):
    with server_app(server) as (_app, db):
        visit_id = make_visit(db, expected_minutes=120, house_number="72")
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="nl-NL")
    try:
        page = login_page(context, server.url, "demo-medewerker")
        page.goto(f"{server.url}/timer/{visit_id}")
        page.get_by_role("button", name="Inchecken").click()
        button = page.locator(".esc-panic")
        button.click()  # a short tap (a pocket) sends nothing
        assert page.evaluate("() => vopOutbox.allItems()") == []  # nothing queued, nothing sent
        assert page.url.endswith(f"/timer/{visit_id}")
        box = button.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.mouse.down()
        page.wait_for_url("**/alarm-verstuurd", timeout=5000)
        page.mouse.up()
        assert page.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
        with server_app(server) as (_app, db):
            kinds = [
                r[0] for r in db.execute("select kind from alarms where visit_id = ?", [visit_id])
            ]
        assert kinds == ["panic"]
    finally:
        context.close()


def _axe(page) -> list:
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    return [(v["id"], [n["target"] for n in v["nodes"]]) for v in results.response["violations"]]


def test_escalation_screens_have_no_wcag_violations(browser, server):
    with server_app(server) as (_app, db):
        visit_id = make_visit(db, expected_minutes=120, house_number="73")
    context = browser.new_context(viewport={"width": 360, "height": 640}, locale="nl-NL")
    try:
        page = login_page(context, server.url, "demo-medewerker")
        page.goto(f"{server.url}/timer/{visit_id}")
        assert _axe(page) == []
        page.get_by_role("button", name="Inchecken").click()
        page.get_by_role("button", name="Ik ben veilig").wait_for()
        assert _axe(page) == []
        page.goto(server.url + "/instellingen/")
        assert _axe(page) == []
        desk = browser.new_context(**DESKTOP)
        office = login_page(desk, server.url, "demo-coordinator")
        for path in ("/kantoor/", "/kantoor/escalatiebeleid"):
            office.goto(server.url + path)
            assert _axe(office) == [], path
        desk.close()
    finally:
        context.close()


def test_the_service_worker_shows_a_push_and_reports_its_receipt(browser, server):
    context = browser.new_context(**DESKTOP)
    context.grant_permissions(["notifications"], origin=server.url)
    try:
        page = login_page(context, server.url, "demo-kantoor")
        wait_for_worker(page)
        with server_app(server) as (app, db):
            delivery = (
                db["deliveries"]
                .insert(
                    {
                        "channel": "push",
                        "host": "127.0.0.1",
                        "kind": "alarm",
                        "payload": "{}",
                        "status": "sent",
                        "attempts": 1,
                        "next_attempt_at": "x",
                    }
                )
                .last_pk
            )
            token = receipt_token(delivery)
        payload = {
            "type": "alarm",
            "title": "ALARM: Demi Medewerker niet uitgecheckt",
            "body": "Domplein 12, 3511AB Utrecht",
            "url": "/kantoor/alarmen/1",
            "visit_id": 1,
            "alarm_id": 1,
            "tag": "vop-alarm-1",
            "id": delivery,
            "receipt": token,
            "actions": [{"action": "open", "title": "Alarm openen"}],
        }
        cdp = context.new_cdp_session(page)
        registrations = []
        cdp.on(
            "ServiceWorker.workerRegistrationUpdated",
            lambda event: registrations.extend(event["registrations"]),
        )
        cdp.send("ServiceWorker.enable")
        deadline = time.time() + 5
        while not registrations and time.time() < deadline:
            page.wait_for_timeout(50)  # until Chromium has told the registrations
        registration = next(
            (r["registrationId"] for r in registrations if not r["isDeleted"]), "0"
        )
        cdp.send(
            "ServiceWorker.deliverPushMessage",
            {"origin": server.url, "registrationId": registration, "data": json.dumps(payload)},
        )
        shown = page.evaluate(
            """() => navigator.serviceWorker.ready.then(async (registration) => {
                for (let i = 0; i < 50; i++) {
                    const list = await registration.getNotifications();
                    if (list.length) return list.map((n) => ({title: n.title, body: n.body,
                        actions: n.actions.map((a) => a.title), url: n.data.url}));
                    await new Promise((r) => setTimeout(r, 100));
                }
                return [];
            })"""
        )
        assert shown == [
            {
                "title": payload["title"],
                "body": payload["body"],
                "actions": ["Alarm openen"],
                "url": "/kantoor/alarmen/1",
            }
        ]
        deadline = time.time() + 5
        receipt = None
        while time.time() < deadline and not receipt:
            with server_app(server) as (_app, db):
                receipt = db["deliveries"].get(delivery)["receipt_at"]
            time.sleep(0.1)
        assert receipt, "the service worker did not report the receipt"
    finally:
        context.close()
