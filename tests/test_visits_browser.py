"""Acceptance 1 and 2 of the visits issue in a real Chromium on a phone-sized window."""

import json
import re
import uuid

import pytest

from .conftest import PHONE, LiveServer, login_page

pytestmark = pytest.mark.browser

# The server's clock runs at real speed from tomorrow 09:00 in Amsterdam, so the default
# start time of a new visit is in daytime whenever the suite runs (an evening visit would
# rightly weigh more and change the level these tests expect).
DAYTIME_CLOCK = """
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

_target = (datetime.now(ZoneInfo("Europe/Amsterdam")) + timedelta(days=1)).replace(
    hour=9, minute=0, second=0, microsecond=0
)
_offset = _target - datetime.now(UTC)


def CLOCK():
    return datetime.now(UTC) + _offset
"""


@pytest.fixture(scope="module")
def day_server(tmp_path_factory):
    """A live server of its own whose clock says it is morning."""
    data_dir = tmp_path_factory.mktemp("visits-live")
    (data_dir / "config.py").write_text(DAYTIME_CLOCK)
    server = LiveServer(data_dir)
    yield server
    server.stop()


class Taps:
    """Count the taps and keystrokes a user makes (typing the address is not counted)."""

    def __init__(self, page):
        self.page, self.count = page, 0

    def tap(self, locator) -> None:
        self.count += 1
        locator.click()


