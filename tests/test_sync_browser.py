"""The outbox in Chromium: visit actions offline, Background Sync, expired sessions, logout."""

import uuid
from datetime import datetime

import pytest

from app.clock import iso

from .conftest import login_page, wait_for_worker
from .factories import make_visit
from .test_browser_shell import open_menu
from .test_incidents_browser import (
    PENDING_ONE,
    banner,
    fill_verbal_report,
    incidents_with,
)

pytestmark = pytest.mark.browser


def server_visit(server, **kwargs) -> int:
    """Plan and assess a visit for the demo worker on the live server's database."""
    db = server.db()
    try:
        return make_visit(db, start_in_minutes=0, **kwargs)
    finally:
        db.conn.close()


def server_query(server, sql: str, params=()) -> list[dict]:
    db = server.db()
    try:
        return [dict(row) for row in db.query(sql, list(params))]
    finally:
        db.conn.close()


def checked_in_page(context, server, visit_id: int):
    """Log the worker in and check in for the visit, online, through the visit's page."""
    page = login_page(context, server.url, "demo-medewerker")
    page.goto(f"{server.url}/timer/{visit_id}")
    page.get_by_role("button", name="Inchecken").click()
    page.get_by_role("button", name="Ik ben veilig").wait_for()
    return page


def queued_time(page) -> str:
    """Return the stored form of the moment the first queued item was made on the phone."""
    [item] = page.evaluate("() => vopOutbox.allItems()")
    moment = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00"))
    return iso(moment)


def test_offline_check_out_offers_text_or_call_and_later_stops_the_escalation(phone, live_server):
    visit_id = server_visit(live_server)
    page = checked_in_page(phone, live_server, visit_id)
    assert server_query(
        live_server,
        "select * from escalation_jobs where visit_id = ? and status = 'pending'",
        [visit_id],
    )

    phone.set_offline(True)
    page.get_by_role("button", name="Ik ben veilig").click()
    offer = page.locator('[data-offline-offer="check_out"]')
    assert "het kantoor ziet uw uitcheck nog niet en kan alarm slaan" in offer.inner_text()
    sms = offer.locator('[data-office-link="sms"]').get_attribute("href")
    assert sms.startswith("sms:0622222222?body=") and f"bezoek%20%23{visit_id}" in sms
    assert offer.locator('[data-office-link="tel"]').get_attribute("href") == "tel:0622222222"
    assert (
        offer.get_by_role("link", name="Ja, melden")
        .get_attribute("href")
        .endswith(f"/incidenten/nieuw?visit_id={visit_id}")
    )
    banner(page).get_by_text(PENDING_ONE).wait_for()
    tapped = queued_time(page)
    [visit] = server_query(live_server, "select * from visits where id = ?", [visit_id])
    assert visit["status"] == "running"  # the office cannot know yet

    phone.set_offline(False)  # sent, and the page shows the visit as it now is
    page.get_by_text("Dit bezoek loopt niet (meer).").wait_for()
    [visit] = server_query(live_server, "select * from visits where id = ?", [visit_id])
    assert (visit["status"], visit["checked_out_at"]) == ("ended", tapped)
    assert not server_query(
        live_server,
        "select * from escalation_jobs where visit_id = ? and status = 'pending'",
        [visit_id],
    )
    [log] = server_query(
        live_server,
        "select * from alarm_log where visit_id = ? and event = 'checked_out'",
        [visit_id],
    )
    assert log["client_at"] == tapped and log["at"] >= tapped


def test_panic_without_network_offers_112_and_the_office_at_once(phone, live_server):
    visit_id = server_visit(live_server)
    page = checked_in_page(phone, live_server, visit_id)
    phone.set_offline(True)
    box = page.locator(".esc-panic").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    offer = page.locator('[data-offline-offer="panic"]')
    offer.wait_for(timeout=5000)  # the alarm goes after a 2-second hold
    page.mouse.up()
    assert offer.get_by_role("link", name="Bel 112").get_attribute("href") == "tel:112"
    assert offer.locator('[data-office-link="tel"]').get_attribute("href") == "tel:0622222222"
    assert "ALARM" in offer.locator('[data-office-link="sms"]').get_attribute("href")
    phone.set_offline(False)
    page.wait_for_load_state("load")
    banner(page).locator(".outbox-count").wait_for(state="detached")
    [alarm] = server_query(
        live_server, "select * from alarms where visit_id = ? and kind = 'panic'", [visit_id]
    )
    assert alarm["status"] == "open"


def test_background_sync_sends_without_an_open_app_page(phone, live_server):
    description = f"Achtergrond {uuid.uuid4()}"
    page = login_page(phone, live_server.url, "demo-medewerker")
    page.goto(live_server.url + "/incidenten/nieuw")
    wait_for_worker(page)
    phone.set_offline(True)
    fill_verbal_report(page, description)
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Uw melding is bewaard op dit toestel").wait_for()
    # Leave the app's pages: only the service worker is left to send.
    page.goto(live_server.url + "/static/icons/icon-192.png")
    cdp = phone.new_cdp_session(page)
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    phone.set_offline(False)
    [registration] = [r for r in registrations if not r["isDeleted"]]
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": live_server.url,
            "registrationId": registration["registrationId"],
            "tag": "vop-outbox",
            "lastChance": False,
        },
    )
    for _ in range(100):
        if incidents_with(live_server, description):
            break
        page.wait_for_timeout(100)
    assert len(incidents_with(live_server, description)) == 1


