"""The sync endpoint: idempotent by the phone's id, item by item, bad input changes nothing."""

import json
import threading
import uuid

import pytest

from app import users
from app.incidents import reports, sync

from .factories import CHEAP_HASH, enrol_two_factor, make_visit, user_id

JSON = {"Accept": "application/json"}


def report(**data) -> dict:
    """Return the data of a valid verbal-aggression report, with overrides."""
    return {
        "behaviours": ["insult"],
        "description": "Werd uitgescholden bij de voordeur.",
        "consequences": "emotional",
        "place_kind": "home_visit",
        "occurred_at": "2026-11-02T09:45",  # Amsterdam: 08:45 UTC, the clock says 09:00 UTC
        **data,
    }


def item(kind: str = "incident", data: dict | None = None, **extra) -> dict:
    """Return an outbox item as the phone sends it."""
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "created_at": "2026-11-02T08:50:00.000Z",
        "data": report() if data is None and kind == "incident" else (data or {}),
        **extra,
    }


def send(client, items, token: str | None = None):
    """POST a batch to /sync with a fresh CSRF token, as outbox.js does."""
    if token is None:
        token = client.get("/sync/status", headers=JSON).get_json()["csrf_token"]
    headers = {**JSON, "X-CSRFToken": token}
    return client.post("/sync", json={"items": items}, headers=headers)


def stored(db) -> list[dict]:
    return [dict(r) for r in db.query("select * from incidents order by id")]


@pytest.fixture
def worker(client, auth):
    auth.login("demo-medewerker")
    return client


def test_a_report_is_stored_with_phone_and_server_times(worker, db):
    sent = item()
    response = send(worker, [sent])
    assert response.status_code == 200
    [result] = response.get_json()["results"]
    assert (result["id"], result["outcome"], result["status"]) == (sent["id"], "stored", 201)
    [row] = stored(db)
    assert row["id"] == result["incident_id"]
    assert row["client_id"] == sent["id"]
    assert row["occurred_at"] == "2026-11-02T08:45:00+00:00"
    assert row["client_created_at"] == "2026-11-02T08:50:00+00:00"
    assert row["received_at"] == "2026-11-02T09:00:00+00:00"
    assert (row["form"], json.loads(row["behaviours"])) == ("verbal", ["insult"])
    receipt = db["sync_receipts"].get(sent["id"])
    assert (receipt["kind"], receipt["outcome"]) == ("incident", "stored")
    assert receipt["client_created_at"] == sent["created_at"]


def test_the_same_id_again_returns_the_first_result(worker, db, clock):
    sent = item()
    first = send(worker, [sent]).get_json()["results"][0]
    clock.advance(minutes=3)
    again = send(worker, [sent]).get_json()["results"][0]
    assert again["duplicate"] is True and again["status"] == 200
    assert (again["incident_id"], again["received_at"]) == (
        first["incident_id"],
        first["received_at"],
    )
    assert len(stored(db)) == 1


def test_the_same_id_with_another_body_is_refused_and_the_first_kept(worker, db):
    sent = item()
    send(worker, [sent])
    changed = {**sent, "data": report(description="Iets heel anders.")}
    [result] = send(worker, [changed]).get_json()["results"]
    assert (result["outcome"], result["status"]) == ("conflict", 422)
    assert "andere inhoud" in result["message"]
    [row] = stored(db)
    assert row["description"] == "Werd uitgescholden bij de voordeur."


def test_another_user_cannot_reuse_an_id(worker, db, make_client):
    sent = item()
    send(worker, [sent])
    other, other_auth = make_client()
    other_auth.login("demo-kantoor")
    [result] = send(other, [sent]).get_json()["results"]
    assert result["outcome"] == "conflict"
    assert "incident_id" not in result  # nothing of the first report is told
    assert len(stored(db)) == 1


def test_one_bad_item_does_not_lose_the_others(worker, db):
    good1, good2 = item(), item()
    bad = item(data=report(behaviours=["insult", "shouting_at_moon"]))
    results = send(worker, [good1, bad, good2]).get_json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "invalid", "stored"]
    assert results[1]["errors"]["behaviours"] == "Onbekende gedraging: shouting_at_moon"
    assert {r["client_id"] for r in stored(db)} == {good1["id"], good2["id"]}
    assert db["sync_receipts"].count == 2  # bad input is not remembered


