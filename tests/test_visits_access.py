"""Who may see and change a visit and its assessment, per role and team, for every URL."""

import pytest

from app import users
from app.clock import iso, now
from app.visits import protocol

from .factories import CHEAP_HASH, enrol_two_factor, make_visit, user_id

PASSWORD = "lang genoeg wachtwoord"
_HASH = users.hash_password(PASSWORD, CHEAP_HASH)
OK, HIDDEN, FORBIDDEN = "ok", 404, 403

EDIT_FORM = {
    "street": "Domplein",
    "house_number": "12",
    "postcode": "3511 AB",
    "city": "Utrecht",
    "location_type": "home",
    "kind": "1:kitchen_table",
    "planned_start": "2026-11-02T12:00",
    "expected_minutes": "30",
}

# (method, path, form data, status when allowed)
URLS = [
    ("GET", "/bezoeken/{id}", None, 200),
    ("GET", "/bezoeken/{id}/inschatting", None, 200),
    ("POST", "/bezoeken/{id}/inschatting", {}, 303),
    ("POST", "/bezoeken/{id}/inschatting/uitkomst", {"a-alone": "yes"}, 200),
    ("POST", "/bezoeken/{id}/maatregelen", {"measure": "share_conditions"}, 303),
    ("POST", "/bezoeken/{id}/toestemming", {"reason": "Collega belt elk kwartier."}, 303),
    # Nothing here needs the coordinator: asked, the worker is told so (303), nothing stored.
    ("POST", "/bezoeken/{id}/toestemming/vragen", {}, 303),
    # No request waits: refused with a message (422), nothing changes.
    ("POST", "/bezoeken/{id}/toestemming/weigeren", {"refusal": "Niet zonder politie."}, 422),
    ("GET", "/bezoeken/{id}/wijzigen", None, 200),
    ("POST", "/bezoeken/{id}/wijzigen", EDIT_FORM, 303),
    ("POST", "/bezoeken/{id}/annuleren", {}, 303),
    ("POST", "/bezoeken/{id}/begeleiders", {"external_kind": "police"}, 303),
    ("POST", "/bezoeken/{id}/begeleiders/{companion}/verwijderen", {}, 303),
]
CHANGE_URLS = {path for _m, path, _d, _s in URLS} - {"/bezoeken/{id}"}
COORDINATOR_ONLY = {"/bezoeken/{id}/toestemming", "/bezoeken/{id}/toestemming/weigeren"}


def expected(role_rule: str, path: str):
    """Return the expected answer for a kind of user on a URL."""
    if path in COORDINATOR_ONLY and role_rule != "coordinator":
        return HIDDEN if role_rule == "other-coordinator" else FORBIDDEN
    return {
        "owner": OK,
        "office": OK,
        "coordinator": OK,
        "companion": OK if path not in CHANGE_URLS else FORBIDDEN,
        "stranger": HIDDEN,
        "other-coordinator": HIDDEN,
    }[role_rule]


USERS = {
    "demo-medewerker": "owner",
    "demo-kantoor": "office",
    "demo-coordinator": "coordinator",
    "meeloper": "companion",
    "collega": "stranger",  # same team, not on this visit
    "demo-beheer": "stranger",  # administrators manage accounts, not visits
    "oost-medewerker": "stranger",
    "oost-kantoor": "stranger",
    "oost-coordinator": "other-coordinator",
}


def add_people(db) -> None:
    """Add a colleague, a companion, and a second team with its own worker, office, coordinator."""
    oost = users.create_team(db, "Wijkteam Oost")
    people = [
        ("meeloper", users.FIELD_WORKER, 1),
        ("collega", users.FIELD_WORKER, 1),
        ("oost-medewerker", users.FIELD_WORKER, oost),
        ("oost-kantoor", users.OFFICE, oost),
        ("oost-coordinator", users.COORDINATOR, oost),
    ]
    for username, role, team_id in people:
        new_id = (
            db["users"]
            .insert(
                {
                    "username": username,
                    "display_name": username.title(),
                    "password_hash": _HASH,
                    "role": role,
                    "team_id": team_id,
                    "active": 1,
                    "created_at": iso(now()),
                }
            )
            .last_pk
        )
        if role != users.FIELD_WORKER:  # staff of a real team sign in with a second factor
            enrol_two_factor(db, new_id)


