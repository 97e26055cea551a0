"""Planning a visit: the form, its checks, changing, cancelling and choosing companions."""

import pytest

from app.visits.planning import local_input

from .factories import add_user, make_visit, user_id

# The test clock stands at 2026-11-02 09:00 UTC, which is 10:00 in Amsterdam.
GOOD = {
    "street": "Domplein",
    "house_number": "12 a",
    "postcode": "3512 jc",
    "city": "Utrecht",
    "case_ref": "Z-2026-0042",
    "location_type": "home",
    "kind": "1:kitchen_table",
    "planned_start": "2026-11-02T11:00",
    "expected_minutes": "45",
    "note": "Bel aan bij de achterdeur.",
}


def counts(db) -> tuple:
    """Return the row counts that planning could change."""
    tables = ("visits", "visit_companions", "risk_assessments", "audit_log")
    return tuple(db[t].count for t in tables)


def test_worker_plans_a_visit_and_is_taken_to_the_assessment(auth, db):
    colleague = add_user(db, "collega.een")
    auth.login("demo-medewerker")
    data = {**GOOD, "companion": str(colleague), "external_kind": "police"}
    response = auth.post("/bezoeken/nieuw", data)
    assert response.status_code == 303
    visit = dict(db.execute("select * from visits").fetchone())
    assert response.headers["Location"] == f"/bezoeken/{visit['id']}/inschatting"
    assert visit["address_key"] == "3512JC|12A"
    assert (visit["postcode"], visit["house_number"]) == ("3512JC", "12 a")
    assert visit["planned_start"] == "2026-11-02T10:00:00+00:00"  # 11:00 in Amsterdam
    assert (visit["voluntary"], visit["purpose"], visit["expected_minutes"]) == (
        1,
        "kitchen_table",
        45,
    )
    assert visit["worker_id"] == visit["created_by"] == user_id(db, "demo-medewerker")
    assert visit["status"] == "planned" and visit["assessment_id"] is None
    people = db.execute(
        "select user_id, external_kind, external_name from visit_companions order by id"
    ).fetchall()
    assert [tuple(p) for p in people] == [(colleague, None, None), (None, "police", "Politie")]
    [audit] = db.query("select * from audit_log where action = 'visit.create'")
    assert audit["object_id"] == str(visit["id"])


def test_the_form_starts_with_sensible_defaults(client, auth):
    auth.login("demo-medewerker")
    page = client.get("/bezoeken/nieuw").get_data(as_text=True)
    assert 'value="1:kitchen_table" selected' in page
    assert 'name="location_type" value="home" checked' in page
    assert 'value="2026-11-02T10:15"' in page  # the next quarter, 10 minutes away at least
    assert 'name="expected_minutes" type="number" value="60"' in page
    assert 'name="worker_id"' not in page  # a worker plans for themselves


def test_office_plans_for_a_worker(auth, db):
    auth.login("demo-kantoor")
    worker = user_id(db, "demo-medewerker")
    response = auth.post("/bezoeken/nieuw", {**GOOD, "worker_id": str(worker)})
    assert response.status_code == 303
    row = db.execute("select worker_id, created_by from visits").fetchone()
    assert tuple(row) == (worker, user_id(db, "demo-kantoor"))


def test_a_start_just_past_is_within_the_grace(auth, db):
    auth.login("demo-medewerker")
    response = auth.post("/bezoeken/nieuw", {**GOOD, "planned_start": "2026-11-02T09:40"})
    assert response.status_code == 303


BAD = [
    ("street", "", "Vul de straat in."),
    ("house_number", "", "Vul een huisnummer in"),
    ("house_number", "twaalf", "Vul een huisnummer in"),
    ("postcode", "12345", "Vul een geldige postcode in"),
    ("postcode", "0123 AB", "Vul een geldige postcode in"),
    ("city", "", "Vul de plaats in."),
    ("case_ref", "Jan Jansen", "Gebruik een zaaknummer met cijfers"),
    ("location_type", "boot", "Kies huis- of bedrijfsbezoek."),
    ("kind", "", "Kies het soort bezoek uit de lijst."),
    ("kind", "1:removal", "Kies het soort bezoek uit de lijst."),
    ("kind", "2:other", "Kies het soort bezoek uit de lijst."),
    ("planned_start", "", "Vul een datum en tijd in."),
    ("planned_start", "morgen", "Vul een datum en tijd in."),
    ("planned_start", "2026-11-02T09:00", "meer dan 30 minuten in het verleden"),
    ("planned_start", "2028-01-01T10:00", "Kies een tijd binnen een jaar."),
    ("expected_minutes", "0", "Kies een duur van 1 minuut tot 12 uur."),
    ("expected_minutes", "721", "Kies een duur van 1 minuut tot 12 uur."),
    ("expected_minutes", "een uur", "Kies een duur van 1 minuut tot 12 uur."),
    ("companion", "99999", "Kies collega&#39;s uit de lijst."),
    ("external_kind", "leger", "Kies wie er meegaat"),
    ("note", "x" * 501, "Hoogstens 500 tekens."),
]


