"""The coordinator's register and each incident's follow-up checklist, with its audit trail."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from markupsafe import escape

from app.clock import LOCAL
from app.users import COORDINATOR, OFFICE

from .factories import add_user, make_visit, user_id
from .followup_helpers import audit_actions, make_incident

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=LOCAL)  # the fake clock stands at 10:00 local


@pytest.fixture
def coordinator(auth):
    auth.login("demo-coordinator")
    return auth


def row(db, incident_id: int) -> dict:
    found = list(db.query("select * from followups where incident_id = ?", [incident_id]))
    return found[0] if found else {}


def set_clock(clock, moment: datetime, auth=None) -> None:
    """Move the fake clock; sign in again, as a session does not outlast days."""
    clock.moment = moment.astimezone(UTC)
    if auth is not None:
        auth.login("demo-coordinator")


# --- the register: filters, countdowns, overdue ------------------------------------------


def test_the_register_lists_the_teams_incidents_with_their_countdown(client, db, coordinator):
    incident_id = make_incident(db, MONDAY)
    oost = add_user(db, "oost.medewerker", team="Wijkteam Oost")
    make_incident(db, MONDAY, reporter="oost.medewerker")
    page = client.get("/opvolging/").get_data(as_text=True)
    assert f'data-incident-id="{incident_id}"' in page
    assert page.count("data-incident-id=") == 1  # never another team's
    assert "nog 47 u 0 min" in page  # 48 h from 09:00, the clock at 10:00
    assert "Uiterlijk wo 4 nov 09:00" in page
    assert "Uiterlijk wo 4 nov 23:59" in page  # end of Wednesday, the second working day
    assert oost


@pytest.mark.parametrize(
    ("query", "shown"),
    [
        ("form=threat", True),
        ("form=physical", False),
        ("place=home_visit", True),
        ("place=phone", False),
        ("visit_kind=1:kitchen_table", True),
        ("visit_kind=none", False),
        ("status=open", True),
        ("status=closed", False),
        ("van=2026-11-03", False),
        ("tot=2026-11-01", False),
        ("van=2026-11-02&tot=2026-11-02", True),
        ("overdue=1", False),
    ],
)
def test_the_register_filters(client, db, coordinator, query, shown):
    visit_id = make_visit(db)
    incident_id = make_incident(db, MONDAY, visit_id=visit_id)
    page = client.get(f"/opvolging/?{query}").get_data(as_text=True)
    assert (f'data-incident-id="{incident_id}"' in page) is shown


def test_a_bad_filter_is_a_dutch_message_not_an_error(client, db, coordinator):
    response = client.get("/opvolging/?van=2026-11-05&tot=2026-11-01")
    assert response.status_code == 400
    assert "De einddatum ligt vóór de begindatum." in response.get_data(as_text=True)


def overdue_on_home(client) -> int:
    page = client.get("/").get_data(as_text=True)
    return int(page.split('data-overdue-count="', 1)[1].split('"', 1)[0])


def test_overdue_across_the_weekend_on_the_register_and_the_home(client, db, clock, coordinator):
    friday = datetime(2026, 11, 6, 16, 0, tzinfo=LOCAL)
    incident_id = make_incident(db, friday)
    set_clock(
        clock, datetime(2026, 11, 8, 15, 59, tzinfo=LOCAL), coordinator
    )  # Sunday, a minute before
    assert overdue_on_home(client) == 0
    set_clock(clock, datetime(2026, 11, 8, 16, 1, tzinfo=LOCAL), coordinator)
    assert overdue_on_home(client) == 1
    page = client.get("/opvolging/?overdue=1").get_data(as_text=True)
    assert f'data-incident-id="{incident_id}"' in page and "0 u 1 min te laat" in page
    # The police report is due at the end of Tuesday: Monday and Tuesday are the working days.
    detail = client.get(f"/opvolging/{incident_id}").get_data(as_text=True)
    police = detail.split('data-deadline="police"', 1)[1].split("</p>", 1)[0]
    assert "Uiterlijk di 10 nov 23:59" in police and "nog 55 u 59 min" in police
    # Recording the response ends the overdue flag; the police report is not due yet.
    answer = {"response_kind": "incident_talk", "response_at": "2026-11-08T16:00"}
    assert coordinator.post(f"/opvolging/{incident_id}/reactie", answer).status_code == 303
    assert overdue_on_home(client) == 0
    set_clock(
        clock, datetime(2026, 11, 11, 0, 1, tzinfo=LOCAL), coordinator
    )  # Wednesday, just past
    assert overdue_on_home(client) == 1
    late = {"police_status": "filed", "police_filed_by": "worker", "police_filed_on": "2026-11-11"}
    assert coordinator.post(f"/opvolging/{incident_id}/aangifte", late).status_code == 303
    assert overdue_on_home(client) == 0
    detail = client.get(f"/opvolging/{incident_id}").get_data(as_text=True)
    assert "Te laat gedaan" in detail and "Op tijd" in detail  # police late, response in time


def test_overdue_across_the_night_the_clocks_go_back(client, db, clock, coordinator):
    incident_id = make_incident(db, datetime(2026, 10, 23, 10, 0, tzinfo=LOCAL))
    set_clock(
        clock, datetime(2026, 10, 25, 8, 30, tzinfo=LOCAL), coordinator
    )  # Sunday, after 03:00
    page = client.get(f"/opvolging/{incident_id}").get_data(as_text=True)
    assert "Uiterlijk zo 25 okt 09:00" in page and "nog 0 u 30 min" in page
    set_clock(clock, datetime(2026, 10, 25, 9, 1, tzinfo=LOCAL), coordinator)
    assert overdue_on_home(client) == 1


def test_a_closed_follow_up_is_never_overdue(client, db, clock, coordinator):
    incident_id = make_incident(db, MONDAY)
    note = {"closure_note": "Burger is verhuisd; geen reactie meer mogelijk."}
    assert coordinator.post(f"/opvolging/{incident_id}/afsluiten", note).status_code == 303
    set_clock(clock, clock() + timedelta(days=10), coordinator)
    assert overdue_on_home(client) == 0


# --- each item, with who and when and the audit trail -------------------------------------


def test_every_item_is_stored_with_who_and_when_and_audited(client, db, clock, coordinator):
    incident_id = make_incident(db, MONDAY, property_damage=1)
    me = user_id(db, "demo-coordinator")
    post = coordinator.post
    assert post(f"/opvolging/{incident_id}/eigenaar", {"owner_id": me}).status_code == 303
    talk = {"response_kind": "incident_talk", "response_at": "2026-11-02T09:45"}
    assert post(f"/opvolging/{incident_id}/reactie", talk).status_code == 303
    police = {
        "police_status": "filed",
        "police_filed_by": "employer",
        "police_filed_on": "2026-11-02",
        "police_reference": "PL0900-2026-123",
        "police_vpt": "1",
        "police_employer_address": "1",
    }
    assert post(f"/opvolging/{incident_id}/aangifte", police).status_code == 303
    damage = {
        "damage_cents": "125,50",
        "damage_claim_sent_on": "2026-11-02",
        "damage_status": "claimed",
    }
    assert post(f"/opvolging/{incident_id}/schade", damage).status_code == 303
    held = {"held_on": "2026-11-02", "held_by": "Cor", "referral": "victim_support"}
    assert post(f"/opvolging/{incident_id}/nazorg", held).status_code == 303
    analysis = {
        "missing": ["pair", "training"],
        "analysis_lessons": "Bij deze zaak altijd samen op pad.",
        "analysis_protocol_change": "yes",
    }
    assert post(f"/opvolging/{incident_id}/analyse", analysis).status_code == 303
    stored = row(db, incident_id)
    moment = "2026-11-02T09:00:00+00:00"
    assert stored["owner_id"] == me
    assert (stored["response_kind"], stored["response_at"]) == (
        "incident_talk",
        moment[:11] + "08:45:00+00:00",
    )
    assert (stored["response_by"], stored["response_recorded_at"]) == (me, moment)
    assert (stored["police_status"], stored["police_filed_by"], stored["police_vpt"]) == (
        "filed",
        "employer",
        1,
    )
    assert (stored["police_reference"], stored["police_by"]) == ("PL0900-2026-123", me)
    assert (stored["damage_cents"], stored["damage_status"], stored["damage_by"]) == (
        12550,
        "claimed",
        me,
    )
    assert [m["key"] for m in json.loads(stored["analysis_missing"])] == ["pair", "training"]
    assert stored["analysis_protocol_change"] == 1 and stored["analysis_by"] == me
    [talk_row] = db.query("select * from aftercare_talks where incident_id = ?", [incident_id])
    assert (talk_row["referral"], talk_row["created_by"]) == ("victim_support", me)
    actions = [a for a, result in audit_actions(db, incident_id) if result == "ok"]
    assert actions == [
        "followup.owner",
        "followup.response",
        "followup.police",
        "followup.damage",
        "followup.aftercare",
        "followup.analysis",
    ]
    page = client.get(f"/opvolging/{incident_id}").get_data(as_text=True)
    assert "Vastgelegd door Cor Coördinator op 2 nov 2026 10:00" in page
    assert "€\xa0125,50" in page and "Gesprekken: 1 van 3." in page
    # The audit trail holds what changed, never the free text.
    details = " ".join(d or "" for (d,) in db.execute("select detail from audit_log"))
    assert "samen op pad" not in details and "PL0900" not in details


def test_closing_names_what_is_still_open_and_needs_a_reason(client, db, coordinator):
    incident_id = make_incident(db, MONDAY)
    response = coordinator.post(f"/opvolging/{incident_id}/afsluiten", {"closure_note": ""})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Er staat nog iets open: schrijf waarom u toch afsluit." in page
    assert "Reactie naar de dader (binnen 48 uur)" in page.split("data-still-open", 1)[1]
    assert row(db, incident_id) == {}
    note = {"closure_note": "Medewerker wil niets meer; team is ingelicht."}
    assert coordinator.post(f"/opvolging/{incident_id}/afsluiten", note).status_code == 303
    closed = row(db, incident_id)
    still_open = json.loads(closed["closed_open"])
    assert "Opvang en nazorg (0 van 3 gesprekken)" in still_open
    assert "Aangifte (binnen twee werkdagen)" in still_open and closed["closed_at"]
    assert ("followup.close", "ok") in audit_actions(db, incident_id)
    assert coordinator.post(f"/opvolging/{incident_id}/heropenen").status_code == 303
    assert row(db, incident_id)["closed_at"] is None


# --- bad input changes nothing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data", "field", "message"),
    [
        (
            "reactie",
            {"response_kind": "incident_talk", "response_at": "2026-11-02T08:59"},
            "response_at",
            "De reactie kan niet vóór het incident zijn gegeven.",
        ),
        (
            "reactie",
            {"response_kind": "incident_talk", "response_at": "2026-11-03T09:00"},
            "response_at",
            "Dit tijdstip ligt in de toekomst.",
        ),
        (
            "reactie",
            {"response_kind": "none", "response_at": "2026-11-02T09:30"},
            "response_note",
            "Schrijf waarom er geen reactie komt.",
        ),
        (
            "reactie",
            {"response_kind": "slap", "response_at": "2026-11-02T09:30"},
            "response_kind",
            "Kies de reactie uit de lijst.",
        ),
        (
            "reactie",
            {
                "response_kind": "building_ban",
                "response_at": "2026-11-02T09:30",
                "response_note": "x",
                "ends_on": "2026-11-01",
            },
            "ends_on",
            "Deze einddatum ligt in het verleden.",
        ),
        (
            "reactie",
            {
                "response_kind": "contact_ban",
                "response_at": "2026-11-02T09:30",
                "response_note": "Dreigde.",
                "ends_on": "2027-01-31",
                "notice_on": "2027-02-01",
                "notice_method": "letter",
            },
            "notice_on",
            "Deze datum ligt in de toekomst.",
        ),
        (
            "aangifte",
            {
                "police_status": "filed",
                "police_filed_by": "worker",
                "police_filed_on": "2026-11-01",
            },
            "police_filed_on",
            "Deze datum ligt vóór het incident.",
        ),
        (
            "aangifte",
            {"police_status": "not_filed"},
            "police_reason",
            "Schrijf waarom er geen aangifte is gedaan.",
        ),
        (
            "aangifte",
            {"police_status": "filed", "police_filed_on": "2026-11-02"},
            "police_filed_by",
            "Kies wie de aangifte deed.",
        ),
        (
            "schade",
            {"damage_cents": "-10", "damage_status": "open"},
            "damage_cents",
            "Een bedrag kan niet negatief zijn.",
        ),
        (
            "schade",
            {"damage_cents": "tien", "damage_status": "open"},
            "damage_cents",
            "Vul een bedrag in euro's in, bijvoorbeeld 125,50.",
        ),
        (
            "schade",
            {"damage_cents": "100", "damage_paid_cents": "-5", "damage_status": "open"},
            "damage_paid_cents",
            "Een bedrag kan niet negatief zijn.",
        ),
        (
            "schade",
            {
                "damage_cents": "100",
                "damage_claim_sent_on": "2026-11-02",
                "damage_paid_on": "2026-11-01",
                "damage_status": "paid",
            },
            "damage_paid_on",
            "Deze datum ligt vóór het incident.",
        ),
        (
            "nazorg",
            {"held_on": "2026-11-01", "held_by": "Cor", "referral": "none"},
            "held_on",
            "Deze datum ligt vóór het incident.",
        ),
        (
            "nazorg",
            {"held_on": "2026-11-09", "held_by": "Cor", "referral": "none"},
            "held_on",
            "Deze datum ligt in de toekomst.",
        ),
        (
            "analyse",
            {"missing": ["unknown"], "analysis_protocol_change": "no"},
            "missing",
            "Kies maatregelen uit de lijst.",
        ),
        ("eigenaar", {"owner_id": "2"}, "owner_id", "Kies een coördinator van het team."),
    ],
)
def test_bad_input_is_refused_in_dutch_and_changes_nothing(
    client, db, coordinator, path, data, field, message
):
    incident_id = make_incident(db, MONDAY)
    before = (db["address_measures"].count, db["aftercare_talks"].count)
    response = coordinator.post(f"/opvolging/{incident_id}/{path}", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="e-{field}"' in page and str(escape(message)) in page
    assert row(db, incident_id) == {}
    assert (db["address_measures"].count, db["aftercare_talks"].count) == before
    assert audit_actions(db, incident_id)[-1][1] == "refused"


def test_paid_before_the_claim_was_sent_is_out_of_order(client, db, clock, coordinator):
    incident_id = make_incident(db, MONDAY)
    set_clock(clock, clock() + timedelta(days=20), coordinator)
    data = {
        "damage_cents": "100",
        "damage_claim_sent_on": "2026-11-10",
        "damage_paid_on": "2026-11-05",
        "damage_paid_cents": "100",
        "damage_status": "paid",
    }
    response = coordinator.post(f"/opvolging/{incident_id}/schade", data)
    assert response.status_code == 422
    assert "De betaling ligt vóór de verzending van de vordering." in response.get_data(
        as_text=True
    )
    assert row(db, incident_id) == {}


# --- who may see it ------------------------------------------------------------------------


def followup_urls(app, incident_id: int, flag_id: int) -> list[tuple[str, str]]:
    """Every follow-up URL that names an incident or a flag, with each of its methods."""
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("followup.") or not rule.arguments:
            continue
        path = rule.rule.replace("<int:incident_id>", str(incident_id))
        path = path.replace("<int:flag_id>", str(flag_id))
        urls += [(method, path) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return urls


def test_a_coordinator_of_another_team_gets_404_on_every_follow_up_url(app, client, db, auth):
    incident_id = make_incident(db, MONDAY)
    flag_id = (
        db["address_measures"]
        .insert(
            {
                "team_id": 1,
                "address_key": "3511AB|12",
                "kind": "contact_ban",
                "starts_on": "2026-11-02",
                "ends_on": "2027-05-01",
                "created_by": 1,
                "created_at": "2026-11-02T09:00:00+00:00",
            }
        )
        .last_pk
    )
    add_user(db, "oost.coordinator", role=COORDINATOR, team="Wijkteam Oost")
    auth.login("oost.coordinator", "lang genoeg wachtwoord")
    urls = followup_urls(app, incident_id, flag_id)
    assert len(urls) >= 12
    for method, path in urls:
        if method == "GET":
            status = client.get(path).status_code
        else:
            status = auth.post(path, {"owner_id": "3", "response_kind": "none"}).status_code
        assert status == 404, (method, path)
    assert row(db, incident_id) == {}
    assert db["address_measures"].get(flag_id)["ended_on"] is None
    # The lists show the other team nothing of ours.
    assert "data-incident-id" not in client.get("/opvolging/").get_data(as_text=True)
    assert f"flag-{flag_id}" not in client.get("/opvolging/signaleringen").get_data(as_text=True)
    csv = client.get("/opvolging/export/incidenten.csv").get_data(as_text=True)
    assert csv.count("\r\n") == 1


@pytest.mark.parametrize("username", ["demo-medewerker", "demo-kantoor", "demo-beheer"])
def test_only_coordinators_follow_up(app, client, db, auth, username):
    incident_id = make_incident(db, MONDAY)
    auth.login(username)
    for method, path in followup_urls(app, incident_id, 1) + [("GET", "/opvolging/trends")]:
        status = client.get(path).status_code if method == "GET" else auth.post(path).status_code
        assert status == 403, (method, path)


def test_an_office_user_cannot_own_a_follow_up(client, db, coordinator):
    incident_id = make_incident(db, MONDAY)
    office = add_user(db, "kantoor.twee", role=OFFICE)
    response = coordinator.post(f"/opvolging/{incident_id}/eigenaar", {"owner_id": office})
    assert response.status_code == 422 and row(db, incident_id) == {}


def test_the_police_sheet_holds_the_facts_and_the_employers_address(app, client, db, coordinator):
    app.config["VOP_EMPLOYER_ADDRESS"] = "Gemeente Utrecht, Stadsplateau 1, 3521 AZ Utrecht"
    incident_id = make_incident(db, MONDAY, behaviours='["intimidation", "weapon"]')
    page = client.get(f"/opvolging/{incident_id}/aangifte/informatieblad").get_data(as_text=True)
    for fact in ("Wie (dader)", "Wat", "Waar", "Wanneer", "Hoe (wat er gebeurde)", "Waarmee"):
        assert f"<dt>{fact}</dt>" in page
    assert "Bekend: zaakreferentie: Z-2026-001" in page and "Wapengebruik" in page
    assert "2 nov 2026 09:00" in page and "Dreigde de medewerker op te wachten." in page
    assert "Stadsplateau 1" in page and "(VPT)" in page
    assert ("followup.police_sheet", "ok") in audit_actions(db, incident_id)


def test_a_ban_becomes_a_flag_the_next_risk_assessment_shows(client, db, auth, coordinator):
    incident_id = make_incident(db, MONDAY)
    data = {
        "response_kind": "building_ban",
        "response_at": "2026-11-02T09:30",
        "response_note": "Dreigde de medewerker op te wachten.",
        "ends_on": "2027-05-01",
    }
    assert coordinator.post(f"/opvolging/{incident_id}/reactie", data).status_code == 303
    [flag] = db.query("select * from address_measures")
    assert (flag["kind"], flag["starts_on"], flag["ends_on"]) == (
        "building_ban",
        "2026-11-02",
        "2027-05-01",
    )
    assert (flag["address_key"], flag["case_ref"], flag["incident_id"]) == (
        "3511AB|12",
        "Z-2026-001",
        incident_id,
    )
    assert flag["reason"] == data["response_note"] and flag["notice_on"] is None
    page = client.get(f"/opvolging/{incident_id}").get_data(as_text=True)
    assert "onvolledig: burger nog niet ingelicht" in page
    auth.logout()
    auth.login("demo-medewerker")
    visit_id = make_visit(db, assessed=False)
    page = client.get(f"/bezoeken/{visit_id}/inschatting").get_data(as_text=True)
    assert "Pandverbod · sinds 2026-11-02 tot en met 2027-05-01" in page
    assert timedelta(0) is not None


def test_the_report_page_leads_the_coordinator_to_its_follow_up(client, db, auth):
    incident_id = make_incident(db, MONDAY)
    auth.login("demo-medewerker")  # the reporter sees the report, not the follow-up
    assert "data-followup-link" not in client.get(f"/incidenten/{incident_id}").get_data(
        as_text=True
    )
    auth.logout()
    auth.login("demo-coordinator")
    page = client.get(f"/incidenten/{incident_id}").get_data(as_text=True)
    assert f'href="/opvolging/{incident_id}" data-followup-link' in page
