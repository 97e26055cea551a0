"""Every input has a defined answer: 400/422 with a Dutch message, never 500; a panic always
raises its alarm; one bad item never blocks the others."""

import json
import uuid

import pytest

from app import users
from app.escalation import actions

from .escalation_helpers import log_events, running_visit
from .factories import make_visit, user_id
from .test_sync_protocol import JSON, item, report, send


@pytest.fixture
def worker(client, auth):
    auth.login("demo-medewerker")
    return client


def _alarms(db, visit_id: int) -> list[tuple]:
    rows = db.execute("select kind, status from alarms where visit_id = ?", [visit_id])
    return [tuple(row) for row in rows]


def _panic_log(db, visit_id: int) -> dict:
    row = db.execute(
        "select detail from alarm_log where visit_id = ? and event = 'panic'", [visit_id]
    ).fetchone()
    return json.loads(row[0])


def _panic_item(visit_id: int, created_at) -> dict:
    return {
        "id": str(uuid.uuid4()),
        "kind": "panic",
        "created_at": created_at,
        "data": {"visit_id": visit_id, "at": created_at},
    }


PHONE_TIMES = [
    12345,
    1.5e300,
    ["2026-11-02T09:00:00Z"],
    {"at": "2026-11-02T09:00:00Z"},
    True,
    "2026-10-30T09:00:00Z",  # the phone's clock three days behind
    "2026-11-09T09:00:00Z",  # a week ahead
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59-14:00",
    "2026-11-04T09:00:00+23:59",  # an odd time zone, still a day ahead
    "niet een tijd",
]


@pytest.mark.parametrize("at", PHONE_TIMES, ids=repr)
def test_a_panic_from_sync_raises_its_alarm_whatever_at_says(app, worker, db, clock, at):
    with app.test_request_context():
        visit_id = running_visit(db, clock, minutes=60)
    response = send(worker, [_panic_item(visit_id, at)])
    assert response.status_code == 200
    assert response.json["results"][0]["outcome"] == "stored"
    assert _alarms(db, visit_id) == [("panic", "open")]
    detail = _panic_log(db, visit_id)
    assert detail["clock_problem"] and "phone_time" in detail


@pytest.mark.parametrize(
    "at", ["niet een tijd", "2026-10-30T09:00:00Z", "0001-01-01T00:00", "2026-11-02T09:00+99:00"]
)
def test_a_panic_from_the_form_raises_its_alarm_whatever_at_says(app, auth, db, clock, at):
    with app.test_request_context():
        visit_id = running_visit(db, clock, minutes=60)
    auth.login("demo-medewerker")
    response = auth.post(f"/timer/{visit_id}/alarm", {"held": "1", "at": at})
    assert response.status_code == 303
    assert _alarms(db, visit_id) == [("panic", "open")]
    assert _panic_log(db, visit_id)["clock_problem"]


def test_a_panic_with_a_good_phone_time_logs_no_clock_problem(app, worker, db, clock):
    with app.test_request_context():
        visit_id = running_visit(db, clock, minutes=60)
    send(worker, [_panic_item(visit_id, "2026-11-02T08:59:00Z")])
    assert "clock_problem" not in _panic_log(db, visit_id)
    client_at = db.execute("select client_at from alarm_log where event = 'panic'").fetchone()
    assert client_at[0] == "2026-11-02T08:59:00+00:00"


@pytest.mark.parametrize("at", [12345, ["x"], {"a": 1}, "0001-01-01T00:00:00+05:00"], ids=repr)
def test_other_actions_with_a_junk_time_are_refused_not_crashed(app, db, clock, at):
    with app.test_request_context():
        visit_id = running_visit(db, clock, minutes=60)
        worker = users.User(users.get_user(db, user_id(db, "demo-medewerker")))
        with pytest.raises(actions.ActionError):
            actions.extend(db, visit_id, worker, minutes=15, reason="", at=at)