def watch_csp(page) -> list[str]:
    """Collect console errors, so a CSP violation fails the test."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    return errors


def type_address(page, number: str, kind: str | None = None) -> None:
    """Fill in the address (and choose the kind of visit when given)."""
    page.fill("#f-street", "Oudegracht")
    page.fill("#f-house_number", number)
    page.fill("#f-postcode", "3511 AB")
    page.fill("#f-city", "Utrecht")
    if kind:
        page.select_option("#f-kind", kind)


def add_incident(server, number: str) -> None:
    """Store an earlier threat at the address, reported by a colleague of the team."""
    db = server.db()
    reporter = db.execute("select id, team_id from users where username = 'demo-kantoor'")
    reporter_id, team_id = reporter.fetchone()
    db["incidents"].insert(
        {
            "client_id": str(uuid.uuid4()),
            "team_id": team_id,
            "reporter_id": reporter_id,
            "occurred_at": "2026-10-12T14:30:00+00:00",
            "form": "threat",
            "address_key": f"3511AB|{number}",
            "description": "Geheime inhoud van de melding",
            "received_at": "2026-10-12T15:00:00+00:00",
        }
    )
    db.conn.close()


def plan_involuntary_high_risk_visit(page) -> int:
    """Plan and assess an involuntary visit to an address with an earlier incident."""
    page.get_by_role("link", name="Nieuw bezoek").click()
    type_address(page, "20", kind="0:enforcement")
    page.get_by_role("button", name="Bezoek opslaan").click()
    page.wait_for_url(re.compile(r"/bezoeken/\d+/inschatting$"))
    history = page.locator(".history")
    assert "Persoonlijke bedreiging" in history.inner_text()
    assert "Geheime inhoud" not in page.content()
    for fieldset in page.locator("fieldset.yes-no").all():
        if not fieldset.locator("input:checked").count():
            fieldset.get_by_text("Nee", exact=True).click()
    outcome = page.locator("#uitkomst")
    # The outcome follows the answers before saving (htmx asks the server).
    weapons = page.locator("fieldset.yes-no", has_text="Wapens bekend of vermoed")
    weapons.get_by_text("Ja", exact=True).click()
    outcome.locator(".level--police").wait_for()
    weapons.get_by_text("Nee", exact=True).click()
    outcome.locator(".level--high").wait_for()
    outcome.get_by_text("Een collega of het kantoor weet waar ik ben").click()
    outcome.get_by_text("Kortere check-in").click()
    page.get_by_role("button", name="Inschatting opslaan").click()
    page.wait_for_url(re.compile(r"/bezoeken/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def assert_high_with_reasons_and_refused(page) -> None:
    assert page.locator("#risico .level").inner_text() == "Hoog"
    reasons = page.locator("#risico .reasons").inner_text()
    assert "Onvrijwillig bezoek (+2)" in reasons
    assert "Eerdere incidenten met deze burger of op dit adres (+3)" in reasons
    blockers = page.locator("#blockers")
    assert "Inchecken kan nog niet" in blockers.inner_text()
    assert "Ga niet alleen: voeg een collega of externe begeleider toe." in blockers.inner_text()


def try_check_in(page, server, visit_id: int, expect: str) -> None:
    """Tap the check-in button and check the visit's status.

    Only the refusal is tried here: this server's clock runs a day ahead of the browser's,
    and the check-in rightly refuses a phone time that far off.
    """
    button = page.get_by_role("button", name="Inchecken")
    assert button.count() == 1, "the visit page has no check-in button"
    url = page.url
    button.click()
    page.wait_for_load_state("networkidle")
    db = server.db()
    status = db.execute("select status from visits where id = ?", [visit_id]).fetchone()[0]
    db.conn.close()
    assert status == expect
    if expect == "planned":
        assert "Ga niet alleen" in page.locator("main").inner_text()
        page.goto(url)


def test_high_risk_visit_is_refused_until_a_companion_is_added(browser, day_server):
    add_incident(day_server, "20")
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, day_server.url, "demo-medewerker")
        errors = watch_csp(page)
        visit_id = plan_involuntary_high_risk_visit(page)
        assert_high_with_reasons_and_refused(page)
        try_check_in(page, day_server, visit_id, expect="planned")
        page.select_option("#f-companion", label="Kees Kantoor")
        page.get_by_role("button", name="Collega toevoegen").click()
        page.locator("#ready").wait_for()
        assert page.locator("#blockers").count() == 0
        assert "Kees Kantoor" in page.locator("#begeleiders").inner_text()
        db = day_server.db()
        level = db.execute("select risk_level from visits where id = ?", [visit_id]).fetchone()
        assert level[0] == "high"
        assert db["visit_companions"].count_where("visit_id = ?", [visit_id]) == 1
        db.conn.close()
        assert not [e for e in errors if "Content Security Policy" in e]
    finally:
        context.close()


def test_high_risk_visit_is_refused_until_the_coordinator_approves(browser, day_server):
    add_incident(day_server, "20")
    worker = browser.new_context(**PHONE)
    coordinator = browser.new_context(**PHONE)
    try:
        page = login_page(worker, day_server.url, "demo-medewerker")
        visit_id = plan_involuntary_high_risk_visit(page)
        assert_high_with_reasons_and_refused(page)
        try_check_in(page, day_server, visit_id, expect="planned")
        boss = login_page(coordinator, day_server.url, "demo-coordinator")
        boss.goto(f"{day_server.url}/bezoeken/{visit_id}")
        boss.fill("#f-reason", "Wijkagent is in de straat; collega belt na 15 minuten.")
        boss.get_by_role("button", name="Toestemming geven").click()
        assert "Uw toestemming is vastgelegd." in boss.locator("main").inner_text()
        page.reload()
        page.locator("#ready").wait_for()
        assert "Cor Coördinator" in page.locator(".approvals").inner_text()
        db = day_server.db()
        row = db.execute(
            "select a.reason, u.username, a.approved_at, a.waived from visit_approvals a "
            "join users u on u.id = a.approved_by where a.visit_id = ?",
            [visit_id],
        ).fetchone()
        db.conn.close()
        assert row[0].startswith("Wijkagent is in de straat")
        assert row[1] == "demo-coordinator" and row[2]
        assert "Ga niet alleen" in row[3]
    finally:
        worker.close()
        coordinator.close()


def test_voluntary_low_risk_visit_in_few_taps(phone, day_server, record_property):
    page = login_page(phone, day_server.url, "demo-medewerker")
    errors = watch_csp(page)
    taps = Taps(page)
    taps.tap(page.get_by_role("link", name="Nieuw bezoek"))
    box = page.get_by_role("button", name="Bezoek opslaan").bounding_box()
    assert box["height"] >= 44
    type_address(page, "31")  # not counted: typing the address
    taps.tap(page.get_by_role("button", name="Bezoek opslaan"))
    page.wait_for_url(re.compile(r"/bezoeken/\d+/inschatting$"))
    assert page.locator("#uitkomst .level").inner_text() == "Laag"
    # Nothing is answered for the worker: an untouched list is no "no", one tap says so.
    assert page.locator("input[name=none_apply]:checked").count() == 0
    taps.tap(page.get_by_text("Geen van deze", exact=True))
    for measure in page.locator("#uitkomst input[name=measure]").all():
        taps.tap(measure)
    taps.tap(page.get_by_role("button", name="Opslaan en inchecken"))
    page.wait_for_url(re.compile(r"/bezoeken/\d+$"))
    page.get_by_role("button", name="Ik ben veilig — bezoek afronden").wait_for()
    visit_id = int(page.url.rsplit("/", 1)[1])
    record_property("taps_voluntary_low_risk", taps.count)
    print(f"\nTaps from the home screen to checked in, besides the address: {taps.count}")
    assert taps.count <= 6
    assert taps.count == 6  # new visit, save, "none of these", two measures, save and check in
    db = day_server.db()
    visit = db.execute(
        "select risk_level, voluntary, status, assessment_id from visits where id = ?", [visit_id]
    ).fetchone()
    assert tuple(visit)[:3] == ("low", 1, "running")
    confirmed = db.execute(
        "select count(*) from measure_confirmations where assessment_id = ?", [visit[3]]
    ).fetchone()[0]
    answers = json.loads(
        db.execute("select answers from risk_assessments where id = ?", [visit[3]]).fetchone()[0]
    )
    db.conn.close()
    assert confirmed == 2
    assert answers["first_visit"] and answers["alone"]  # what the app knows from the planning
    assert not answers["weapons"]  # answered "none of these" by the worker, not pre-answered
    assert not [e for e in errors if "Content Security Policy" in e]


def test_visit_screens_have_no_wcag_violations(browser, day_server):
    from .test_browser_shell import _axe_violations

    add_incident(day_server, "20")
    context = browser.new_context(**PHONE)
    try:
        page = login_page(context, day_server.url, "demo-medewerker")
        page.get_by_role("link", name="Nieuw bezoek").click()
        assert _axe_violations(page) == [], "plan form"
        page.goto(day_server.url + "/")
        visit_id = plan_involuntary_high_risk_visit(page)
        for path in [
            f"/bezoeken/{visit_id}",
            f"/bezoeken/{visit_id}/inschatting",
            "/",
            "/bezoeken/protocolkaart",
        ]:
            page.goto(day_server.url + path)
            assert _axe_violations(page) == [], path
        context.clear_cookies()
        boss = login_page(context, day_server.url, "demo-coordinator")
        for path in [
            "/bezoeken/team",
            "/bezoeken/protocol",
            "/bezoeken/voorwaarden",
            f"/bezoeken/{visit_id}",
        ]:
            boss.goto(day_server.url + path)
            assert _axe_violations(boss) == [], path
    finally:
        context.close()
