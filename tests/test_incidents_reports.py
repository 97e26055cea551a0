"""The report form, who sees a report, and the coordinator's overview."""

import json
import re
import uuid

import pytest

from app import users
from app.clock import iso, now

from .factories import add_user, make_visit, user_id

FORM = {
    "behaviours": "insult",
    "description": "Schold mij uit toen ik het besluit uitlegde.",
    "consequences": "emotional",
    "place_kind": "home_visit",
    "occurred_at": "2026-11-02T09:30",
    "perpetrator_kind": "unknown",
}


def file_report(auth, **changes):
    """Send the plain form (no script), as a browser without JavaScript would."""
    return auth.post("/incidenten/nieuw", {"client_id": str(uuid.uuid4()), **FORM, **changes})


def test_the_form_is_prefilled_from_the_visit(client, auth, db):
    visit_id = make_visit(db, case_ref="Z-2026-0042", postcode="3511AB", house_number="12")
    auth.login("demo-medewerker")
    page = client.get(f"/incidenten/nieuw?visit_id={visit_id}").get_data(as_text=True)
    assert "Bij bezoek: Domplein 12, Utrecht" in page
    assert f'name="visit_id" value="{visit_id}"' in page
    assert 'value="Z-2026-0042"' in page and 'value="3511AB"' in page
    assert re.search(r'<option value="home_visit" selected>', page)
    assert 'value="2026-11-02T10:00"' in page  # now, in Amsterdam time


@pytest.mark.parametrize("visit_id", ["999", "abc", "-1"])
def test_the_form_for_an_unknown_visit_is_404(client, auth, visit_id):
    auth.login("demo-medewerker")
    assert client.get(f"/incidenten/nieuw?visit_id={visit_id}").status_code == 404


def test_another_teams_visit_is_404(client, auth, db):
    add_user(db, "ander.team", users.FIELD_WORKER, team="Wijkteam Noord")
    visit_id = make_visit(db, worker="ander.team")
    auth.login("demo-medewerker")
    assert client.get(f"/incidenten/nieuw?visit_id={visit_id}").status_code == 404


def test_the_plain_form_stores_a_linked_report_once(client, auth, db):
    visit_id = make_visit(db, case_ref="Z-7")
    auth.login("demo-medewerker")
    data = {"client_id": str(uuid.uuid4()), **FORM, "visit_id": str(visit_id), "case_ref": ""}
    data.pop("perpetrator_kind")
    response = auth.post("/incidenten/nieuw", data)
    assert response.status_code == 303
    [row] = db.query("select * from incidents")
    assert response.headers["Location"] == f"/incidenten/{row['id']}"
    assert (row["visit_id"], row["address_key"], row["case_ref"]) == (visit_id, "3511AB|12", "Z-7")
    assert (row["perpetrator_kind"], row["reporter_id"], row["team_id"]) == ("case_ref", 1, 1)
    assert row["occurred_at"] == "2026-11-02T08:30:00+00:00"
    again = auth.post("/incidenten/nieuw", data)  # a double tap on "Versturen"
    assert again.headers["Location"] == response.headers["Location"]
    assert db["incidents"].count == 1
    [audit] = db.query("select * from audit_log where action = 'incident.create'")
    assert audit["object_id"] == str(row["id"])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"behaviours": "no_such_code"}, "Onbekende gedraging: no_such_code"),
        ({"occurred_at": "2026-11-03T09:00"}, "Dit tijdstip ligt in de toekomst."),
        ({"description": ""}, "Beschrijf kort wat er gebeurde."),
        ({"consequences": ""}, "Kies de gevolgen voor u."),
        ({"place_kind": ""}, "Kies waar het gebeurde."),
        ({"postcode": "ABCD 12"}, "Vul een geldige postcode in, bijvoorbeeld 3511 AB."),
        ({"visit_id": "424242"}, "Dit bezoek bestaat niet of is niet van u."),
    ],
)
def test_bad_form_input_is_shown_beside_the_field_and_saves_nothing(auth, db, changes, message):
    auth.login("demo-medewerker")
    response = file_report(auth, **changes)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert "De melding is nog niet opgeslagen." in page
    assert db["incidents"].count == 0 and db["sync_receipts"].count == 0


def test_a_behaviour_sets_the_most_serious_form(auth, db):
    auth.login("demo-medewerker")
    file_report(auth, behaviours=["insult", "spit"], form="verbal")
    [row] = db.query("select form, behaviours from incidents")
    assert row["form"] == "physical"
    assert json.loads(row["behaviours"]) == ["insult", "spit"]


