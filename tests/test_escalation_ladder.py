"""The escalation ladder with an injected clock: no test here sleeps for a timer."""

import json

import pytest

from app import users
from app.escalation import actions, alarms
from app.escalation.errors import ActionError

from .escalation_helpers import (
    advance,
    log_events,
    running_visit,
    subscribe,
    types_for,
    user,
)
from .factories import CHEAP_HASH, make_visit, user_id

WORKER_NOTICES = ("office_alerted", "alarm_seen")


def _notified(db, visit_id: int) -> list[dict]:
    rows = db.execute(
        "select at, detail from alarm_log where visit_id = ? and event = 'notified' order by id",
        [visit_id],
    )
    return [{"at": at, **json.loads(detail)} for at, detail in rows]


def _companion(db, visit_id: int) -> str:
    """Add a second field worker of the team as a companion; return the username."""
    team = db.execute("select team_id from visits where id = ?", [visit_id]).fetchone()[0]
    companion = users.create_user(
        db,
        username="demo-collega",
        display_name="Cas Collega",
        role=users.FIELD_WORKER,
        team_id=team,
        password="collega-wachtwoord",
        hash_method=CHEAP_HASH,
    )
    db["visit_companions"].insert({"visit_id": visit_id, "user_id": companion})
    return "demo-collega"


@pytest.fixture
def devices(db, push_service):
    """A device for the worker, the office and the coordinator."""
    for name in ("demo-medewerker", "demo-kantoor", "demo-coordinator"):
        subscribe(db, name, push_service, name)
    return push_service


def test_ladder_fires_each_step_once_and_in_order(db, clock, escalator, devices):
    visit_id = running_visit(db, clock, minutes=60)
    for _ in range(int(100 * 60 / 20)):  # tick every 20 s through the whole ladder
        advance(clock, escalator, 20)
        escalator.tick()  # a second tick at the same moment must send nothing again
    steps = [(n["kind"], n["step"]) for n in _notified(db, visit_id) if not n["repeat"]]
    assert steps == [
        ("reminder", None),
        ("overdue", 0),
        ("alarm", 1),
        ("office_alerted", None),  # the worker hears the office was alerted
        ("alarm", 2),
        ("alarm", 3),
    ]
    moments = [n["at"] for n in _notified(db, visit_id)]
    assert moments == sorted(moments)
    firsts = {
        n["step"]: n["at"][11:19]
        for n in _notified(db, visit_id)
        if not n["repeat"] and n["kind"] not in WORKER_NOTICES
    }
    # Due 10:00 UTC: overdue at the end, alarm after 5 min grace, coordinator after 20, all 35.
    assert firsts == {None: "09:55:00", 0: "10:00:00", 1: "10:05:00", 2: "10:20:00", 3: "10:35:00"}
    assert types_for(devices, "demo-medewerker") == ["reminder", "overdue", "office_alerted"]
    office = devices.received("demo-kantoor")
    assert office[0].payload["type"] == "alarm" and office[0].payload["alarm_id"]
    assert any(m.payload["title"].startswith("(herhaling") for m in office)
    assert types_for(devices, "demo-coordinator")[0] == "alarm"
    jobs = db.execute(
        "select count(*), count(distinct key) from escalation_jobs where visit_id = ? "
        "and status = 'done'",
        [visit_id],
    ).fetchone()
    assert jobs[0] == jobs[1]


@pytest.mark.parametrize("kind", [{"voluntary": False}, {"risk_level": "high"}])
def test_high_risk_or_involuntary_visit_gets_the_short_grace(db, clock, escalator, devices, kind):
    visit_id = make_visit(db, voluntary=kind.get("voluntary", True), expected_minutes=30)
    if "risk_level" in kind:
        db.execute("update visits set risk_level = 'high' where id = ?", [visit_id])
    actions.check_in(db, visit_id, user(db, "demo-medewerker"), at=clock())
    advance(clock, escalator, 30 * 60 + 119)
    assert devices.received("demo-kantoor") == []
    advance(clock, escalator, 1)
    assert types_for(devices, "demo-kantoor") == ["alarm"]


