"""Visit actions with weak signal: the phone believes it is online, the request fails or hangs.

Playwright's routing stands in for the weak signal: every POST of the phone (its pages and its
service worker) fails or hangs, while `navigator.onLine` stays true. Nothing may be lost,
nothing may arrive twice, and the worker must never end on the browser's error page.
"""

import json

import pytest
from werkzeug.security import generate_password_hash

from app.clock import iso, now

from .factories import user_id
from .test_incidents_browser import PENDING_ONE, banner
from .test_sync_browser import checked_in_page, queued_time, server_query, server_visit

pytestmark = pytest.mark.browser
EVERYTHING = "**/*"
CHECK_OUT_OFFER = (
    "Geen of te zwakke verbinding: het kantoor ziet uw uitcheck nog niet en kan alarm slaan. "
    "Laat het kantoor weten dat u veilig bent."
)


def fail_posts(context) -> list:
    """Make every POST fail as a dropped connection would; return the tries seen."""
    tries = []

    def drop(route, request) -> None:
        if request.method != "POST":
            return route.fallback()
        tries.append(request)
        route.abort("internetdisconnected")

    context.route(EVERYTHING, drop)
    return tries


def sent_ids(tries: list) -> set[str]:
    """Return the outbox ids the tries carried; each went to /sync (never a direct post)."""
    assert tries and all(t.url.endswith("/sync") for t in tries)
    return {item["id"] for t in tries for item in t.post_data_json["items"]}


def outbox(page) -> list[dict]:
    return page.evaluate("() => vopOutbox.allItems()")


def pending_jobs(server, visit_id: int) -> list[dict]:
    sql = "select * from escalation_jobs where visit_id = ? and status = 'pending'"
    return server_query(server, sql, [visit_id])


def events(server, visit_id: int, event: str) -> list[dict]:
    sql = "select * from alarm_log where visit_id = ? and event = ?"
    return server_query(server, sql, [visit_id, event])


def wait_for_tries(page, tries: list, count: int) -> None:
    """Wait until the weak signal has turned away `count` tries (the page's, Background Sync's).

    Background Sync tries at once when the phone seems online; once that try failed, the
    browser waits minutes before the next, so the signal can come back without a race.
    """
    for _ in range(100):
        if len(tries) >= count:
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"{len(tries)} tries seen, expected {count}")


def send_now(page) -> None:
    """Tap "Nu verzenden" and wait for the page to show the visit as it now is."""
    with page.expect_navigation():
        banner(page).get_by_role("button", name="Nu verzenden").click()
    page.get_by_text("Dit bezoek loopt niet (meer).").wait_for()


def csrf(page) -> str:
    return page.locator('meta[name="csrf-token"]').get_attribute("content")


def hold_panic(page) -> None:
    box = page.locator(".esc-panic").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()


def assert_one_check_out_at(server, visit_id: int, tapped: str) -> None:
    """The visit ended once, at the moment tapped on the phone, and its ladder is stopped."""
    [visit] = server_query(server, "select * from visits where id = ?", [visit_id])
    assert (visit["status"], visit["checked_out_at"]) == ("ended", tapped)
    # The ladder (reminder, steps) is stopped; only a silent duress alarm may go on.
    assert {job["kind"] for job in pending_jobs(server, visit_id)} & {"reminder", "step"} == set()
    [log] = events(server, visit_id, "checked_out")
    assert log["client_at"] == tapped


def test_a_failed_check_out_while_online_is_queued_and_sent_once_later(phone, live_server):
    visit_id = server_visit(live_server)
    page = checked_in_page(phone, live_server, visit_id)
    assert pending_jobs(live_server, visit_id)
    tries = fail_posts(phone)

    page.get_by_role("button", name="Ik ben veilig").click()
    offer = page.locator('[data-offline-offer="check_out"]')
    assert offer.locator("p").first.inner_text() == CHECK_OUT_OFFER
    assert page.evaluate("() => navigator.onLine")  # the phone believed it was online
    assert page.url == f"{live_server.url}/timer/{visit_id}"  # no error page
    assert offer.locator('[data-office-link="tel"]').get_attribute("href") == "tel:0622222222"
    sms = offer.locator('[data-office-link="sms"]').get_attribute("href")
    assert sms.startswith("sms:0622222222?body=") and f"bezoek%20%23{visit_id}" in sms
    banner(page).get_by_text(PENDING_ONE).wait_for()
    [item] = outbox(page)
    assert (item["kind"], item["data"]) == ("check_out", {"visit_id": visit_id})
    # Every try (the page's, then Background Sync's) carried this one item under its one id.
    assert sent_ids(tries) == {item["id"]}
    tapped = queued_time(page)
    [visit] = server_query(live_server, "select * from visits where id = ?", [visit_id])
    assert visit["status"] == "running"  # the office cannot know yet
    assert pending_jobs(live_server, visit_id)

    wait_for_tries(page, tries, 2)
    phone.unroute(EVERYTHING)  # the signal is back
    send_now(page)
    assert pending_jobs(live_server, visit_id) == []
    assert_one_check_out_at(live_server, visit_id, tapped)
    assert outbox(page) == []
    receipts = server_query(
        live_server, "select * from sync_receipts where client_id = ?", [item["id"]]
    )
    assert [r["outcome"] for r in receipts] == ["stored"]


