"""Asking the coordinator for approval from a refused check-in: both sides are told."""

import pytest

from .escalation_helpers import advance, subscribe, types_for
from .factories import assess_visit, make_visit
from .test_emergency import other_browser

REASON = "Wijkagent staat om de hoek; collega belt na 15 minuten."


@pytest.fixture
def devices(db, push_service):
    for name in ("demo-medewerker", "demo-kantoor", "demo-coordinator"):
        subscribe(db, name, push_service, name)
    return push_service


def police_visit(db, house_number: str = "12") -> int:
    """An involuntary visit where weapons are known: only with police and approval."""
    visit_id = make_visit(
        db, voluntary=False, purpose="enforcement", assessed=False, house_number=house_number
    )
    assess_visit(db, visit_id, {"weapons": True})
    assert db["visits"].get(visit_id)["risk_level"] == "police"
    return visit_id


def test_the_refused_check_in_offers_to_ask_for_approval(db, ctx, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = police_visit(db)
    response = auth.post(f"/timer/{visit_id}/inchecken", {"next": f"/timer/{visit_id}"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Toestemming van de coördinator is nodig." in page
    assert f'action="/bezoeken/{visit_id}/toestemming/vragen"' in page
    assert "Vraag de coördinator om toestemming" in page
    # The measures still needed are marked before the worker taps check-in, too.
    home = client.get("/").get_data(as_text=True)
    assert "Nog nodig voor inchecken:" in home and "Ga alleen met de politie" in home


def test_a_request_reaches_the_coordinator_and_the_decision_reaches_the_worker(
    db, clock, escalator, devices, make_client, app_context, web
):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = police_visit(db)
    response = auth.post(
        f"/bezoeken/{visit_id}/toestemming/vragen", {"next": f"/timer/{visit_id}"}
    )
    assert response.status_code == 303 and response.headers["Location"] == f"/timer/{visit_id}"
    [request] = db.query("select * from approval_requests")
    assert (request["visit_id"], request["status"]) == (visit_id, "pending")
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Toestemming gevraagd om 10:00" in page
    assert "Vraag de coördinator om toestemming" not in page  # one request at a time
    advance(clock, escalator, 1)
    assert types_for(devices, "demo-coordinator") == ["approval_request"]
    assert devices.received("demo-kantoor") == []
    push = devices.received("demo-coordinator")[0].payload
    assert push["title"] == "Toestemming gevraagd"
    assert "Demi Medewerker vraagt toestemming" in push["body"] and "Domplein 12" in push["body"]
    assert push["url"] == f"/bezoeken/{visit_id}"

    boss, boss_auth = other_browser(make_client, app_context)
    boss_auth.login("demo-coordinator")
    home = boss.get("/").get_data(as_text=True)
    assert "Wacht op uw toestemming (1)" in home
    assert home.index("Wacht op uw toestemming") < home.index("Geplande bezoeken van het team")
    assert f'href="/bezoeken/{visit_id}"' in home
    detail = boss.get(f"/bezoeken/{visit_id}").get_data(as_text=True)
    assert "Demi Medewerker vroeg om 10:00 om uw toestemming." in detail
    response = boss_auth.post(f"/bezoeken/{visit_id}/toestemming", {"reason": REASON})
    assert response.status_code == 303
    assert db["approval_requests"].get(request["id"])["status"] == "given"
    advance(clock, escalator, 1)
    assert types_for(devices, "demo-medewerker") == ["approval_decision"]
    decision = devices.received("demo-medewerker")[0].payload
    assert decision["title"] == "Toestemming gegeven" and REASON in decision["body"]
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Toestemming gegeven" in page and REASON in page
    assert "Nog nodig voor inchecken" not in page
    assert "Wacht op uw toestemming" not in boss.get("/").get_data(as_text=True)
    assert auth.post(f"/timer/{visit_id}/inchecken").status_code == 303
    assert db["visits"].get(visit_id)["status"] == "running"


def test_a_refusal_reaches_the_worker_with_its_reason(
    db, clock, escalator, devices, make_client, app_context, web
):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = police_visit(db)
    auth.post(f"/bezoeken/{visit_id}/toestemming/vragen")
    boss, boss_auth = other_browser(make_client, app_context)
    boss_auth.login("demo-coordinator")
    refused = boss_auth.post(f"/bezoeken/{visit_id}/toestemming/weigeren", {"refusal": "kort"})
    assert refused.status_code == 422  # a reason the worker can act on
    assert db.execute("select status from approval_requests").fetchone()[0] == "pending"
    response = boss_auth.post(
        f"/bezoeken/{visit_id}/toestemming/weigeren",
        {"refusal": "Niet zonder politie: plan het opnieuw met de wijkagent."},
    )
    assert response.status_code == 303
    advance(clock, escalator, 1)
    decision = devices.received("demo-medewerker")[-1].payload
    assert (decision["type"], decision["title"]) == ("approval_decision", "Toestemming geweigerd")
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Toestemming geweigerd" in page and "plan het opnieuw met de wijkagent" in page
    assert "Vraag de coördinator om toestemming" in page  # may ask again after a change
    assert auth.post(f"/timer/{visit_id}/inchecken").status_code == 422
    assert db["visits"].get(visit_id)["status"] == "planned"


def test_no_request_where_nothing_needs_the_coordinator(db, ctx, web):
    _client, auth = web
    auth.login("demo-medewerker")
    visit_id = make_visit(db)
    response = auth.post(f"/bezoeken/{visit_id}/toestemming/vragen")
    assert response.status_code == 303
    assert db["approval_requests"].count == 0


def test_changing_the_visit_withdraws_its_request(db, ctx, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = police_visit(db)
    auth.post(f"/bezoeken/{visit_id}/toestemming/vragen")
    auth.post(f"/bezoeken/{visit_id}/annuleren")
    assert db.execute("select status from approval_requests").fetchone()[0] == "withdrawn"