def _open_alarm(db, clock, escalator) -> tuple[int, int]:
    visit_id = running_visit(db, clock, minutes=30)
    advance(clock, escalator, 35 * 60)
    alarm_id = db.execute("select id from alarms where visit_id = ?", [visit_id]).fetchone()[0]
    return visit_id, alarm_id


def test_acknowledgement_stops_renotification_until_its_timeout(db, clock, escalator, devices):
    visit_id, alarm_id = _open_alarm(db, clock, escalator)
    alarms.acknowledge(db, alarm_id, user(db, "demo-kantoor"))
    escalator.tick()
    assert types_for(devices, "demo-medewerker")[-1] == "alarm_seen"  # the worker hears it
    before = len(devices.received())
    for _ in range(14):
        advance(clock, escalator, 60)
    assert len(devices.received()) == before  # no repeats, no coordinator step
    assert db.execute("select status from alarms where id = ?", [alarm_id]).fetchone()[0] == (
        "acknowledged"
    )
    advance(clock, escalator, 60)  # 15 minutes acknowledged but not resolved
    assert db.execute("select status from alarms where id = ?", [alarm_id]).fetchone()[0] == "open"
    assert "reopened" in log_events(db, visit_id)
    assert len(devices.received("demo-kantoor")) > 1
    # The ladder continues where the acknowledgement stopped it: the coordinator follows.
    for _ in range(20):
        advance(clock, escalator, 60)
    assert "alarm" in types_for(devices, "demo-coordinator")


def test_a_worker_cannot_acknowledge_their_own_alarm(db, clock, escalator, devices, web):
    client, auth = web
    visit_id, alarm_id = _open_alarm(db, clock, escalator)
    with pytest.raises(ActionError) as refused:
        alarms.acknowledge(db, alarm_id, user(db, "demo-medewerker"))
    assert "eigen alarm" in refused.value.message
    auth.login("demo-medewerker")
    response = auth.post(f"/kantoor/alarmen/{alarm_id}/bevestigen", follow_redirects=True)
    assert "U kunt uw eigen alarm niet bevestigen." in response.get_data(as_text=True)
    row = db.execute("select status, acknowledged_by from alarms where id = ?", [alarm_id])
    assert tuple(row.fetchone()) == ("open", None)


def test_the_first_acknowledgement_wins(db, clock, escalator, devices):
    _visit_id, alarm_id = _open_alarm(db, clock, escalator)
    alarms.acknowledge(db, alarm_id, user(db, "demo-coordinator"))
    with pytest.raises(ActionError) as second:
        alarms.acknowledge(db, alarm_id, user(db, "demo-kantoor"))
    assert second.value.status == 409
    by = db.execute("select acknowledged_by from alarms where id = ?", [alarm_id]).fetchone()[0]
    assert by == user_id(db, "demo-coordinator")


def test_acknowledging_a_resolved_alarm_is_refused(db, clock, escalator, devices, web):
    _client, auth = web
    visit_id, alarm_id = _open_alarm(db, clock, escalator)
    alarms.resolve(
        db, alarm_id, user(db, "demo-kantoor"), "worker_safe", "Gebeld, alles goed", "end"
    )
    auth.login("demo-coordinator")
    response = auth.post(f"/kantoor/alarmen/{alarm_id}/bevestigen", follow_redirects=True)
    assert (
        "Dit alarm is al afgehandeld door Kees Kantoor om 10:35:00. Er is niets veranderd."
        in response.get_data(as_text=True)
    )
    row = db.execute(
        "select status, outcome, acknowledged_by from alarms where id = ?", [alarm_id]
    ).fetchone()
    assert tuple(row) == ("resolved", "worker_safe", user_id(db, "demo-kantoor"))
    assert db.execute("select status from visits where id = ?", [visit_id]).fetchone()[0] == (
        "ended"
    )
    escalator.tick()  # the worker hears the alarm was seen; then nothing more
    assert types_for(devices, "demo-medewerker")[-1] == "alarm_seen"
    before = len(devices.received())
    advance(clock, escalator, 3600)
    assert len(devices.received()) == before