def test_a_server_error_mid_batch_keeps_the_rest_and_the_retry_works(worker, db, monkeypatch):
    items = [item(), item(), item()]
    real_insert = reports.insert

    def failing_insert(db_, row, **kwargs):
        if kwargs["client_id"] == items[1]["id"]:
            raise RuntimeError("disk full")
        return real_insert(db_, row, **kwargs)

    monkeypatch.setattr(reports, "insert", failing_insert)
    results = send(worker, items).get_json()["results"]
    assert [(r["outcome"], r["status"]) for r in results] == [
        ("stored", 201),
        ("error", 500),
        ("stored", 201),
    ]
    assert len(stored(db)) == 2
    monkeypatch.setattr(reports, "insert", real_insert)
    results = send(worker, items).get_json()["results"]
    assert [r["outcome"] for r in results] == ["stored"] * 3
    assert [r.get("duplicate", False) for r in results] == [True, False, True]
    assert sorted(r["client_id"] for r in stored(db)) == sorted(i["id"] for i in items)


BAD_REPORTS = [
    ({"behaviours": ["kicking_the_bucket"]}, "behaviours", "Onbekende gedraging"),
    ({"behaviours": "insult,hit"}, "behaviours", "Onbekende gedraging"),
    ({"behaviours": [], "form": ""}, "form", "Kies de vorm"),
    ({"form": "rudeness"}, "form", "Kies de vorm"),
    ({"occurred_at": "2026-11-02T11:00"}, "occurred_at", "in de toekomst"),  # 10:00 UTC
    ({"occurred_at": "2027-01-01T00:00:00Z"}, "occurred_at", "in de toekomst"),
    ({"occurred_at": "gisteren"}, "occurred_at", "geldige datum"),
    ({"occurred_at": 1730000000}, "occurred_at", "geldige datum"),
    ({"occurred_at": "1999-12-31T23:00"}, "occurred_at", "geldige datum"),
    ({"description": "  "}, "description", "Beschrijf kort"),
    ({"description": "x" * 4001}, "description", "Te lang"),
    ({"description": ["lijst"]}, "description", "tekst"),
    ({"consequences": "broken_heart"}, "consequences", "Kies de gevolgen"),
    ({"consequences": None}, "consequences", "Kies de gevolgen"),
    ({"place_kind": "moon"}, "place_kind", "Kies waar"),
    ({"postcode": "12345"}, "postcode", "3511 AB"),
    ({"perpetrator_kind": "case_ref"}, "case_ref", "zaakreferentie"),
    ({"perpetrator_kind": "description"}, "perpetrator_description", "zonder naam"),
    ({"perpetrator_kind": "neighbour"}, "perpetrator_kind", "Kies wie"),
    ({"case_ref": "Jan de Vries <script>"}, "case_ref", "geen naam"),
    ({"visit_id": 999999}, "visit_id", "bestaat niet"),
    ({"visit_id": "12abc"}, "visit_id", "bestaat niet"),
    ({"visit_id": 10**30}, "visit_id", "bestaat niet"),
]


@pytest.mark.parametrize(("changes", "field", "message"), BAD_REPORTS)
def test_bad_reports_are_refused_field_by_field(worker, db, changes, field, message):
    [result] = send(worker, [item(data=report(**changes))]).get_json()["results"]
    assert (result["outcome"], result["status"]) == ("invalid", 422)
    assert message in result["errors"][field]
    assert stored(db) == [] and db["sync_receipts"].count == 0


MALFORMED_ITEMS = [
    ("not an object", "item"),
    ({"kind": "incident", "data": report()}, "id"),
    ({"id": "123", "kind": "incident", "data": report()}, "id"),
    ({"id": str(uuid.uuid4()).upper(), "kind": "incident", "data": report()}, "id"),
    ({"id": str(uuid.uuid4()), "kind": "delete_everything", "data": {}}, "kind"),
    ({"id": str(uuid.uuid4()), "kind": "incident", "data": "behaviours=insult"}, "data"),
    (
        {"id": str(uuid.uuid4()), "kind": "incident", "data": report(description="x" * 17000)},
        "item",
    ),
]


