"""One address key and one case-reference rule for visits, incidents and measures."""

import uuid

import pytest
from sqlite_utils import Database

from app import addresses
from app.db import connect
from app.migrations import migrations

from .test_sync_protocol import report, send

SPELLINGS = ["12-A", "12 a", "12a", "12-a", "12A", " 12a "]
PLAN = {
    "street": "Domplein",
    "postcode": "3511 ab",
    "city": "Utrecht",
    "location_type": "home",
    "kind": "1:kitchen_table",
    "planned_start": "2026-11-02T10:30",
    "expected_minutes": "60",
}


@pytest.mark.parametrize("number", ["12-A", "12 a", "12a", "12-a", "12A"])
def test_every_spelling_of_a_house_number_gives_one_key(number):
    assert addresses.address_key("3511AB", number) == "3511AB|12A"


def test_an_incident_at_12_a_shows_in_the_history_of_a_visit_at_12_A(client, auth, db):
    auth.login("demo-medewerker")
    incident = {"id": str(uuid.uuid4()), "kind": "incident", "created_at": None}
    data = report(street="Domplein", house_number="12-a", postcode="3511 AB", city="Utrecht")
    [result] = send(client, [{**incident, "data": data}]).get_json()["results"]
    assert result["outcome"] == "stored"
    response = auth.post("/bezoeken/nieuw", {**PLAN, "house_number": "12-A"})
    assert response.status_code == 303
    visit = db.execute("select * from visits order by id desc limit 1").fetchone()
    stored = db.execute("select address_key from incidents").fetchone()[0]
    assert visit["address_key"] == stored == "3511AB|12A"
    page = client.get(f"/bezoeken/{visit['id']}/inschatting").get_data(as_text=True)
    assert "Eerdere incidenten" in page and "(Non-)verbale agressie" in page
    assert "Werd uitgescholden" not in page  # its description is not


@pytest.mark.parametrize("number", SPELLINGS)
def test_visits_and_incidents_key_every_spelling_alike(client, auth, db, number):
    auth.login("demo-medewerker")
    data = report(house_number=number, postcode="3511AB", street="Domplein", city="Utrecht")
    [result] = send(client, [{"id": str(uuid.uuid4()), "kind": "incident", "data": data}]).json[
        "results"
    ]
    assert result["outcome"] == "stored"
    assert auth.post("/bezoeken/nieuw", {**PLAN, "house_number": number}).status_code == 303
    keys = {
        row[0]
        for row in db.execute(
            "select address_key from incidents union all select address_key from visits"
        )
    }
    assert keys == {"3511AB|12A"}


def test_a_name_is_refused_as_case_reference_for_visits_and_incidents(client, auth, db):
    auth.login("demo-medewerker")
    response = auth.post("/bezoeken/nieuw", {**PLAN, "house_number": "12", "case_ref": "Jansen"})
    assert response.status_code == 422
    assert "Gebruik een zaaknummer met cijfers (geen naam)" in response.get_data(as_text=True)
    data = report(case_ref="Jansen", perpetrator_kind="case_ref")
    [result] = send(client, [{"id": str(uuid.uuid4()), "kind": "incident", "data": data}]).json[
        "results"
    ]
    assert result["outcome"] == "invalid"
    assert "geen naam" in result["errors"]["case_ref"]
    assert db["visits"].count == 0 and db["incidents"].count == 0


def test_the_migration_rekeys_what_was_stored_before(tmp_path):
    db = connect(str(tmp_path / "old.sqlite"))
    migrations.apply(db, stop_before="0007_one_address_key")
    _old_rows(db)
    migrations.apply(db)
    for table in ("visits", "incidents", "address_measures"):
        assert {r[0] for r in db.execute(f"select address_key from {table}")} == {"3511AB|12A"}
    db.conn.close()


def _old_rows(db: Database) -> None:
    """One visit, incident and measure as the old code keyed them ("12A" and "12-A")."""
    moment = "2026-10-01T09:00:00+00:00"
    team = db["teams"].insert({"name": "T", "active": 1, "created_at": moment}).last_pk
    person = {"display_name": "W", "password_hash": "x", "active": 1, "created_at": moment}
    worker = db["users"].insert({**person, "username": "w", "role": "field_worker"}).last_pk
    db["visits"].insert(
        {
            "team_id": team,
            "worker_id": worker,
            "created_by": worker,
            "created_at": moment,
            "street": "Domplein",
            "house_number": "12-A",
            "postcode": "3511AB",
            "city": "Utrecht",
            "address_key": "3511AB|12A",
            "location_type": "home",
            "voluntary": 1,
            "purpose": "intake",
            "planned_start": moment,
            "expected_minutes": 30,
            "status": "ended",
        }
    )
    db["incidents"].insert(
        {
            "client_id": str(uuid.uuid4()),
            "team_id": team,
            "reporter_id": worker,
            "occurred_at": moment,
            "form": "verbal",
            "received_at": moment,
            "address_key": "3511AB|12-A",
        }
    )
    db["address_measures"].insert(
        {
            "team_id": team,
            "address_key": "3511ab|12-a",
            "kind": "warning",
            "starts_on": "2026-10-01",
            "created_by": worker,
            "created_at": moment,
        }
    )