def test_extend_moves_every_pending_step(db, clock, escalator, devices):
    visit_id = running_visit(db, clock, minutes=60)
    due = lambda: db.execute(  # noqa: E731
        "select kind, step, due_at from escalation_jobs where visit_id = ? and status = "
        "'pending' order by due_at",
        [visit_id],
    ).fetchall()
    before = due()
    advance(clock, escalator, 10 * 60)
    actions.extend(
        db, visit_id, user(db, "demo-medewerker"), minutes=30, reason="Gesprek loopt", at=clock()
    )
    after = due()
    assert [(k, s) for k, s, _ in after] == [(k, s) for k, s, _ in before]
    assert [a[2][11:16] for a in after] == ["10:25", "10:30", "10:35", "10:50", "11:05"]
    advance(clock, escalator, 50 * 60)  # 10:00, the old due time: nothing happens
    assert devices.received() == []
    advance(clock, escalator, 25 * 60)
    assert types_for(devices, "demo-medewerker") == ["reminder"]
    entry = db.execute("select client_at, detail from alarm_log where event = 'extended'")
    assert json.loads(entry.fetchone()[1])["reason"] == "Gesprek loopt"


def test_check_out_cancels_every_pending_step(db, clock, escalator, devices):
    visit_id = running_visit(db, clock, minutes=60)
    actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=clock())
    assert (
        db.execute(
            "select count(*) from escalation_jobs where visit_id = ? and status = 'pending'",
            [visit_id],
        ).fetchone()[0]
        == 0
    )
    advance(clock, escalator, 3 * 3600)
    assert devices.received() == []
    assert db.execute("select count(*) from alarms").fetchone()[0] == 0


@pytest.mark.parametrize("state", ["planned", "ended"])
def test_check_out_of_a_visit_that_is_not_running_changes_nothing(db, clock, ctx, state):
    visit_id = make_visit(db)
    if state == "ended":
        actions.check_in(db, visit_id, user(db, "demo-medewerker"), at=clock())
        actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=clock())
    before = (dict(db["visits"].get(visit_id)), db["alarm_log"].count, db["escalation_jobs"].count)
    with pytest.raises(ActionError) as refused:
        actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=clock())
    assert refused.value.message == "Dit bezoek loopt niet; uitchecken kan niet."
    after = (dict(db["visits"].get(visit_id)), db["alarm_log"].count, db["escalation_jobs"].count)
    assert after == before


