"""The risk assessment: scoring, known history, measures, approval and what blocks a check-in."""

import json
import uuid

import pytest

from app.visits import defaults as d
from app.visits import history, protocol, risk
from app.visits.gate import check_in_blockers
from app.visits.planning import local_input

from . import factories
from .factories import add_user, make_visit, user_id


@pytest.fixture(autouse=True)
def on_the_app_clock(monkeypatch, clock):
    """Visits planned here start by the app's (test) clock, 10:10 in Amsterdam, not by the
    wall clock: run after 17:00 a one-hour visit would end in the evening and weigh more."""
    monkeypatch.setattr(factories, "now", clock)


BODY = d.DEFAULT_PROTOCOL


def add_incident(db, team_id: int, address_key: str = "3511AB|12", **extra) -> int:
    """Store an incident report as the incidents capability would."""
    reporter = db.execute("select id from users where team_id = ? limit 1", [team_id]).fetchone()
    return (
        db["incidents"]
        .insert(
            {
                "client_id": str(uuid.uuid4()),
                "team_id": team_id,
                "reporter_id": reporter[0],
                "occurred_at": "2026-10-12T14:30:00+00:00",
                "form": "threat",
                "address_key": address_key,
                "description": "Dreigde met de hond, noemde de naam van de buurman Piet.",
                "perpetrator_description": "lange man met baard",
                "received_at": "2026-10-12T15:00:00+00:00",
                **extra,
            }
        )
        .last_pk
    )


def assess(auth, db, visit_id: int, answers: dict, measures=()):
    """Post the assessment form as the browser would, under the team's current protocol.

    A voluntary visit's checklist without a tick is answered with "Geen van deze".
    """
    visit = db["visits"].get(visit_id)
    team_id = visit["team_id"]
    data = {f"a-{k}": v for k, v in answers.items()}
    facts = risk.known_facts(db, visit, history.known(db, visit))
    if visit["voluntary"] and not any(v == "yes" and k not in facts for k, v in answers.items()):
        data["none_apply"] = "yes"
    data |= {"measure": list(measures), "protocol_id": protocol.current(db, team_id)["id"]}
    return auth.post(f"/bezoeken/{visit_id}/inschatting", data)


# --- scoring (pure) ----------------------------------------------------------------------


def test_a_first_solo_kitchen_table_talk_is_low():
    outcome = risk.score(BODY, {"first_visit": True, "alone": True}, voluntary=True)
    assert (outcome["score"], outcome["level"]) == (2, "low")
    assert [m["key"] for m in outcome["measures"]] == ["inform_colleague", "share_conditions"]


def test_involuntary_with_an_earlier_incident_is_high_with_its_reasons():
    outcome = risk.score(BODY, {"earlier_incidents": True, "alone": True}, voluntary=False)
    assert outcome["level"] == "high"
    assert [(r["key"], r["weight"]) for r in outcome["reasons"]] == [
        ("involuntary", 2),
        ("earlier_incidents", 3),
        ("alone", 1),
    ]
    kinds = {m["key"]: m["kind"] for m in outcome["measures"]}
    assert kinds == {
        "inform_colleague": "confirm",
        "short_interval": "confirm",
        "pair": "companion",
    }


@pytest.mark.parametrize(
    "answers,voluntary,level",
    [
        ({}, True, "low"),
        ({"evening": True, "first_visit": True, "alone": True}, True, "medium"),
        ({}, False, "low"),
        ({"first_visit": True, "alone": True}, False, "medium"),
        ({"weapons": True}, True, "police"),
        ({"resistance_expected": True, "earlier_incidents": True}, True, "medium"),
    ],
)
def test_levels_follow_the_thresholds(answers, voluntary, level):
    assert risk.score(BODY, answers, voluntary)["level"] == level


def test_involuntary_only_questions_do_not_count_for_a_voluntary_visit():
    keys = {q["key"] for q in risk.applicable_questions(BODY, voluntary=True)}
    assert "resistance_expected" not in keys
    assert "resistance_expected" in {q["key"] for q in risk.applicable_questions(BODY, False)}


def test_police_level_needs_police_only_for_an_involuntary_visit():
    voluntary = risk.score(BODY, {"weapons": True}, voluntary=True)["measures"]
    involuntary = risk.score(BODY, {"weapons": True}, voluntary=False)["measures"]
    assert "police" not in {m["key"] for m in voluntary}
    assert {"police", "approval", "pair"} <= {m["key"] for m in involuntary}
    assert "office_meeting" in {m["key"] for m in voluntary}  # advice, never a blocker


# --- the form ----------------------------------------------------------------------------


