"""The team protocol is edited in the UI and versioned; conditions text; the protocol card."""

import json

import pytest

from app.visits import protocol

from . import factories
from .factories import add_user, make_visit
from .test_visits_assessment import assess


@pytest.fixture(autouse=True)
def on_the_app_clock(monkeypatch, clock):
    """Visits planned here start by the app's (test) clock, 10:10 in Amsterdam, not by the
    wall clock: run after 17:00 a one-hour visit would end in the evening and weigh more."""
    monkeypatch.setattr(factories, "now", clock)


def editor_form(body: dict, version: int = 1, blank_rows: int = 2) -> dict:
    """Fill the editor form from a protocol body, as the page shows it."""
    form = {
        "based_on": str(version),
        "involuntary_weight": str(body["involuntary_weight"]),
        "question_rows": str(len(body["questions"]) + blank_rows),
        "measure_rows": str(len(body["measures"]) + blank_rows),
    }
    for level, value in body["thresholds"].items():
        form[f"threshold-{level}"] = str(value)
    for i, q in enumerate(body["questions"]):
        form |= {f"q{i}-key": q["key"], f"q{i}-label": q["label"]}
        form |= {f"q{i}-weight": str(q["weight"]), f"q{i}-scope": q["scope"]}
    for i, m in enumerate(body["measures"]):
        form |= {f"m{i}-key": m["key"], f"m{i}-label": m["label"], f"m{i}-kind": m["kind"]}
        form |= {f"m{i}-scope": m["scope"], f"m{i}-levels": m["levels"]}
    return form


def index_of(body: dict, key: str, part: str = "questions") -> int:
    return [item["key"] for item in body[part]].index(key)


def test_editing_the_protocol_changes_new_assessments_only(auth, db, client, make_client):
    auth.login("demo-medewerker")
    old_visit = make_visit(db, assessed=False)
    assess(auth, db, old_visit, {"alone": "yes"}, ["inform_colleague", "share_conditions"])
    _other, coordinator = make_client()
    coordinator.login("demo-coordinator")
    body = protocol.current(db, 1)["body"]
    form = editor_form(body)
    form[f"q{index_of(body, 'alone')}-weight"] = "4"  # going alone weighs more now
    new_row = f"q{len(body['questions'])}-"
    form |= {new_row + "label": "Burger heeft een eerdere klacht ingediend"}
    form |= {new_row + "weight": "2", new_row + "scope": "all"}
    response = coordinator.post("/bezoeken/protocol", form)
    assert response.status_code == 303
    new = protocol.current(db, 1)
    assert new["version"] == 2
    assert new["body"]["questions"][-1]["key"] == "burger_heeft_een_eerdere_klach"
    new_visit = make_visit(db, assessed=False, house_number="14")
    assess(auth, db, new_visit, {"alone": "yes"}, ["inform_colleague", "share_conditions"])
    old = db["risk_assessments"].get(db["visits"].get(old_visit)["assessment_id"])
    fresh = db["risk_assessments"].get(db["visits"].get(new_visit)["assessment_id"])
    # Both are first visits (known from the planning) of a worker going alone.
    assert (old["protocol_id"], old["level"], old["score"]) == (1, "low", 2)
    assert (fresh["protocol_id"], fresh["level"], fresh["score"]) == (new["id"], "medium", 5)
    assert [r["key"] for r in json.loads(old["reasons"])] == ["first_visit", "alone"]
    assert "teamprotocol versie 1" in client.get(f"/bezoeken/{old_visit}").get_data(as_text=True)
    [audit] = db.query("select * from audit_log where action = 'protocol.update'")
    assert json.loads(audit["detail"]) == {"version": 2}


def test_removing_a_question_and_changing_measure_levels(auth, db):
    auth.login("demo-coordinator")
    body = protocol.current(db, 1)["body"]
    form = editor_form(body)
    form[f"q{index_of(body, 'animals')}-remove"] = "1"
    form[f"m{index_of(body, 'pair', 'measures')}-levels"] = ["medium", "high", "police"]
    assert auth.post("/bezoeken/protocol", form).status_code == 303
    new = protocol.current(db, 1)["body"]
    assert "animals" not in {q["key"] for q in new["questions"]}
    assert new["measures"][index_of(new, "pair", "measures")]["levels"] == [
        "medium",
        "high",
        "police",
    ]


def test_an_assessment_form_from_before_a_protocol_change_is_not_saved(auth, db):
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    stale = protocol.current(db, 1)["id"]
    protocol.save_new_version(db, 1, protocol.current(db, 1)["body"], 1)
    response = auth.post(f"/bezoeken/{visit_id}/inschatting", {"protocol_id": stale})
    assert response.status_code == 422
    assert "Het protocol is zojuist gewijzigd" in response.get_data(as_text=True)
    assert db["risk_assessments"].count == 0