def test_duress_pin_raises_a_silent_alarm(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-medewerker")
    pins = {"checkout_pin": "1234", "checkout_pin_repeat": "1234"}
    assert (
        auth.post(
            "/instellingen/noodcode", {**pins, "pin": "4711", "pin_repeat": "4711"}
        ).status_code
        == 303
    )
    settings = client.get("/instellingen/").get_data(as_text=True)
    assert "Uw pincode en noodcode zijn ingesteld." in settings
    normal = running_visit(db, clock, minutes=60)
    forced = running_visit(db, clock, minutes=60, house_number="14")
    companion = _companion(db, forced)
    subscribe(db, companion, devices, companion)
    plain = auth.post(f"/timer/{normal}/uitchecken", {"pin": "1234"})
    duress = auth.post(f"/timer/{forced}/uitchecken", {"pin": "4711"})
    assert (plain.status_code, duress.status_code) == (303, 303)
    plain_page = client.get(plain.headers["Location"]).get_data(as_text=True)
    duress_page = client.get(duress.headers["Location"]).get_data(as_text=True)
    same = duress_page.replace("Domplein 14", "Domplein 12").replace(
        f"visit_id={forced}", f"visit_id={normal}"
    )
    assert same == plain_page  # nothing on the phone tells the two apart
    assert "Was er een incident?" in plain_page
    advance(clock, escalator, 1)
    assert types_for(devices, "demo-kantoor") == ["duress"]
    assert types_for(devices, "demo-coordinator") == ["duress"]
    # Nothing at the scene: not on the worker's phone, not on the companion's.
    assert devices.received("demo-medewerker") == devices.received(companion) == []
    assert (
        db.execute(
            "select count(*) from deliveries where user_id in (?, ?)",
            [user_id(db, "demo-medewerker"), user_id(db, companion)],
        ).fetchone()[0]
        == 0
    )
    row = db.execute("select kind, status, visit_id from alarms").fetchall()
    assert [tuple(r) for r in row] == [("duress", "open", forced)]
    # The worker cannot open the alarm either.
    alarm_id = db.execute("select id from alarms").fetchone()[0]
    assert client.get(f"/kantoor/alarmen/{alarm_id}").status_code == 404


def test_panic_skips_the_ladder_and_reaches_every_level_at_once(db, clock, escalator, devices):
    visit_id = running_visit(db, clock, minutes=120)
    companion = _companion(db, visit_id)
    subscribe(db, companion, devices, companion)
    advance(clock, escalator, 60)
    actions.panic(
        db, visit_id, user(db, "demo-medewerker"), at=clock(), location=(52.09073, 5.12142)
    )
    advance(clock, escalator, 1)
    for name in ("demo-kantoor", "demo-coordinator", companion):
        assert types_for(devices, name) == ["panic"], name
    payload = devices.received("demo-kantoor")[0].payload
    assert "Domplein 12" in payload["body"] and "52.09073, 5.12142" in payload["body"]
    assert (
        payload["visit_id"] == visit_id
        and payload["url"] == f"/kantoor/alarmen/{payload['alarm_id']}"
    )
    assert types_for(devices, "demo-medewerker") == ["office_alerted"]
    # Repeats continue until someone acknowledges.
    advance(clock, escalator, 120)
    assert len(devices.received("demo-kantoor")) == 2


def test_im_ok_gives_the_worker_more_time(db, clock, escalator, devices):
    visit_id = running_visit(db, clock, minutes=60)
    advance(clock, escalator, 56 * 60)  # the reminder came
    actions.im_ok(db, visit_id, user(db, "demo-medewerker"), at=clock())
    advance(clock, escalator, 9 * 60)  # past the old due time and grace
    assert devices.received("demo-kantoor") == []
    assert db.execute("select due_at from visits where id = ?", [visit_id]).fetchone()[0][
        11:16
    ] == ("10:11")


def test_actions_keep_the_phone_time_beside_the_receipt_time(db, clock, escalator, devices):
    visit_id = running_visit(db, clock, minutes=60)
    from datetime import timedelta

    tapped = clock() - timedelta(minutes=7)  # queued offline, sent later
    actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=tapped)
    row = db.execute("select at, client_at from alarm_log where event = 'checked_out'").fetchone()
    assert row[0][11:16] == "09:00" and row[1][11:16] == "08:53"
    assert db["visits"].get(visit_id)["checked_out_at"][11:16] == "08:53"


def test_a_tick_reads_only_what_is_due(db, ctx):
    """The due query walks the index on due time: its cost follows what is due."""
    plan = db.execute(
        "explain query plan select * from escalation_jobs where status = 'pending' "
        "and due_at <= ? order by due_at, id limit 500",
        ["2026-11-02T09:00:00+00:00"],
    ).fetchall()
    assert any("idx_escalation_jobs_pending_due" in row[-1] for row in plan), plan
    plan = db.execute(
        "explain query plan select * from deliveries d where d.status in ('pending', "
        "'sending') and d.next_attempt_at <= ? order by d.next_attempt_at, d.id limit 1000",
        ["2026-11-02T09:00:00+00:00"],
    ).fetchall()
    assert any("idx_deliveries_due" in row[-1] for row in plan), plan