def test_a_voluntary_visit_gets_the_quick_checklist_with_known_facts_filled_in(client, auth, db):
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}/inschatting").get_data(as_text=True)
    assert "Is een van deze van toepassing?" in page and "Geen van deze" in page
    assert 'name="a-first_visit" value="yes" checked disabled' in page  # never went there
    assert 'name="a-alone" value="yes" checked disabled' in page  # nobody goes along
    assert "(volgens de planning)" in page
    # Nothing the app does not know is ticked, and "Geen van deze" is not chosen for them.
    assert page.count(" checked") == 2
    assert 'name="a-resistance_expected"' not in page  # involuntary only
    assert "Geen eerdere incidenten of actieve maatregelen bekend." in page
    assert '<span class="level level--low">Laag</span>' in page
    assert 'name="measure" value="inform_colleague"' in page


def test_a_voluntary_low_visit_is_assessed_in_one_post(auth, db):
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    assert check_in_blockers(db, visit_id) == ["Maak eerst de risico-inschatting."]
    response = assess(auth, db, visit_id, {}, ["inform_colleague", "share_conditions"])
    assert response.status_code == 303
    assert response.headers["Location"] == f"/bezoeken/{visit_id}"
    visit = db["visits"].get(visit_id)
    row = db["risk_assessments"].get(visit["assessment_id"])
    assert (row["level"], visit["risk_level"], row["protocol_id"]) == ("low", "low", 1)
    assert row["created_by"] == user_id(db, "demo-medewerker")
    assert check_in_blockers(db, visit_id) == []
    [audit] = db.query("select * from audit_log where action = 'visit.assess'")
    assert json.loads(audit["detail"])["level"] == "low"


def test_an_untouched_voluntary_checklist_is_not_a_no(auth, db):
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    team_id = db["visits"].get(visit_id)["team_id"]
    data = {"protocol_id": protocol.current(db, team_id)["id"], "measure": ["inform_colleague"]}
    response = auth.post(f"/bezoeken/{visit_id}/inschatting", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-a-none_apply"' in page and "Een lege lijst is geen nee." in page
    assert db["risk_assessments"].count == 0
    both = {**data, "a-weapons": "yes", "none_apply": "yes"}  # a tick and "none": which?
    assert auth.post(f"/bezoeken/{visit_id}/inschatting", both).status_code == 422
    assert db["risk_assessments"].count == 0
    ticked = {**data, "a-animals": "yes"}  # a tick is an answer: the rest do not apply
    assert auth.post(f"/bezoeken/{visit_id}/inschatting", ticked).status_code == 303
    row = db["risk_assessments"].get(db["visits"].get(visit_id)["assessment_id"])
    stored = json.loads(row["answers"])
    assert stored["animals"] is True and stored["weapons"] is False
    assert stored["first_visit"] is True and stored["alone"] is True  # what the app knows


def test_an_involuntary_visit_asks_what_it_does_not_know_and_prefills_no_no(client, auth, db):
    visit_id = make_visit(db, voluntary=False, purpose="enforcement", assessed=False)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}/inschatting").get_data(as_text=True)
    assert 'name="a-alone" value="yes" checked disabled' in page
    assert 'value="no" checked' not in page  # no question is pre-answered with a no


