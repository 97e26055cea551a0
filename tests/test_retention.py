"""The retention purge removes exactly what is past its period, and nothing else."""

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from app import housekeeping
from app.clock import iso
from app.escalation import store

from .factories import make_visit, user_id
from .followup_helpers import make_incident


def finished_visit(db, ended, *, status="ended", logged=False, companion=True) -> int:
    """A visit that ended at `ended`, with a companion and an assessment; maybe logged."""
    visit_id = make_visit(db, case_ref="Z-1", start_in_minutes=-60)
    db["visits"].update(
        visit_id,
        {
            "status": status,
            "checked_in_at": iso(ended - timedelta(hours=1)),
            "due_at": iso(ended),
            "checked_out_at": iso(ended) if status == "ended" else None,
            "planned_start": iso(ended - timedelta(hours=1)),
            "note": "Hond aanwezig",
        },
    )
    if companion:
        db["visit_companions"].insert({"visit_id": visit_id, "external_name": "Agent Jansen"})
    if logged:
        store.log_event(db, visit_id, "checked_in", at=ended - timedelta(hours=1))
    return visit_id


def alarm(db, visit_id: int, opened, *, resolved=True) -> int:
    row = {
        "visit_id": visit_id,
        "team_id": 1,
        "kind": "overdue",
        "status": "resolved" if resolved else "open",
        "opened_at": iso(opened),
        "resolved_at": iso(opened + timedelta(minutes=5)) if resolved else None,
        "outcome": "worker_safe" if resolved else None,
    }
    alarm_id = db["alarms"].insert(row).last_pk
    store.log_event(db, visit_id, "alarm_raised", alarm_id=alarm_id, at=opened)
    return alarm_id


def closed_incident(db, closed, **extra) -> int:
    incident_id = make_incident(db, closed - timedelta(days=30), **extra)
    moment = iso(closed)
    db["followups"].insert(
        {
            "incident_id": incident_id,
            "team_id": 1,
            "closed_at": moment,
            "closed_open": "[]",
            "created_at": moment,
            "updated_at": moment,
        }
    )
    db["aftercare_talks"].insert(
        {
            "incident_id": incident_id,
            "held_on": "2020-01-01",
            "held_by": "Cor",
            "referral": "none",
            "created_by": 1,
            "created_at": moment,
        }
    )
    return incident_id


def flag(db, ends_on: str, **extra) -> int:
    row = {
        "team_id": 1,
        "address_key": "3511AB|12",
        "kind": "contact_ban",
        "starts_on": "2026-01-01",
        "ends_on": ends_on,
        "created_by": 1,
        "created_at": "2026-01-01T10:00:00+00:00",
        **extra,
    }
    return db["address_measures"].insert(row).last_pk


def ids(db, table: str, key: str = "id") -> set:
    return {row[0] for row in db.execute(f"select {key} from {table}")}


def test_the_purge_removes_exactly_what_is_past_retention(ctx, db, clock):
    now = clock()
    day = timedelta(days=1)
    # Visits: 30 days after they finished, unless an incident is linked to them.
    old_visit = finished_visit(db, now - 31 * day)
    old_cancelled = finished_visit(db, now - 40 * day, status="cancelled")
    recent_visit = finished_visit(db, now - 29 * day)
    logged_visit = finished_visit(db, now - 31 * day, logged=True)
    linked_visit = finished_visit(db, now - 90 * day)
    make_incident(db, now - 90 * day, visit_id=linked_visit)
    running = make_visit(db)
    db["visits"].update(running, {"status": "running", "due_at": iso(now - 40 * day)})
    # Alarm logs and resolved alarms: a year.
    alarm_visit = finished_visit(db, now - 400 * day, logged=True)
    old_alarm = alarm(db, alarm_visit, now - 366 * day)
    kept_alarm_visit = finished_visit(db, now - 300 * day)
    kept_alarm = alarm(db, kept_alarm_visit, now - 300 * day)
    stuck_visit = finished_visit(db, now - 400 * day)
    stuck_alarm = alarm(db, stuck_visit, now - 400 * day, resolved=False)
    # Incidents: five years after their follow-up closed; an open one stays.
    old_incident = closed_incident(db, now - (5 * 365 + 2) * day)
    kept_incident = closed_incident(db, now - (5 * 365 - 1) * day)
    open_incident = make_incident(db, now - 7 * 365 * day)
    # Flags: until they expire (the local date), or end early.
    expired = flag(db, "2026-11-01")
    last_day = flag(db, "2026-11-02")
    ended_early = flag(db, "2027-01-01", ended_on="2026-11-01", end_reason="excuses")
    active = flag(db, "2027-01-01", incident_id=old_incident)
    before = {t: db[t].count for t in ("alarm_log", "visit_companions", "risk_assessments")}

    counts = housekeeping.purge(db, now)

    assert counts == {
        "incidents": 1,
        "flags": 2,
        "alarms": 1,
        # The old alarm's log, its visit's check-in, and the stuck alarm's year-old line.
        "alarm_log": 3,
        # Past 30 days with an alarm log or alarm: the logged, the kept and the stuck one.
        "visits_stripped": 3,
        "visits": 3,  # old, cancelled, and the old alarm's visit now its log is gone
    }
    visits = ids(db, "visits")
    assert not {old_visit, old_cancelled, alarm_visit} & visits
    assert {recent_visit, logged_visit, linked_visit, running, kept_alarm_visit} <= visits
    assert stuck_visit in visits  # its alarm never resolved: the board still shows it
    stripped = db["visits"].get(logged_visit)
    assert (stripped["street"], stripped["postcode"], stripped["address_key"]) == ("", "", "")
    assert stripped["case_ref"] is None and stripped["note"] is None
    assert stripped["worker_id"] and stripped["purpose"]  # the bare row for the statistics
    for kept in (recent_visit, linked_visit):
        assert db["visits"].get(kept)["address_key"] == "3511AB|12"
        assert db["visits"].get(kept)["case_ref"] == "Z-1"
    companions = {r[0] for r in db.execute("select visit_id from visit_companions")}
    assert logged_visit not in companions and {recent_visit, linked_visit} <= companions
    assessed = {r[0] for r in db.execute("select visit_id from risk_assessments")}
    assert logged_visit not in assessed and recent_visit in assessed
    assert ids(db, "alarms") == {kept_alarm, stuck_alarm} and old_alarm not in ids(db, "alarms")
    assert db["alarm_log"].count == before["alarm_log"] - 3
    assert db["visits"].get(kept_alarm_visit)["address_key"] == ""
    assert db["visit_companions"].count == before["visit_companions"] - 6
    incidents = ids(db, "incidents")
    assert old_incident not in incidents and {kept_incident, open_incident} <= incidents
    assert ids(db, "followups", "incident_id") == {kept_incident}
    assert {r[0] for r in db.execute("select incident_id from aftercare_talks")} == {kept_incident}
    assert ids(db, "address_measures") == {last_day, active}
    assert db["address_measures"].get(active)["incident_id"] is None
    assert expired and ended_early
    # One audit line, with the counts and nothing else.
    [line] = db.query("select * from audit_log where action = 'retention.purge'")
    assert json.loads(line["detail"]) == counts and line["actor"] == "escalator"
    # A second purge finds nothing more.
    assert set(housekeeping.purge(db, now).values()) == {0}


