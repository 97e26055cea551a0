"""The alarms of the demo year: a dozen a month, as the alarm log would have recorded them.

Most are missed check-outs of a worker who was fine; now and then a panic alarm (often a
pocket press) and rarely a silent one. Acknowledged in seconds (a long tail at night), one
in twenty reached nobody's phone and was seen on the board alone.
"""

import random
from datetime import datetime, timedelta

from ..clock import LOCAL, iso
from ..escalation import store as log

MARK = "[DEMO]"
ALARMS_PER_MONTH = 12
KINDS = [("overdue", 88), ("panic", 10), ("duress", 2)]
OUTCOMES = {
    "overdue": [("worker_safe", 82), ("false_alarm", 8), ("help_sent", 7), ("police_called", 3)],
    "panic": [("false_alarm", 45), ("help_sent", 35), ("police_called", 20)],
    "duress": [("help_sent", 50), ("police_called", 50)],
}


def pick(rng: random.Random, weighted: list[tuple]) -> str:
    """Choose one of (value, weight) pairs."""
    return rng.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def missed_checkout(seeder, start: datetime) -> None:
    """A visit whose worker got the overdue notice and then checked out: no alarm."""
    visit_id = seeder.visit(start)
    due = start + timedelta(minutes=45)
    detail = {"kind": "overdue", "step": 0, "who": ["worker"], "recipients": 1, "pushes": 1}
    log.log_event(seeder.db, visit_id, "notified", at=due, detail=detail)
    log.log_event(
        seeder.db, visit_id, "checked_out", actor_id=seeder.worker, at=due + timedelta(minutes=3)
    )


def alarm(seeder, start: datetime) -> None:
    """One alarm with its log: raised, sent, acknowledged, resolved."""
    rng: random.Random = seeder.rng
    db = seeder.db
    kind = pick(rng, KINDS)
    visit_id = seeder.visit(start)
    opened = start + timedelta(minutes=50 if kind == "overdue" else rng.randrange(5, 40))
    if kind == "overdue":
        due = start + timedelta(minutes=45)
        detail = {"kind": "overdue", "step": 0, "who": ["worker"], "recipients": 1, "pushes": 1}
        log.log_event(db, visit_id, "notified", at=due, detail=detail)
    ack = opened + timedelta(seconds=min(600, rng.lognormvariate(2.4, 0.7)))
    resolved = ack + timedelta(minutes=rng.randrange(2, 25))
    outcome = pick(rng, OUTCOMES[kind])
    row = {
        "visit_id": visit_id,
        "team_id": seeder.team,
        "kind": kind,
        "status": "resolved",
        "level": 1,
        "opened_at": iso(opened),
        "acknowledged_by": seeder.office,
        "acknowledged_at": iso(ack),
        "resolved_by": seeder.office,
        "resolved_at": iso(resolved),
        "outcome": outcome,
        "note": f"{MARK} demo-alarm",
        "reopened": 0,
        "reached": '["office"]',
        "policy": "{}",
    }
    alarm_id = seeder.mark("alarms", db["alarms"].insert(row).last_pk)
    log.log_event(
        db, visit_id, "alarm_raised", alarm_id=alarm_id, at=opened, detail={"kind": kind}
    )
    sent = {"kind": "alarm", "step": 1, "who": ["office"], "recipients": 1, "pushes": 1}
    log.log_event(db, visit_id, "notified", alarm_id=alarm_id, at=opened, detail=sent)
    outcome_sent = "accepted" if rng.random() > 0.05 else "retry"
    delivery = {"channel": "push", "kind": "alarm", "outcome": outcome_sent, "attempt": 1}
    log.log_event(db, visit_id, "delivery", alarm_id=alarm_id, at=opened, detail=delivery)
    log.log_event(db, visit_id, "acknowledged", alarm_id=alarm_id, actor_id=seeder.office, at=ack)
    note = {"outcome": outcome, "note": f"{MARK} demo-alarm"}
    log.log_event(
        db,
        visit_id,
        "resolved",
        alarm_id=alarm_id,
        actor_id=seeder.office,
        at=resolved,
        detail=note,
    )


def office_hours(rng: random.Random, moment: datetime, days_back: int) -> datetime:
    """Return a local weekday moment in office hours (now and then an evening or weekend)."""
    day = (moment - timedelta(days=days_back)).astimezone(LOCAL).date()
    while day.weekday() > 4 and rng.random() > 0.08:
        day -= timedelta(days=1)
    hour = rng.choice([9, 10, 10, 11, 11, 13, 14, 14, 15, 16]) if rng.random() > 0.1 else 19
    local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), tzinfo=LOCAL)
    return min(local, moment - timedelta(hours=2))


def seed_alarms(seeder, days: int) -> None:
    """Spread a dozen alarms a month, and a few missed check-outs, over the past days."""
    rng: random.Random = seeder.rng
    for _n in range(ALARMS_PER_MONTH * days // 30):
        alarm(seeder, office_hours(rng, seeder.moment, rng.randrange(days)))
    for _n in range(2 * days // 30):
        missed_checkout(seeder, office_hours(rng, seeder.moment, rng.randrange(days)))