def test_a_hanging_check_out_gives_up_and_its_late_first_try_and_replay_count_once(
    phone, live_server
):
    visit_id = server_visit(live_server)
    phone.clock.install()  # the page's time limit runs on this clock, not on the test's
    page = checked_in_page(phone, live_server, visit_id)
    hanging = []

    def hang(route, request) -> None:
        if request.method != "POST":
            return route.fallback()
        hanging.append(request)
        if len(hanging) > 1:
            route.abort("timedout")  # later tries of the same weak signal

    phone.route(EVERYTHING, hang)
    with page.expect_request(lambda r: r.url.endswith("/sync") and r.method == "POST"):
        page.get_by_role("button", name="Ik ben veilig").click()
    assert page.locator("[data-offline-offer]").count() == 0  # still waiting for an answer
    assert page.get_by_role("button", name="Ik ben veilig").is_disabled()  # one tap, one action
    assert banner(page).locator(".outbox-count").count() == 0  # not "waiting" while it is sent
    page.clock.fast_forward(9000)  # past the 8-second limit
    offer = page.locator('[data-offline-offer="check_out"]')
    assert offer.locator("p").first.inner_text() == CHECK_OUT_OFFER
    assert page.url == f"{live_server.url}/timer/{visit_id}"
    [item] = outbox(page)
    tapped = queued_time(page)
    assert pending_jobs(live_server, visit_id)
    wait_for_tries(page, hanging, 2)

    # The first try was on its way all along and reaches the server after all.
    assert sent_ids(hanging) == {item["id"]}
    first = hanging[0]
    late = phone.request.post(
        first.url,
        data=first.post_data,
        headers={"Content-Type": "application/json", "X-CSRFToken": first.headers["x-csrftoken"]},
    )
    assert [r["outcome"] for r in late.json()["results"]] == ["stored"]
    assert_one_check_out_at(live_server, visit_id, tapped)

    phone.unroute(EVERYTHING)
    send_now(page)  # the outbox's replay of the same item: one action, not two
    assert_one_check_out_at(live_server, visit_id, tapped)
    assert outbox(page) == []
    assert pending_jobs(live_server, visit_id) == []
    receipts = server_query(
        live_server, "select * from sync_receipts where client_id = ?", [item["id"]]
    )
    assert len(receipts) == 1


def test_a_panic_with_a_failing_network_offers_112_at_once_and_is_sent_once(phone, live_server):
    visit_id = server_visit(live_server)
    page = checked_in_page(phone, live_server, visit_id)
    tries = fail_posts(phone)

    hold_panic(page)
    offer = page.locator('[data-offline-offer="panic"]')
    offer.wait_for(timeout=5000)  # the alarm goes after a 2-second hold
    page.mouse.up()
    assert offer.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
    assert offer.locator('[data-office-link="tel"]').get_attribute("href") == "tel:0622222222"
    assert "ALARM" in offer.locator('[data-office-link="sms"]').get_attribute("href")
    assert page.url == f"{live_server.url}/timer/{visit_id}"
    [item] = outbox(page)
    assert item["kind"] == "panic"
    assert sent_ids(tries) == {item["id"]}
    tapped = queued_time(page)
    assert server_query(live_server, "select * from alarms where visit_id = ?", [visit_id]) == []

    wait_for_tries(page, tries, 2)
    phone.unroute(EVERYTHING)
    with page.expect_navigation():
        banner(page).get_by_role("button", name="Nu verzenden").click()
    page.wait_for_load_state("load")
    assert outbox(page) == []
    [alarm] = server_query(live_server, "select * from alarms where visit_id = ?", [visit_id])
    assert (alarm["kind"], alarm["status"]) == ("panic", "open")
    [log] = events(live_server, visit_id, "panic")
    assert log["client_at"] == tapped


def test_a_hanging_panic_is_queued_and_offers_112_after_four_seconds(phone, live_server):
    visit_id = server_visit(live_server)
    phone.clock.install()
    page = checked_in_page(phone, live_server, visit_id)
    # Every POST hangs: never answered, never failed.
    phone.route(
        EVERYTHING, lambda route, request: None if request.method == "POST" else route.fallback()
    )

    with page.expect_request(lambda r: r.url.endswith("/sync") and r.method == "POST"):
        hold_panic(page)
    page.mouse.up()
    [item] = outbox(page)  # queued before it was sent
    assert item["kind"] == "panic"
    page.clock.fast_forward(4100)
    offer = page.locator('[data-offline-offer="panic"]')
    assert offer.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
    assert page.url == f"{live_server.url}/timer/{visit_id}"
    assert outbox(page) == [item]
    assert server_query(live_server, "select * from alarms where visit_id = ?", [visit_id]) == []