def test_an_involuntary_visit_needs_an_answer_to_every_question(auth, db):
    visit_id = make_visit(db, voluntary=False, purpose="enforcement", assessed=False)
    auth.login("demo-medewerker")
    before = (db["risk_assessments"].count, db["measure_confirmations"].count)
    response = assess(auth, db, visit_id, {"bad_news": "no", "weapons": "no"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="e-a-psychiatric"' in page and "Beantwoord deze vraag met ja of nee." in page
    assert 'id="e-a-bad_news"' not in page
    assert (db["risk_assessments"].count, db["measure_confirmations"].count) == before
    assert db["visits"].get(visit_id)["assessment_id"] is None


def full_answers(value: str = "no", **overrides) -> dict:
    """Answer every default question, involuntary ones included."""
    return {q["key"]: value for q in BODY["questions"]} | overrides


def test_history_is_shown_kind_and_date_only_and_cannot_be_unticked(client, auth, db):
    add_incident(db, 1)
    oost = add_user(db, "oost.medewerker", team="Wijkteam Oost")
    oost_team = db["users"].get(oost)["team_id"]
    add_incident(db, oost_team, form="physical", description="Sloeg de collega van Oost.")
    db["address_measures"].insert(
        {
            "team_id": oost_team,
            "address_key": "3511AB|12",
            "kind": "building_ban",
            "starts_on": "2026-10-01",
            "ends_on": "2027-04-01",
            "created_by": oost,
            "created_at": "2026-10-01T10:00:00+00:00",
        }
    )
    visit_id = make_visit(db, voluntary=False, purpose="enforcement", assessed=False)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}/inschatting").get_data(as_text=True)
    assert "Persoonlijke bedreiging · 12 okt 2026" in page
    assert 'Fysiek geweld · 12 okt 2026 · <span class="muted">ander team</span>' in page
    assert "Pandverbod · sinds 2026-10-01 tot en met 2027-04-01" in page
    for secret in ("Piet", "baard", "Sloeg", "hond"):
        assert secret not in page
    # The worker answers "no" to the known facts: the register's answer stands.
    answers = full_answers(earlier_incidents="no", active_measures="no")
    assert assess(auth, db, visit_id, answers).status_code == 303
    row = db["risk_assessments"].get(db["visits"].get(visit_id)["assessment_id"])
    stored = json.loads(row["answers"])
    assert stored["earlier_incidents"] is True and stored["active_measures"] is True
    # involuntary 2 + incidents 3 + ban 3, and from the planning: first visit 1 + alone 1
    assert row["level"] == "police"


def test_an_expired_measure_and_another_address_are_not_history(client, auth, db):
    add_incident(db, 1, address_key="9999ZZ|1")
    db["address_measures"].insert(
        {
            "team_id": 1,
            "address_key": "3511AB|12",
            "kind": "contact_ban",
            "starts_on": "2025-01-01",
            "ends_on": "2025-12-31",
            "created_by": 1,
            "created_at": "2025-01-01T10:00:00+00:00",
        }
    )
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Geen eerdere incidenten of actieve maatregelen bekend." in page


def test_history_by_case_reference_at_another_address(client, auth, db):
    add_incident(db, 1, address_key="1011AB|1", case_ref="Z-77")
    visit_id = make_visit(db, case_ref="Z-77", assessed=False)
    auth.login("demo-medewerker")
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Persoonlijke bedreiging · 12 okt 2026" in page


def test_preview_shows_the_outcome_without_saving(client, auth, db):
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    before = db["risk_assessments"].count
    response = auth.post(f"/bezoeken/{visit_id}/inschatting/uitkomst", {"a-weapons": "yes"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and page.lstrip().startswith('<section id="uitkomst"')
    assert "Niet zonder politie" in page and "Wapens bekend of vermoed" in page
    assert db["risk_assessments"].count == before


# --- what blocks a check-in, and what clears it -------------------------------------------


def high_risk_visit(auth, db) -> int:
    """Plan an involuntary visit to an address with an earlier incident and assess it."""
    add_incident(db, 1)
    visit_id = make_visit(db, voluntary=False, purpose="enforcement", assessed=False)
    answers = full_answers(alone="yes")
    response = assess(auth, db, visit_id, answers, ["inform_colleague", "short_interval"])
    assert response.status_code == 303
    return visit_id


def test_a_high_level_blocks_check_in_until_a_companion_is_added(client, auth, db):
    auth.login("demo-medewerker")
    visit_id = high_risk_visit(auth, db)
    assert db["visits"].get(visit_id)["risk_level"] == "high"
    blocker = "Ga niet alleen: voeg een collega of externe begeleider toe."
    assert check_in_blockers(db, visit_id) == [blocker]
    page = client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Inchecken kan nog niet" in page and blocker in page
    assert 'Eerdere incidenten met deze burger of op dit adres <span class="muted">(+3)' in page
    colleague = add_user(db, "collega.drie")
    auth.post(f"/bezoeken/{visit_id}/begeleiders", {"companion": colleague})
    assert check_in_blockers(db, visit_id) == []
    assert "Klaar om in te checken" in client.get(f"/bezoeken/{visit_id}").get_data(as_text=True)


def test_unconfirmed_measures_block_until_confirmed(client, auth, db):
    visit_id = make_visit(db, assessed=False)
    auth.login("demo-medewerker")
    assess(auth, db, visit_id, {}, ["inform_colleague"])
    assert check_in_blockers(db, visit_id) == [
        "Bevestig de maatregel: De voorwaarden voor het bezoek zijn met de burger gedeeld"
    ]
    before = db["measure_confirmations"].count
    response = auth.post(f"/bezoeken/{visit_id}/maatregelen", {"measure": "bogus"})
    assert response.status_code == 422
    assert "Vink de maatregelen aan die geregeld zijn." in response.get_data(as_text=True)
    assert db["measure_confirmations"].count == before
    response = auth.post(f"/bezoeken/{visit_id}/maatregelen", {"measure": "share_conditions"})
    assert response.status_code == 303
    assert check_in_blockers(db, visit_id) == []
    [row] = db.query("select * from measure_confirmations where measure_key = 'share_conditions'")
    assert row["confirmed_by"] == user_id(db, "demo-medewerker")


def test_a_coordinator_approval_is_recorded_and_clears_the_check_in(auth, db, make_client):
    auth.login("demo-medewerker")
    visit_id = high_risk_visit(auth, db)
    coordinator, coordinator_auth = make_client()
    coordinator_auth.login("demo-coordinator")
    reason = "Wijkagent staat om de hoek, collega belt elk kwartier."
    response = coordinator_auth.post(f"/bezoeken/{visit_id}/toestemming", {"reason": reason})
    assert response.status_code == 303
    assert check_in_blockers(db, visit_id) == []
    [row] = db.query("select * from visit_approvals")
    assert row["approved_by"] == user_id(db, "demo-coordinator")
    assert row["reason"] == reason and row["approved_at"] == "2026-11-02T09:00:00+00:00"
    assert row["assessment_id"] == db["visits"].get(visit_id)["assessment_id"]
    assert json.loads(row["waived"]) == [
        "Ga niet alleen: voeg een collega of externe begeleider toe."
    ]
    page = coordinator.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Cor Coördinator" in page and reason in page
    # A new assessment is a new situation: the old approval no longer holds.
    assess(auth, db, visit_id, full_answers(alone="yes"))
    assert check_in_blockers(db, visit_id)


@pytest.mark.parametrize(
    "reason,message",
    [("", "Schrijf kort waarom"), ("ok", "Schrijf kort waarom"), ("x" * 501, "Schrijf kort")],
)
def test_an_approval_needs_a_reason(auth, db, make_client, reason, message):
    auth.login("demo-medewerker")
    visit_id = high_risk_visit(auth, db)
    _client, coordinator = make_client()
    coordinator.login("demo-coordinator")
    response = coordinator.post(f"/bezoeken/{visit_id}/toestemming", {"reason": reason})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db["visit_approvals"].count == 0


def test_no_approval_when_nothing_blocks(auth, db):
    visit_id = make_visit(db)
    auth.login("demo-coordinator")
    response = auth.post(f"/bezoeken/{visit_id}/toestemming", {"reason": "Voor de zekerheid"})
    assert response.status_code == 422
    assert db["visit_approvals"].count == 0


def test_police_level_needs_the_police_and_the_coordinator(auth, db):
    visit_id = make_visit(db, voluntary=False, purpose="removal", assessed=False)
    auth.login("demo-medewerker")
    assess(auth, db, visit_id, full_answers(weapons="yes"), ["inform_colleague"])
    assert check_in_blockers(db, visit_id) == [
        "Ga niet alleen: voeg een collega of externe begeleider toe.",
        "Ga alleen met de politie: voeg de politie toe als begeleider.",
        "Toestemming van de coördinator is nodig.",
    ]
    auth.post(f"/bezoeken/{visit_id}/begeleiders", {"external_kind": "police"})
    assert check_in_blockers(db, visit_id) == ["Toestemming van de coördinator is nodig."]


def test_the_factory_makes_assessed_and_unassessed_visits(db):
    assert check_in_blockers(db, make_visit(db)) == []
    assert check_in_blockers(db, make_visit(db, voluntary=False, purpose="removal")) == []
    assert check_in_blockers(db, make_visit(db, assessed=False)) == [
        "Maak eerst de risico-inschatting."
    ]
    assert check_in_blockers(db, 99999) == ["Dit bezoek bestaat niet."]


def test_changing_the_visit_voids_an_approval(auth, db, make_client):
    visit_id = make_visit(db, assessed=False)
    _client, coordinator = make_client()
    coordinator.login("demo-coordinator")
    coordinator.post(f"/bezoeken/{visit_id}/toestemming", {"reason": "Spoed, ik ken het adres."})
    assert check_in_blockers(db, visit_id) == []  # an exception before any assessment
    auth.login("demo-medewerker")
    visit = db["visits"].get(visit_id)
    form = {
        "street": "Domplein",
        "house_number": "99",
        "postcode": "3511 AB",
        "city": "Utrecht",
        "location_type": "home",
        "kind": "1:kitchen_table",
        "planned_start": local_input(visit["planned_start"]),
        "expected_minutes": "60",
    }
    assert auth.post(f"/bezoeken/{visit_id}/wijzigen", form).status_code == 303
    assert check_in_blockers(db, visit_id) == ["Maak eerst de risico-inschatting."]
    assert db["visit_approvals"].get(1)["revoked_at"] == "2026-11-02T09:00:00+00:00"