def test_a_session_that_ended_offline_asks_for_a_login_then_sends(phone, live_server):
    description = f"Sessie verlopen {uuid.uuid4()}"
    page = login_page(phone, live_server.url, "demo-medewerker")
    page.goto(live_server.url + "/incidenten/nieuw")
    phone.set_offline(True)
    fill_verbal_report(page, description)
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Uw melding is bewaard op dit toestel").wait_for()
    db = live_server.db()
    db.execute(
        "update user_sessions set ended_at = '2026-01-01T00:00:00+00:00', ended_reason = 'idle'"
    )
    db.conn.close()

    phone.set_offline(False)
    login = banner(page).get_by_role("link", name="Inloggen")
    login.wait_for()
    assert "Uw sessie is verlopen" in banner(page).inner_text()
    assert banner(page).locator(".outbox-count").inner_text() == PENDING_ONE
    assert incidents_with(live_server, description) == []
    login.click()
    page.fill("#f-username", "demo-medewerker")
    page.fill("#f-password", "demo-wachtwoord")
    page.click("button[type=submit]")
    page.wait_for_url("**/incidenten/nieuw")
    banner(page).get_by_text("Alles is verzonden.").wait_for()
    assert len(incidents_with(live_server, description)) == 1


def end_running_visits(server) -> None:
    """End the visits earlier tests left running: logging out during one asks first."""
    db = server.db()
    db.execute("update visits set status = 'ended' where status = 'running'")
    db.conn.close()


def test_logout_waits_for_unsent_items_then_clears_the_device(phone, live_server):
    description = f"Uitloggen {uuid.uuid4()}"
    end_running_visits(live_server)
    page = login_page(phone, live_server.url, "demo-medewerker")
    page.goto(live_server.url + "/incidenten/nieuw")
    wait_for_worker(page)
    phone.set_offline(True)
    fill_verbal_report(page, description)
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Uw melding is bewaard op dit toestel").wait_for()

    open_menu(page)
    page.get_by_role("button", name="Uitloggen").click()
    refusal = banner(page).get_by_role("alert")
    refusal.wait_for()
    assert refusal.inner_text() == (
        "U kunt nog niet uitloggen: 1 melding wacht op verzending. "
        "Verstuur ze eerst, anders gaan ze verloren."
    )
    assert page.url.endswith("/incidenten/nieuw")
    phone.set_offline(False)
    banner(page).get_by_text("Alles is verzonden.").wait_for()
    assert len(incidents_with(live_server, description)) == 1

    page.evaluate(
        "() => caches.open('vop-marker').then((c) => c.put('/marker', new Response('x')))"
    )
    open_menu(page)
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    names = page.evaluate("() => indexedDB.databases().then((all) => all.map((d) => d.name))")
    assert "vop-outbox" not in names
    assert "vop-marker" not in page.evaluate("() => caches.keys()")
    assert page.evaluate("() => localStorage.getItem('vop-outbox-user')") is None
    assert page.get_by_text("U bent uitgelogd.").count() == 1


def test_the_fast_path_from_check_out_to_a_sent_report_takes_five_taps(phone, live_server):
    description = f"Snel gemeld {uuid.uuid4()}"
    visit_id = server_visit(live_server, case_ref="Z-2026-0099")
    page = checked_in_page(phone, live_server, visit_id)
    taps = []

    def tap(locator) -> None:
        locator.tap()
        taps.append(locator)

    tap(page.get_by_role("button", name="Ik ben veilig"))
    page.get_by_text("Was er een incident?").wait_for()
    tap(page.get_by_role("link", name="Ja, melden"))
    page.wait_for_url(f"**/incidenten/nieuw?visit_id={visit_id}")
    tap(page.get_by_label("Belediging, schelden"))
    page.get_by_label("Korte beschrijving").fill(description)  # the description: not counted
    tap(page.get_by_label("Geen", exact=True))
    tap(page.get_by_role("button", name="Melding versturen"))
    page.get_by_text("Melding verzonden. Dank u wel.").wait_for()
    print(f"\nTaps from check-out to a sent report of verbal aggression: {len(taps)}")
    assert len(taps) == 5  # the aim is 6 or fewer besides the description
    [row] = incidents_with(live_server, description)
    assert (row["visit_id"], row["place_kind"], row["form"]) == (visit_id, "home_visit", "verbal")
    assert (row["address_key"], row["case_ref"], row["perpetrator_kind"]) == (
        "3511AB|12",
        "Z-2026-0099",
        "case_ref",
    )
    page.get_by_role("link", name="Bekijk de melding").click()
    assert page.get_by_text(description).count() == 1
