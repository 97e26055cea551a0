"""The halfway check: at a visit's midpoint the worker is asked "Alles goed?" (push and screen).

A visit gets one when its assessment holds the measure "Kortere check-in" (`short_interval`)
or when it is at least as long as the team's policy says (`halfway_from`, seconds; 0 = never).
The check is a job of kind `halfway`; when it fires it asks the worker and plans the alarm
steps of the team's ladder from that moment, as if the visit were due then. An answer (or any
other sign of life: extend, "Alles goed — 15 min erbij") plans the ladder again from the due
time, which calls those steps off. No answer within the grace raises a `missed_check` alarm.
"""

from datetime import datetime, timedelta

from sqlite_utils import Database

from ..clock import iso, now, parse
from ..visits import assessments
from . import policy as policies
from . import store
from .alarms import REPEAT_RULES
from .notify import notify

MEASURE = "short_interval"


def wanted(db: Database, visit: dict, policy: dict) -> bool:
    """Tell whether a visit gets a halfway check."""
    assessment = assessments.current(db, visit)
    if assessment and any(m["key"] == MEASURE for m in assessment["measures"]):
        return True
    longest = policy.get("halfway_from", 0)
    return bool(longest) and visit["expected_minutes"] * 60 >= longest


def plan(db: Database, visit: dict, start: datetime, due: datetime) -> None:
    """Plan the halfway check of a visit that has just been checked in, if it gets one."""
    policy = policies.load(db, visit["team_id"])
    if not wanted(db, visit, policy):
        return
    moment = start + (due - start) / 2
    steps = [
        {"step": index, "delay": delay, "who": step["who"], "channels": step["channels"]}
        for index, (step, delay) in enumerate(
            zip(policy["steps"], policies.step_delays(policy, visit), strict=True)
        )
        if policies.is_alarm_step(step)  # the question itself is the worker's own step
    ]
    db.execute("update visits set check_due_at = ? where id = ?", [iso(moment), visit["id"]])
    spec = {"steps": steps, "policy": {k: policy[k] for k in REPEAT_RULES}}
    run = store.new_round(db)
    store.add_job(db, visit["id"], f"t{run}:halfway", "halfway", moment, spec=spec)


def answered(db: Database, visit_id: int) -> bool:
    """Record that a check now due has been answered; tell whether one was waiting."""
    return bool(
        db.execute(
            "update visits set check_answered_at = ? where id = ? and check_due_at <= ? "
            "and check_answered_at is null",
            [iso(now()), visit_id, iso(now())],
        ).rowcount
    )


def is_waiting(visit: dict, moment: datetime) -> bool:
    """Tell whether the worker is being asked "Alles goed?" now."""
    due = visit.get("check_due_at")
    return (
        visit["status"] == "running"
        and bool(due)
        and not visit.get("check_answered_at")
        and parse(due) <= moment
    )


def fire(db: Database, visit: dict, job: dict, spec: dict, moment: datetime, late: int) -> None:
    """Ask the worker and plan the alarm steps that follow when nobody answers."""
    if visit["status"] != "running" or visit["check_answered_at"]:
        return
    notify(db, visit, "halfway", ["worker"], ["push"], job_id=job["id"], late_seconds=late)
    base = moment if late else parse(job["due_at"])
    for step in spec["steps"]:
        store.add_job(
            db,
            visit["id"],
            f"h{job['id']}:step{step['step']}",
            "step",
            base + timedelta(seconds=step["delay"]),
            step=step["step"],
            spec={
                "who": step["who"],
                "channels": step["channels"],
                "alarm": True,
                "alarm_kind": "missed_check",
                "policy": spec["policy"],
            },
        )