@pytest.mark.parametrize("field,value,message", BAD)
def test_bad_plan_input_is_explained_and_saves_nothing(auth, db, field, value, message):
    auth.login("demo-medewerker")
    before = counts(db)
    response = auth.post("/bezoeken/nieuw", {**GOOD, field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert f'id="e-{field}"' in page  # the message sits next to its field
    assert counts(db) == before


@pytest.mark.parametrize("who", ["other-team", "self", "admin"])
def test_a_companion_from_outside_the_team_is_refused(auth, db, who):
    ids = {
        "other-team": lambda: add_user(db, "oost.medewerker", team="Wijkteam Oost"),
        "self": lambda: user_id(db, "demo-medewerker"),
        "admin": lambda: user_id(db, "demo-beheer"),
    }
    companion = ids[who]()
    auth.login("demo-medewerker")
    before = counts(db)
    response = auth.post("/bezoeken/nieuw", {**GOOD, "companion": str(companion)})
    assert response.status_code == 422
    assert "Kies collega&#39;s uit de lijst." in response.get_data(as_text=True)
    assert counts(db) == before


@pytest.mark.parametrize("worker", ["", "99999", "coordinator"])
def test_office_must_pick_a_worker_of_the_team(auth, db, worker):
    if worker == "coordinator":
        worker = str(user_id(db, "demo-coordinator"))
    auth.login("demo-kantoor")
    before = counts(db)
    response = auth.post("/bezoeken/nieuw", {**GOOD, "worker_id": worker})
    assert response.status_code == 422
    assert "Kies een medewerker uit de lijst." in response.get_data(as_text=True)
    assert counts(db) == before


def test_changing_the_address_means_a_new_assessment(auth, db):
    visit_id = make_visit(db)
    assert db["visits"].get(visit_id)["assessment_id"] is not None
    auth.login("demo-medewerker")
    response = auth.post(f"/bezoeken/{visit_id}/wijzigen", {**GOOD, "postcode": "1011 AB"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/bezoeken/{visit_id}/inschatting"
    row = db["visits"].get(visit_id)
    assert row["address_key"] == "1011AB|12A"
    assert row["assessment_id"] is None and row["risk_level"] is None


def test_changing_only_the_note_keeps_the_assessment(auth, db, client):
    visit_id = make_visit(db, postcode="3512JC", house_number="12A")
    before = db["visits"].get(visit_id)
    auth.login("demo-medewerker")
    form = client.get(f"/bezoeken/{visit_id}/wijzigen").get_data(as_text=True)
    assert 'value="Domplein"' in form
    data = {
        **GOOD,
        "house_number": "12A",
        "case_ref": "",
        "planned_start": local_input(before["planned_start"]),  # unchanged
        "expected_minutes": "60",
        "note": "Nieuwe notitie",
    }
    response = auth.post(f"/bezoeken/{visit_id}/wijzigen", data)
    assert response.status_code == 303
    after = db["visits"].get(visit_id)
    assert after["note"] == "Nieuwe notitie"
    assert after["assessment_id"] == before["assessment_id"]


def test_a_worker_cancels_a_planned_visit(auth, db):
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    assert auth.post(f"/bezoeken/{visit_id}/annuleren").status_code == 303
    assert db["visits"].get(visit_id)["status"] == "cancelled"
    from app.visits.gate import check_in_blockers

    assert check_in_blockers(db, visit_id) == ["Dit bezoek is geannuleerd."]


def test_companions_are_added_and_removed_on_the_visit_page(auth, db, client):
    colleague = add_user(db, "collega.twee")
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Niemand: de medewerker gaat alleen." in page
    assert (
        auth.post(f"/bezoeken/{visit_id}/begeleiders", {"companion": colleague}).status_code == 303
    )
    data = {"external_kind": "police", "external_name": "Wijkagent Oost"}
    assert auth.post(f"/bezoeken/{visit_id}/begeleiders", data).status_code == 303
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Collega.Twee" in page and "Wijkagent Oost" in page
    companion_id = db.execute(
        "select id from visit_companions where user_id = ?", [colleague]
    ).fetchone()[0]
    url = f"/bezoeken/{visit_id}/begeleiders/{companion_id}/verwijderen"
    assert auth.post(url).status_code == 303
    rows = db.execute("select external_name from visit_companions").fetchall()
    assert [r[0] for r in rows] == ["Wijkagent Oost"]


@pytest.mark.parametrize(
    "data,message",
    [
        ({}, "Kies een collega of vul een externe begeleider in."),
        ({"companion": "99999"}, "Kies collega&#39;s uit de lijst."),
        ({"companion": "self"}, "Kies collega&#39;s uit de lijst."),
        ({"external_kind": "leger"}, "Kies wie er meegaat"),
        ({"external_kind": "other", "external_name": "x" * 81}, "Hoogstens 80 tekens."),
    ],
)
def test_bad_companion_input_changes_nothing(auth, db, data, message):
    visit_id = make_visit(db)
    if data.get("companion") == "self":
        data = {"companion": str(user_id(db, "demo-medewerker"))}
    auth.login("demo-medewerker")
    before = counts(db)
    response = auth.post(f"/bezoeken/{visit_id}/begeleiders", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert counts(db) == before