@pytest.mark.parametrize(
    "bad",
    [
        {"id": str(uuid.uuid4()), "kind": [], "data": {}},
        {"id": str(uuid.uuid4()), "kind": {"x": 1}, "data": {}},
        {"id": ["x"], "kind": "incident", "data": {}},
        {"id": str(uuid.uuid4()), "kind": "incident", "data": [1, 2]},
        {"id": str(uuid.uuid4()), "kind": "check_in", "data": {"visit_id": [1]}},
        {"id": str(uuid.uuid4()), "kind": "check_in", "data": {"visit_id": {"a": 1}}},
        {"id": str(uuid.uuid4()), "kind": "extend", "data": {"visit_id": 1, "minutes": 1e308}},
        [],
        None,
        "text",
    ],
    ids=repr,
)
def test_one_malformed_item_never_blocks_the_good_ones(worker, db, bad):
    good = item()
    response = send(worker, [bad, good])
    assert response.status_code == 200
    first, second = response.json["results"]
    assert first["status"] in (409, 422) and first["outcome"] in ("invalid", "refused")
    assert second["outcome"] == "stored"
    assert db["incidents"].count == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("occurred_at", "0001-01-01T00:00"),
        ("occurred_at", "0001-01-01T00:00:00+14:00"),
        ("occurred_at", "9999-12-31T23:59:59-14:00"),
        ("occurred_at", "2026-11-02T09:00:00+24:00"),
        ("description", "Lone surrogate \ud800 in text"),
        ("street", "\udfff"),
        ("description", "nul\x00byte"),
        ("behaviours", ["insult", "\ud83d"]),
    ],
)
def test_an_item_that_can_never_succeed_is_answered_as_permanent(worker, db, field, value):
    response = send(worker, [item(data=report(**{field: value}))])
    assert response.status_code == 200
    result = response.json["results"][0]
    assert (result["outcome"], result["status"]) == ("invalid", 422)
    assert field in result["errors"]
    assert db["incidents"].count == 0


def test_an_extreme_phone_creation_time_is_no_error(worker, db):
    response = send(worker, [item(created_at="0001-01-01T00:00:00+01:00")])
    assert response.json["results"][0]["outcome"] == "stored"


def test_deeply_nested_json_is_a_clear_400(worker, db):
    token = worker.get("/sync/status", headers=JSON).get_json()["csrf_token"]
    body = '{"items": ' + "[" * 100000 + "]" * 100000 + "}"
    response = worker.post(
        "/sync",
        data=body,
        headers={**JSON, "X-CSRFToken": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400 and "klopt niet" in response.json["error"]


@pytest.mark.parametrize(
    "path", ["/push/subscriptions", "/push/actions", "/push/receipts", "/push/test"]
)
def test_deeply_nested_json_elsewhere_is_no_500(worker, path):
    token = worker.get("/sync/status", headers=JSON).get_json()["csrf_token"]
    body = "[" * 100000 + "]" * 100000
    response = worker.post(
        path, data=body, headers={**JSON, "X-CSRFToken": token, "Content-Type": "application/json"}
    )
    assert response.status_code < 500


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "https://fcm.googleapis.com/\ud800", "keys": {"p256dh": "x", "auth": "y"}},
        {"endpoint": "\ud800"},
    ],
)
def test_lone_surrogates_in_push_requests_are_refused(worker, db, body):
    token = worker.get("/sync/status", headers=JSON).get_json()["csrf_token"]
    headers = {**JSON, "X-CSRFToken": token}
    created = worker.post("/push/subscriptions", json=body, headers=headers)
    deleted = worker.delete("/push/subscriptions", json=body, headers=headers)
    assert created.status_code == 400 and deleted.status_code in (204, 400)
    assert db["push_subscriptions"].count == 0


@pytest.mark.parametrize(
    "body",
    [
        {"action": "ok", "token": "x", "at": 12345},
        {"action": ["ok"], "token": ["x"]},
        {"action": "ok", "token": "\ud800"},
        [1, 2],
    ],
    ids=repr,
)
def test_junk_notification_actions_are_refused(client, body):
    response = client.post("/push/actions", json=body)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "next_value", ["/\n/evil.example", "\r\nSet-Cookie: x=1", "/%0d%0aLocation:%20//evil"]
)
def test_a_newline_in_next_is_no_500(client, auth, next_value):
    from urllib.parse import quote

    assert client.get("/login?next=" + quote(next_value, safe="")).status_code == 200
    response = auth.post(
        "/login?next=" + quote(next_value, safe=""),
        {"username": "demo-medewerker", "password": "demo-wachtwoord"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


@pytest.mark.parametrize("at", ["0001-01-01T00:00", "9999-12-31T23:59:59-14:00", "x" * 5000])
def test_visit_buttons_with_junk_times_answer_422(app, auth, db, at):
    visit_id = make_visit(db)
    auth.login("demo-medewerker")
    response = auth.post(f"/timer/{visit_id}/inchecken", {"at": at})
    assert response.status_code == 422
    assert "tijdstip" in response.get_data(as_text=True)
    assert db["visits"].get(visit_id)["status"] == "planned"


def test_a_check_out_with_a_lone_surrogate_pin_is_refused(app, worker, db, clock):
    with app.test_request_context():
        visit_id = running_visit(db, clock, minutes=60)
    queued = {
        "id": str(uuid.uuid4()),
        "kind": "check_out",
        "created_at": "2026-11-02T08:59:00Z",
        "data": {"visit_id": visit_id, "pin": "\ud800"},
    }
    result = send(worker, [queued]).json["results"][0]
    assert result["status"] == 422
    assert db["visits"].get(visit_id)["status"] == "running"
    assert "checked_out" not in log_events(db, visit_id)