@pytest.mark.parametrize(
    ("button", "message", "event"),
    [
        ("Ik ben veilig", "Dit bezoek loopt niet; uitchecken kan niet.", "checked_out"),
        ("Verleng 15 min", "Dit bezoek loopt niet; verlengen kan niet.", "extended"),
    ],
)
def test_a_refused_action_shows_the_dutch_reason_and_queues_nothing(
    phone, live_server, button, message, event
):
    visit_id = server_visit(live_server)
    page = checked_in_page(phone, live_server, visit_id)
    # Checked out meanwhile from another tab: this page still shows the buttons.
    other = phone.request.post(
        f"{live_server.url}/timer/{visit_id}/uitchecken",
        data=json.dumps({}),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf(page)},
    )
    assert other.status == 200
    [before] = server_query(live_server, "select * from visits where id = ?", [visit_id])

    page.get_by_role("button", name=button).click()
    refusal = page.locator("#action-errors")
    refusal.wait_for()
    assert refusal.inner_text() == message
    assert refusal.get_attribute("role") == "alert"
    assert page.url == f"{live_server.url}/timer/{visit_id}"
    assert page.locator("[data-offline-offer]").count() == 0
    assert page.get_by_role("button", name=button).is_enabled()
    assert outbox(page) == []
    assert banner(page).locator(".outbox-count").count() == 0
    [after] = server_query(live_server, "select * from visits where id = ?", [visit_id])
    assert after == before
    assert len(events(live_server, visit_id, event)) == (1 if event == "checked_out" else 0)


@pytest.fixture
def duress_pin(live_server):
    """Give the demo worker the duress PIN 4711 for one test."""
    db = live_server.db()
    worker = user_id(db, "demo-medewerker")
    db["duress_pins"].upsert(
        {"user_id": worker, "pin_hash": generate_password_hash("4711"), "updated_at": iso(now())},
        pk="user_id",
    )
    db.conn.close()
    yield "4711"
    db = live_server.db()
    db.execute("delete from duress_pins where user_id = ?", [worker])
    db.conn.close()


def queue_check_out_with_pin(phone, server, visit_id: int, pin: str):
    """Check out with the PIN while every POST fails; return the page and the tries."""
    page = checked_in_page(phone, server, visit_id)
    tries = fail_posts(phone)
    page.get_by_label("Pincode").fill(pin)
    page.get_by_role("button", name="Ik ben veilig").click()
    offer = page.locator('[data-offline-offer="check_out"]')
    assert offer.locator("p").first.inner_text() == CHECK_OUT_OFFER  # as without a PIN
    banner(page).get_by_text(PENDING_ONE).wait_for()
    wait_for_tries(page, tries, 2)
    return page


def test_a_queued_check_out_with_the_duress_pin_looks_like_any_other(
    phone, live_server, duress_pin
):
    visit_id = server_visit(live_server)
    page = queue_check_out_with_pin(phone, live_server, visit_id, duress_pin)
    [item] = outbox(page)
    assert (item["kind"], item["data"]) == ("check_out", {"visit_id": visit_id, "pin": "4711"})
    tapped = queued_time(page)

    phone.unroute(EVERYTHING)
    send_now(page)
    assert outbox(page) == []  # the PIN left the phone with the item
    assert_one_check_out_at(live_server, visit_id, tapped)
    [alarm] = server_query(live_server, "select * from alarms where visit_id = ?", [visit_id])
    assert alarm["kind"] == "duress"


def test_a_queued_check_out_the_server_refuses_keeps_no_pin(phone, live_server, duress_pin):
    visit_id = server_visit(live_server)
    page = queue_check_out_with_pin(phone, live_server, visit_id, duress_pin)
    # Meanwhile the visit was checked out from another device (without the PIN).
    other = phone.request.post(
        f"{live_server.url}/timer/{visit_id}/uitchecken",
        data=json.dumps({}),
        headers={"Content-Type": "application/json", "X-CSRFToken": csrf(page)},
    )
    assert other.status == 200

    phone.unroute(EVERYTHING)
    send_now(page)
    banner(page).get_by_text("Dit bezoek loopt niet; uitchecken kan niet.").wait_for()
    [item] = outbox(page)
    assert (item["state"], item["data"]) == ("refused", {"visit_id": visit_id})
    assert server_query(live_server, "select * from alarms where visit_id = ?", [visit_id]) == []
    assert len(events(live_server, visit_id, "checked_out")) == 1


def test_without_script_the_visit_forms_post_as_before(browser, live_server):
    visit_id = server_visit(live_server)
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    try:
        page = context.new_page()
        page.goto(live_server.url + "/login")
        page.fill("#f-username", "demo-medewerker")
        page.fill("#f-password", "demo-wachtwoord")
        page.click("button[type=submit]")
        page.goto(f"{live_server.url}/timer/{visit_id}")
        page.get_by_role("button", name="Inchecken").click()
        page.get_by_role("button", name="Ik ben veilig").click()
        page.wait_for_url(f"**/timer/{visit_id}/uitgecheckt")
        assert page.get_by_text("Was er een incident?").count() == 1
    finally:
        context.close()
    [visit] = server_query(live_server, "select * from visits where id = ?", [visit_id])
    assert visit["status"] == "ended"
    assert len(events(live_server, visit_id, "checked_out")) == 1
