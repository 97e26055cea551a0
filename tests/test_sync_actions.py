"""Visit actions queued offline and replayed through /sync in order, with their own times."""

import uuid
from datetime import timedelta

import pytest

from app import users
from app.clock import iso
from app.escalation import actions
from app.escalation.firing import fire_due

from .factories import CHEAP_HASH, make_visit, user_id
from .test_sync_protocol import JSON, send


def action(kind: str, visit_id: int, at, **data) -> dict:
    """Return a queued visit action as outbox.js sends it."""
    return {
        "id": str(uuid.uuid4()),
        "kind": kind,
        "created_at": iso(at).replace("+00:00", "Z"),
        "data": {"visit_id": visit_id, **data},
    }


def worker_user(db) -> users.User:
    return users.User(users.get_user(db, user_id(db, "demo-medewerker")))


@pytest.fixture
def running(app, db, clock):
    """A visit of the demo worker, checked in now (09:00 UTC), due an hour later."""
    visit_id = make_visit(db, start_in_minutes=0)
    with app.test_request_context():
        actions.check_in(db, visit_id, worker_user(db), at=clock())
    return visit_id


@pytest.fixture
def worker(client, auth):
    auth.login("demo-medewerker")
    return client


def visit(db, visit_id: int) -> dict:
    return dict(db.execute("select * from visits where id = ?", [visit_id]).fetchone())


def pending_jobs(db, visit_id: int) -> int:
    sql = "select count(*) from escalation_jobs where visit_id = ? and status = 'pending'"
    return db.execute(sql, [visit_id]).fetchone()[0]


def test_a_queued_check_out_keeps_its_time_and_stops_the_escalation(
    app, worker, db, clock, running
):
    assert pending_jobs(db, running) > 0
    tapped = clock() + timedelta(minutes=50)
    clock.advance(minutes=80)  # the phone was offline; the office's alarm already went off
    with app.app_context():
        fire_due(db, clock(), "test")
    assert db.execute("select count(*) from alarms where visit_id = ?", [running]).fetchone()[0]
    [result] = send(worker, [action("check_out", running, tapped)]).get_json()["results"]
    assert (result["outcome"], result["visit_id"]) == ("stored", running)
    row = visit(db, running)
    assert (row["status"], row["checked_out_at"]) == ("ended", iso(tapped))
    assert pending_jobs(db, running) == 0  # no further reminder, step or re-notification
    [log] = db.query(
        "select * from alarm_log where visit_id = ? and event = 'checked_out'", [running]
    )
    assert log["client_at"] == iso(tapped) and log["at"] == iso(clock())


def test_actions_are_replayed_in_the_order_they_were_tapped(worker, db, clock, running):
    start = clock()
    clock.advance(minutes=20)
    batch = [
        action("im_ok", running, start + timedelta(minutes=5)),
        action(
            "extend", running, start + timedelta(minutes=6), minutes=30, reason="Gesprek loopt uit"
        ),
        action("check_out", running, start + timedelta(minutes=15)),
    ]
    results = send(worker, batch).get_json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "stored", "stored"]
    events = [
        r["event"]
        for r in db.query("select event from alarm_log where visit_id = ? order by id", [running])
    ]
    assert events[-3:] == ["im_ok", "extended", "checked_out"]
    assert visit(db, running)["checked_out_at"] == iso(start + timedelta(minutes=15))


def test_a_refused_action_is_kept_as_the_first_answer(worker, db, clock):
    planned = make_visit(db)
    queued = action("check_out", planned, clock())
    [result] = send(worker, [queued]).get_json()["results"]
    assert (result["outcome"], result["status"]) == ("refused", 409)
    assert result["message"] == "Dit bezoek loopt niet; uitchecken kan niet."
    [again] = send(worker, [queued]).get_json()["results"]
    assert (again["outcome"], again["message"], again["duplicate"]) == (
        "refused",
        result["message"],
        True,
    )
    assert visit(db, planned)["status"] == "planned"


def test_a_panic_queued_offline_raises_the_alarm_with_the_location(worker, db, clock, running):
    tapped = clock() + timedelta(minutes=10)
    clock.advance(minutes=12)
    queued = action("panic", running, tapped, location=[52.0907, 5.1214])
    [result] = send(worker, [queued]).get_json()["results"]
    assert result["outcome"] == "stored"
    [alarm] = db.query("select * from alarms where visit_id = ? and kind = 'panic'", [running])
    assert alarm["status"] == "open"
    row = visit(db, running)
    assert (row["last_lat"], row["last_lon"]) == (52.0907, 5.1214)
    [log] = db.query("select * from alarm_log where visit_id = ? and event = 'panic'", [running])
    assert log["client_at"] == iso(tapped)


def test_a_server_error_holds_back_the_later_actions_of_that_visit(
    worker, db, clock, running, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("database on fire")

    real_extend = actions.extend
    monkeypatch.setattr(actions, "extend", broken)
    batch = [
        action("extend", running, clock(), minutes=15, reason=""),
        action("check_out", running, clock() + timedelta(minutes=1)),
    ]
    results = send(worker, batch).get_json()["results"]
    assert [(r["outcome"], r["status"]) for r in results] == [("error", 500), ("deferred", 503)]
    assert visit(db, running)["status"] == "running"
    monkeypatch.setattr(actions, "extend", real_extend)
    results = send(worker, batch).get_json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "stored"]
    assert visit(db, running)["status"] == "ended"


@pytest.mark.parametrize(
    ("kind", "data", "field"),
    [
        ("check_out", {"visit_id": 424242}, "visit_id"),
        ("check_out", {"visit_id": "x"}, "visit_id"),
        ("check_out", {"pin": "12ab"}, "pin"),
        ("extend", {"minutes": 0}, "minutes"),
        ("extend", {"minutes": "veel"}, "minutes"),
        ("extend", {"minutes": 15, "reason": "x" * 301}, "reason"),
    ],
)
def test_bad_actions_change_nothing(worker, db, clock, running, kind, data, field):
    queued = action(kind, running, clock())
    queued["data"].update(data)
    [result] = send(worker, [queued]).get_json()["results"]
    assert (result["outcome"], result["status"]) == ("invalid", 422)
    assert field in result["errors"]
    assert visit(db, running)["status"] == "running"
    assert db["sync_receipts"].count == 0


def test_another_teams_visit_is_unknown(worker, db, clock):
    team = users.create_team(db, "Wijkteam Noord")
    users.create_user(
        db,
        username="noord",
        display_name="Noord",
        role=users.FIELD_WORKER,
        team_id=team,
        password="lang genoeg wachtwoord",
        hash_method=CHEAP_HASH,
    )
    theirs = make_visit(db, worker="noord")
    [result] = send(worker, [action("panic", theirs, clock())]).get_json()["results"]
    assert result["errors"] == {"visit_id": "Onbekend bezoek."}
    assert db["alarms"].count == 0


def test_a_time_in_the_future_is_taken_as_the_receipt_time(worker, db, clock, running):
    queued = action("check_out", running, clock() + timedelta(hours=3))
    [result] = send(worker, [queued]).get_json()["results"]
    assert result["outcome"] == "stored"
    assert visit(db, running)["checked_out_at"] == iso(clock())


def test_status_needs_a_login(client):
    assert client.get("/sync/status", headers=JSON).status_code == 401
