"""Incident reports in a real Chromium: offline, reload, back online, two tabs."""

import json
import uuid

import pytest
from playwright.sync_api import expect

from .conftest import login_page, wait_for_worker

pytestmark = pytest.mark.browser
PENDING_ONE = "1 melding wacht op verzending"


def fill_verbal_report(page, description: str, place: str | None = "counter") -> None:
    """Tick insult, describe it, choose no consequences (and the place, without a visit)."""
    if place:
        page.get_by_label("Waar gebeurde het?").select_option(place)
    page.get_by_label("Belediging, schelden").check()
    page.get_by_label("Korte beschrijving").fill(description)
    page.get_by_label("Geen", exact=True).check()


def banner(page):
    return page.locator("[data-outbox-banner]")


def incidents_with(server, description: str) -> list[dict]:
    db = server.db()
    try:
        return list(db.query("select * from incidents where description = ?", [description]))
    finally:
        db.conn.close()


def test_offline_report_survives_a_reload_and_is_sent_once(phone, browser, live_server):
    description = f"Offline gemeld {uuid.uuid4()}"
    page = login_page(phone, live_server.url, "demo-medewerker")
    page.goto(live_server.url + "/incidenten/nieuw")
    wait_for_worker(page)
    phone.set_offline(True)
    fill_verbal_report(page, description)
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Uw melding is bewaard op dit toestel").wait_for()
    assert banner(page).locator(".outbox-count").inner_text() == PENDING_ONE

    response = page.reload()
    assert response.from_service_worker  # the cached form shell, without network
    banner(page).get_by_text(PENDING_ONE).wait_for()
    assert incidents_with(live_server, description) == []

    phone.set_offline(False)
    banner(page).get_by_text("Alles is verzonden.").wait_for()
    [row] = incidents_with(live_server, description)
    assert (row["form"], row["behaviours"]) == ("verbal", '["insult"]')
    assert row["consequences"] == "none"
    assert row["client_created_at"] and row["received_at"] >= row["client_created_at"]

    coordinator = browser.new_context(viewport={"width": 1024, "height": 800}, locale="nl-NL")
    try:
        office = login_page(coordinator, live_server.url, "demo-coordinator")
        assert office.locator(f'tr[data-incident-id="{row["id"]}"]').count() == 1
        office.locator(f'tr[data-incident-id="{row["id"]}"] a').click()
        assert office.get_by_text(description).count() == 1
        assert office.locator("[data-health]").inner_text() == "Geen"
    finally:
        coordinator.close()


def test_two_tabs_flushing_at_once_give_exactly_one_report(phone, live_server):
    description = f"Twee tabbladen {uuid.uuid4()}"
    first = login_page(phone, live_server.url, "demo-medewerker")
    first.goto(live_server.url + "/incidenten/nieuw")
    wait_for_worker(first)
    second = phone.new_page()
    second.goto(live_server.url + "/incidenten/")
    sent = []
    phone.on(
        "request",
        lambda r: sent.append(r) if r.method == "POST" and r.url.endswith("/sync") else None,
    )
    phone.set_offline(True)
    fill_verbal_report(first, description)
    first.get_by_role("button", name="Melding versturen").click()
    first.get_by_text("Uw melding is bewaard op dit toestel").wait_for()
    banner(second).get_by_text(PENDING_ONE).wait_for()  # the other tab knows too

    phone.set_offline(False)  # both tabs hear `online` and flush at the same moment
    for page in (first, second):
        banner(page).locator(".outbox-count").wait_for(state="detached")
    assert len(incidents_with(live_server, description)) == 1
    carrying = [r for r in sent if description in (r.post_data or "")]
    outcomes = sorted(
        json.loads(r.response().text())["results"][0]["status"] for r in carrying if r.response()
    )
    print("\nPOST /sync carrying the report, and their answers:", outcomes)
    assert len(carrying) >= 2 and outcomes.count(201) == 1  # sent twice, stored once


def test_a_refused_report_stays_in_view_until_corrected_or_removed(phone, live_server):
    description = f"Geweigerd {uuid.uuid4()}"
    page = login_page(phone, live_server.url, "demo-medewerker")
    page.goto(live_server.url + "/incidenten/")
    data = {
        "behaviours": ["shouting_at_the_moon"],  # a code this server does not know
        "description": description,
        "consequences": "none",
        "place_kind": "phone",
        "occurred_at": "2026-01-05T10:00",
    }
    page.evaluate(
        "(data) => vopOutbox.queue('incident', data).then(() => vopOutbox.flushFromPage())", data
    )
    refused = banner(page).locator(".outbox-refused")
    refused.wait_for()
    assert "Onbekende gedraging: shouting_at_the_moon" in refused.inner_text()
    assert description in refused.inner_text()
    page.reload()  # kept, not expired
    refused.wait_for()
    assert incidents_with(live_server, description) == []

    refused.get_by_role("link", name="Opnieuw invullen").click()
    expect(page.get_by_label("Korte beschrijving")).to_have_value(description)
    expect(page.locator("#e-behaviours")).to_contain_text("Onbekende gedraging")
    page.get_by_label("Belediging, schelden").check()
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Melding verzonden. Dank u wel.").wait_for()
    assert len(incidents_with(live_server, description)) == 1
    assert page.evaluate("() => vopOutbox.allItems()") == []


def test_an_item_refused_as_a_conflict_can_be_removed(phone, live_server):
    description = f"Conflict {uuid.uuid4()}"
    page = login_page(phone, live_server.url, "demo-medewerker")
    page.goto(live_server.url + "/incidenten/nieuw")
    fill_verbal_report(page, description)
    page.get_by_role("button", name="Melding versturen").click()
    page.get_by_text("Melding verzonden. Dank u wel.").wait_for()
    [row] = incidents_with(live_server, description)
    data = {"behaviours": ["hit"], "description": "Iets anders", "consequences": "injury"}
    queue_and_send = "([id, data]) => vopOutbox.queue('incident', data, id)"
    page.evaluate(
        queue_and_send + ".then(() => vopOutbox.flushFromPage())", [row["client_id"], data]
    )
    refused = banner(page).locator(".outbox-refused")
    refused.wait_for()
    assert "al eerder met andere inhoud ontvangen" in refused.inner_text()
    page.once("dialog", lambda dialog: dialog.accept())
    refused.get_by_role("button", name="Verwijderen").click()
    refused.wait_for(state="detached")
    [again] = incidents_with(live_server, description)
    assert again["form"] == "verbal"  # the first report is untouched