def test_the_alarm_log_stays_append_only_outside_the_purge(ctx, db, clock):
    visit_id = finished_visit(db, clock() - timedelta(days=400), logged=True)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from alarm_log")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("update alarm_log set event = 'x'")
    # A permit lets rows older than its cut-off go, and no others.
    store.log_event(db, visit_id, "checked_out", at=clock())
    db.execute("begin")
    db.execute(
        "insert into retention_permits (table_name, before) values ('alarm_log', ?)",
        [iso(clock() - timedelta(days=365))],
    )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        db.execute("delete from alarm_log")
    db.execute("rollback")
    assert db["alarm_log"].count == 2 and db["retention_permits"].count == 0


def test_retention_periods_are_configurable(ctx, db, clock):
    visit_id = finished_visit(db, clock() - timedelta(days=31))
    ctx.config["VOP_RETENTION_VISITS_DAYS"] = 60
    assert housekeeping.period("visits") == timedelta(days=60)
    assert housekeeping.purge(db, clock())["visits"] == 0
    ctx.config["VOP_RETENTION_VISITS_DAYS"] = 30
    assert housekeeping.purge(db, clock())["visits"] == 1
    assert visit_id not in ids(db, "visits")


def test_the_defaults_are_the_documented_ones():
    days = {k: v.days for k, v in housekeeping.RETENTION.items()}
    assert days["visits"] == 30 and days["alarm_log"] == 365 and days["flags"] == 0
    assert days["incidents"] == 1826  # five years after closure
    text = (Path(__file__).resolve().parent.parent / "docs" / "followup.md").read_text()
    for category in ("visits", "alarm_log", "incidents", "flags"):
        assert f"| `{category}` |" in text


def test_the_escalator_purges_once_a_day(ctx, db, clock, escalator):
    finished_visit(db, clock() - timedelta(days=31))
    first = escalator.tick()
    assert first["purged"]["visits"] == 1
    finished_visit(db, clock() - timedelta(days=31))
    clock.advance(hours=1, minutes=1)
    later = escalator.tick()
    assert later["pruned"] is not None and later["purged"] is None  # hourly pruning only
    # A restarted escalator reads the last purge from the audit trail: no second purge.
    from app.escalation.dispatch import InlineExecutor
    from app.escalation.engine import Escalator

    restarted = Escalator(ctx, holder="test-escalator", executor=InlineExecutor())
    assert restarted.tick()["purged"] is None
    clock.advance(hours=23)
    assert restarted.tick()["purged"]["visits"] == 1
    restarted.dispatcher.shutdown()
    actions = [r[0] for r in db.execute("select action from audit_log order by id")]
    assert actions.count("retention.purge") == 2


def test_the_purge_command(app, db, clock, runner):
    finished_visit(db, clock() - timedelta(days=31))
    result = runner.invoke(args=["purge"])
    assert result.exit_code == 0, result.output
    assert "visits 1" in result.output
    [line] = db.query("select * from audit_log where action = 'retention.purge'")
    assert line["actor"] == "cli" and json.loads(line["detail"])["visits"] == 1
    assert user_id(db, "demo-medewerker")