def test_the_administrator_has_no_report_form(client, auth):
    auth.login("demo-beheer")
    assert client.get("/incidenten/nieuw").status_code == 403


def test_the_offline_shell_needs_no_login_and_names_nobody(client, auth):
    page = client.get("/incidenten/formulier").get_data(as_text=True)
    assert "Incident melden" in page and 'data-outbox-form="incident"' in page
    auth.login("demo-medewerker")
    page = client.get("/incidenten/formulier").get_data(as_text=True)
    assert "Demi" not in page and "user_id" not in page and "0622222222" not in page
    assert 'action="/logout"' not in page
    worker = client.get("/sw.js").get_data(as_text=True)
    assert (
        '"/incidenten/formulier?taal=nl"' in worker and '"/offline?taal=en"]' in worker
    )  # offline page stays last, each kept page in every language
    assert re.search(r'"/static/js/outbox\.[0-9a-f]{10}\.js"', worker)  # by its content hash


def _insert_report(db, reporter: str, **fields) -> int:
    """Store a report directly (the form and sync paths have their own tests)."""
    reporter_id = user_id(db, reporter)
    team_id = db.execute("select team_id from users where id = ?", [reporter_id]).fetchone()[0]
    row = {
        "client_id": str(uuid.uuid4()),
        "team_id": team_id,
        "reporter_id": reporter_id,
        "occurred_at": iso(now()),
        "received_at": iso(now()),
        "place_kind": "counter",
        "form": "threat",
        "behaviours": '["intimidation"]',
        "description": f"Melding van {reporter}",
        "consequences": "sick_leave",
        **fields,
    }
    return db["incidents"].insert(row).last_pk


@pytest.fixture
def people(db):
    """A second worker and office in the demo team, and a coordinator of another team."""
    add_user(db, "collega", users.FIELD_WORKER)
    add_user(db, "noord.coordinator", users.COORDINATOR, team="Wijkteam Noord")


@pytest.mark.parametrize(
    ("viewer", "sees", "sees_health"),
    [
        ("demo-medewerker", True, False),  # the reporter
        ("demo-coordinator", True, True),
        ("demo-kantoor", False, False),  # no alarm on this report's visit
        ("collega", False, False),
        ("noord.coordinator", False, False),  # another team: 404
        ("demo-beheer", False, False),
    ],
)
def test_who_sees_a_report(client, auth, db, people, viewer, sees, sees_health):
    incident_id = _insert_report(db, "demo-medewerker")
    password = "demo-wachtwoord" if viewer.startswith("demo") else "lang genoeg wachtwoord"
    auth.login(viewer, password)
    response = client.get(f"/incidenten/{incident_id}")
    assert response.status_code == (200 if sees else 404)
    page = response.get_data(as_text=True)
    assert ("Verzuim" in page) is sees_health
    listing = client.get("/incidenten/").get_data(as_text=True)
    assert (f'data-incident-id="{incident_id}"' in listing) is sees


def test_the_office_sees_a_report_on_a_visit_with_an_alarm(client, auth, db):
    visit_id = make_visit(db)
    incident_id = _insert_report(db, "demo-medewerker", visit_id=visit_id)
    auth.login("demo-kantoor")
    assert client.get(f"/incidenten/{incident_id}").status_code == 404
    db["alarms"].insert(
        {
            "visit_id": visit_id,
            "team_id": 1,
            "kind": "overdue",
            "status": "open",
            "opened_at": iso(now()),
        }
    )
    page = client.get(f"/incidenten/{incident_id}").get_data(as_text=True)
    assert "Melding van demo-medewerker" in page
    assert "Verzuim" not in page and "data-health" not in page  # health is for the coordinator
    [seen] = db.query("select * from audit_log where action = 'incident.view'")
    assert seen["object_id"] == str(incident_id)


def test_the_coordinator_home_lists_the_teams_reports_only(client, auth, db, people):
    mine = _insert_report(db, "demo-medewerker", wants_aangifte=1)
    theirs = _insert_report(db, "noord.coordinator")
    auth.login("demo-coordinator")
    page = client.get("/").get_data(as_text=True)
    assert page.count("data-incident-id=") == 1
    assert f'data-incident-id="{mine}"' in page and f'data-incident-id="{theirs}"' not in page
    assert "Persoonlijke bedreiging: Intimidatie, bedreiging" in page
    assert "Wil aangifte doen: 1." in page


def test_the_coordinator_home_without_reports(client, auth):
    auth.login("demo-coordinator")
    assert "Er zijn geen incidenten die opvolging vragen." in client.get("/").get_data(
        as_text=True
    )