BAD = [
    ({"threshold-high": "2"}, "threshold-high", "De drempels moeten oplopen"),
    ({"threshold-medium": "0"}, "threshold-medium", "Vul een getal in van 1 tot 200."),
    ({"threshold-police": "veel"}, "threshold-police", "Vul een getal in van 1 tot 200."),
    ({"involuntary_weight": "-1"}, "involuntary_weight", "Kies een gewicht van 0 tot 20."),
    ({"q0-weight": "21"}, "q0-weight", "Kies een gewicht van 0 tot 20."),
    ({"q0-weight": "zwaar"}, "q0-weight", "Kies een gewicht van 0 tot 20."),
    ({"q0-label": "x"}, "q0-label", "Vul een tekst in van 3 tot 200 tekens."),
    ({"q0-scope": "soms"}, "q0-scope", "Kies uit de lijst."),
    ({"m0-kind": "bidden"}, "m0-kind", "Kies uit de lijst."),
    ({"m0-scope": "nooit"}, "m0-scope", "Kies uit de lijst."),
    ({"question_rows": "0"}, "questions", "minstens één vraag"),
    ({"based_on": "0"}, None, "Iemand anders heeft het protocol intussen gewijzigd."),
]


@pytest.mark.parametrize("change,field,message", BAD)
def test_bad_protocol_input_is_explained_and_saves_nothing(auth, db, change, field, message):
    auth.login("demo-coordinator")
    form = editor_form(protocol.current(db, 1)["body"]) | change
    before = (db["risk_protocols"].count, db["audit_log"].count)
    response = auth.post("/bezoeken/protocol", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if field:
        assert f'id="e-{field}"' in page
    assert (db["risk_protocols"].count, db["audit_log"].count) == before


@pytest.mark.parametrize("username", ["demo-medewerker", "demo-kantoor"])
def test_only_coordinator_and_administrator_edit_the_protocol(client, auth, db, username):
    auth.login(username)
    assert client.get("/bezoeken/protocol").status_code == 403
    form = editor_form(protocol.current(db, 1)["body"])
    assert auth.post("/bezoeken/protocol", form).status_code == 403
    assert db["risk_protocols"].count == 1


def test_an_administrator_edits_another_teams_protocol(client, auth, db):
    oost = db["users"].get(add_user(db, "oost.coordinator", "coordinator", "Wijkteam Oost"))
    auth.login("demo-beheer")
    page = client.get(f"/bezoeken/protocol?team={oost['team_id']}").get_data(as_text=True)
    assert "Wijkteam Oost" in page
    form = editor_form(protocol.current(db, oost["team_id"])["body"])
    form["team"] = str(oost["team_id"])
    form["involuntary_weight"] = "3"
    assert auth.post("/bezoeken/protocol", form).status_code == 303
    assert protocol.current(db, oost["team_id"])["body"]["involuntary_weight"] == 3
    assert protocol.current(db, 1)["version"] == 1  # the demo team's protocol is untouched


# --- conditions for the citizen ----------------------------------------------------------


def test_the_default_conditions_come_from_the_seed_and_show_with_the_visit(client, auth, db):
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "zet uw hond of kat graag even in een andere ruimte" in page
    assert "niet te roken" in page
    assert 'data-copy="#conditions-text"' in page and "mailto:?subject=" in page


def test_the_office_edits_the_conditions(client, auth, db):
    visit_id = make_visit(db)
    auth.login("demo-kantoor")
    text = "Graag de hond in een andere kamer en niet roken tijdens het gesprek."
    assert auth.post("/bezoeken/voorwaarden", {"body": text}).status_code == 303
    assert text in client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    [row] = db.query("select * from visit_conditions")
    assert (row["team_id"], row["body"]) == (1, text)


@pytest.mark.parametrize("body", ["", "te kort", "x" * 3001])
def test_bad_conditions_are_refused(auth, db, body):
    auth.login("demo-coordinator")
    response = auth.post("/bezoeken/voorwaarden", {"body": body})
    assert response.status_code == 422
    assert 'id="e-body"' in response.get_data(as_text=True)
    assert db["visit_conditions"].count == 0


def test_a_worker_cannot_edit_the_conditions(client, auth, db):
    auth.login("demo-medewerker")
    assert client.get("/bezoeken/voorwaarden").status_code == 403
    assert auth.post("/bezoeken/voorwaarden", {"body": "x" * 40}).status_code == 403
    assert db["visit_conditions"].count == 0


# --- the protocol card -------------------------------------------------------------------


def test_the_protocol_card_is_one_tap_from_the_visit_and_names_nobody(client, auth, db):
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert 'href="/bezoeken/protocolkaart"' in page
    card = client.get("/bezoeken/protocolkaart").get_data(as_text=True)
    assert "Emotie mag, agressie niet." in card
    for step in ("Benoem het gedrag.", "Beëindig het gesprek.", "stop direct en vertrek."):
        assert step in card
    assert "paniekknop" in card and 'href="tel:112"' in card
    assert "Demi" not in card  # cacheable for use without signal: no personal data


def test_the_protocol_card_works_without_login(client):
    response = client.get("/bezoeken/protocolkaart")
    assert response.status_code == 200
    assert "Emotie mag, agressie niet." in response.get_data(as_text=True)


def test_every_default_question_and_measure_is_traced_in_the_docs():
    from pathlib import Path

    from app.visits import defaults as d

    doc = (Path(__file__).resolve().parent.parent / "docs" / "protocol.md").read_text()
    rows = {
        line.split("|")[1].strip(): line for line in doc.splitlines() if line.startswith("| `")
    }
    for item in d.DEFAULT_QUESTIONS + d.DEFAULT_MEASURES:
        row = next(v for k, v in rows.items() if k.startswith(f"`{item['key']}`"))
        assert item["label"] in row
        assert any(src in row for src in ("W ch.", "V §", "R l.", "practice")), item["key"]