def visit_with_open_measure(db) -> tuple[int, int]:
    """Plan an assessed visit with a companion and one measure still to confirm."""
    visit_id = make_visit(db)
    assessment_id = db["visits"].get(visit_id)["assessment_id"]
    db.execute(
        "delete from measure_confirmations where assessment_id = ? and measure_key = ?",
        [assessment_id, "share_conditions"],
    )
    companion = (
        db["visit_companions"]
        .insert({"visit_id": visit_id, "user_id": user_id(db, "meeloper")})
        .last_pk
    )
    return visit_id, companion


def snapshot(db, visit_id: int) -> tuple:
    """Return everything a refused request must leave as it was."""
    tables = (
        "visit_companions",
        "risk_assessments",
        "measure_confirmations",
        "visit_approvals",
        "approval_requests",
    )
    return (dict(db["visits"].get(visit_id)), *(db[t].count for t in tables))


@pytest.mark.parametrize("username", list(USERS))
def test_every_visit_url_follows_the_access_rule(client, auth, db, username):
    add_people(db)
    password = PASSWORD if username in ("meeloper", "collega") or "oost" in username else None
    assert auth.login(username, *([password] if password else [])).status_code == 302
    for method, path, data, allowed_status in URLS:
        visit_id, companion = visit_with_open_measure(db)
        url = path.format(id=visit_id, companion=companion)
        if path == "/bezoeken/{id}/inschatting" and method == "POST":
            data = {"protocol_id": protocol.current(db, 1)["id"], "none_apply": "yes"}
        before = snapshot(db, visit_id)
        response = client.get(url) if method == "GET" else auth.post(url, data)
        want = expected(USERS[username], path)
        if want == OK:
            assert response.status_code == allowed_status, (username, method, url)
        else:
            assert response.status_code == want, (username, method, url)
            assert snapshot(db, visit_id) == before, (username, method, url)


def test_the_team_page_shows_only_the_own_teams_visits(client, auth, db, make_client):
    add_people(db)
    ours = make_visit(db, house_number="1")
    theirs = make_visit(db, worker="oost-medewerker", house_number="2")
    auth.login("demo-kantoor")
    page = client.get("/bezoeken/team").get_data(as_text=True)
    assert f'id="visit-{ours}"' in page and f'id="visit-{theirs}"' not in page
    assert "Demi Medewerker" in page  # the office sees who goes
    other, other_auth = make_client()
    other_auth.login("oost-coordinator", PASSWORD)
    page = other.get("/bezoeken/team").get_data(as_text=True)
    assert f'id="visit-{theirs}"' in page and f'id="visit-{ours}"' not in page


@pytest.mark.parametrize("username", ["demo-medewerker", "demo-beheer"])
def test_the_team_page_is_for_office_and_coordinator(client, auth, username):
    auth.login(username)
    assert client.get("/bezoeken/team").status_code == 403


def test_the_today_screen_lists_own_and_accompanied_visits_only(client, auth, db, make_client):
    add_people(db)
    mine, companion = visit_with_open_measure(db)
    del companion
    theirs = make_visit(db, worker="oost-medewerker", house_number="2")
    later = make_visit(db, start_in_minutes=3 * 24 * 60, house_number="3")
    db["visits"].update(theirs, {"address_key": "3511AB|12"})  # same address, other team
    for username, sees in [("demo-medewerker", True), ("meeloper", True), ("collega", False)]:
        browser, login = make_client()
        login.login(username, *([] if username.startswith("demo") else [PASSWORD]))
        page = browser.get("/").get_data(as_text=True)
        assert (f'id="visit-{mine}"' in page) is sees, username
        assert f'id="visit-{theirs}"' not in page
        assert (f'id="visit-{later}"' in page) is (username == "demo-medewerker")


def test_an_administrator_does_not_plan_visits(client, auth):
    auth.login("demo-beheer")
    assert client.get("/bezoeken/nieuw").status_code == 403