@pytest.mark.parametrize(("bad", "field"), MALFORMED_ITEMS)
def test_malformed_items_are_refused_beside_good_ones(worker, db, bad, field):
    good = item()
    results = send(worker, [bad, good]).get_json()["results"]
    assert (results[0]["outcome"], results[0]["status"]) == ("invalid", 422)
    assert field in results[0]["errors"]
    assert results[1]["outcome"] == "stored"
    assert [r["client_id"] for r in stored(db)] == [good["id"]]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("{not json", "application/json", 400),
        ('{"items": "all of them"}', "application/json", 400),
        ("[1, 2, 3]", "application/json", 400),
        ("items=1", "application/x-www-form-urlencoded", 400),
        (json.dumps({"items": [{}] * (sync.MAX_ITEMS + 1)}), "application/json", 413),
        (json.dumps({"items": [], "pad": "x" * (600 * 1024)}), "application/json", 413),
    ],
)
def test_malformed_or_oversized_payloads_are_refused(worker, db, body, content_type, status):
    token = worker.get("/sync/status", headers=JSON).get_json()["csrf_token"]
    headers = {**JSON, "X-CSRFToken": token, "Content-Type": content_type}
    response = worker.post("/sync", data=body, headers=headers)
    assert response.status_code == status
    assert response.get_json()["error"]
    assert stored(db) == []


def test_without_csrf_token_nothing_is_stored(worker, db):
    response = worker.post("/sync", json={"items": [item()]}, headers=JSON)
    assert response.status_code == 400
    assert stored(db) == []


def test_a_session_that_expired_offline_gets_401_and_later_sends_everything(
    client, auth, db, clock
):
    auth.login("demo-medewerker")
    token = client.get("/sync/status", headers=JSON).get_json()["csrf_token"]
    waiting = [item(), item()]
    clock.advance(hours=5)  # offline past the idle limit: the session has ended
    response = send(client, waiting, token)
    assert response.status_code == 401
    assert "sessie is verlopen" in response.get_json()["error"]
    assert client.get("/sync/status", headers=JSON).status_code == 401
    assert stored(db) == []
    auth.login("demo-medewerker")  # the outbox asks for a login, then sends
    results = send(client, waiting).get_json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "stored"]
    assert len(stored(db)) == 2


def test_status_names_the_user_and_gives_a_token(worker):
    status = worker.get("/sync/status", headers=JSON).get_json()
    assert status["user_id"] == 1 and status["csrf_token"]
    assert status["office_phone"] == "0622222222"  # the team's office, as no number is set


def test_the_office_number_setting_wins(app, worker):
    app.config["VOP_OFFICE_PHONE"] = "030 123 4567"
    assert worker.get("/sync/status", headers=JSON).get_json()["office_phone"] == "0301234567"


def test_the_same_item_from_two_tabs_at_once_is_stored_once(app, db, make_client):
    sent = item(data=report(visit_id=make_visit(db)))
    tabs = []
    for _ in range(4):
        tab, tab_auth = make_client()
        tab_auth.login("demo-medewerker")
        token = tab.get("/sync/status", headers=JSON).get_json()["csrf_token"]
        tabs.append((tab, token))
    barrier = threading.Barrier(len(tabs))
    answers = []

    def flush(tab, token):
        barrier.wait()
        answers.append(send(tab, [sent], token).get_json()["results"][0])

    threads = [threading.Thread(target=flush, args=tab) for tab in tabs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(a["status"] for a in answers) == [200, 200, 200, 201]
    assert len({a["incident_id"] for a in answers}) == 1
    assert len(stored(db)) == 1


def test_a_user_without_a_team_cannot_sync_reports(client, auth, db):
    users.create_user(
        db,
        username="los",
        display_name="Los",
        role=users.ADMIN,
        team_id=None,
        password="lang genoeg wachtwoord",
        hash_method=CHEAP_HASH,
    )
    enrol_two_factor(db, user_id(db, "los"))  # an administrator needs a second factor
    auth.login("los", "lang genoeg wachtwoord")
    [result] = send(client, [item()]).get_json()["results"]
    assert (result["outcome"], result["errors"]) == (
        "invalid",
        {"item": "Alleen teamleden kunnen melden."},
    )
    assert stored(db) == []
