"""Fire the jobs that are due: each exactly once, however many escalators share the database."""

import json
import logging
from datetime import datetime, timedelta

from sqlite_utils import Database

from .. import metrics
from ..clock import iso, parse
from ..db import rows, transaction
from ..visits.access import get_visit
from . import channels, halfway, store
from .alarms import LADDER_KINDS, add_reached, get_alarm, raise_alarm, subject
from .notify import notify, tell_worker
from .policy import ALL_LEVELS

log = logging.getLogger(__name__)
LATE_AFTER = 5  # seconds: a step fired later than this was held up (the escalator was down)
# Jobs fired per transaction: short, so a panic's own write waits little behind a burst.
BATCH = 50
# What fires first when much is due at once: panic and duress, then the ladder's steps (an
# alarm to the office, the worker's notice), the halfway checks and timeouts, then repeats,
# and reminders last.
PRIORITY = (
    "case kind when 'alarm_all' then 0 when 'step' then 1 when 'ack_timeout' then 1 "
    "when 'halfway' then 1 when 'renotify' then 2 else 3 end"
)


def fire_due(db: Database, moment: datetime, holder: str) -> int:
    """Fire every job due at `moment` (oldest first); return how many fired."""
    with transaction(db):
        jobs = rows(
            db,
            "select * from escalation_jobs where status = 'pending' and due_at <= ? "
            f"order by {PRIORITY}, due_at, id limit ?",
            [iso(moment), BATCH],
        )
        with channels.remembering_people():
            visits = _visits(db, jobs)
            fired = _fire_batch(db, jobs, visits, moment, holder)
    return fired


def _visits(db: Database, jobs: list[dict]) -> dict[int, dict]:
    """Read the visits of a batch in one query, and their workers with their devices."""
    ids = list({job["visit_id"] for job in jobs if job["visit_id"] is not None})
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    visits = {v["id"]: v for v in rows(db, f"select * from visits where id in ({marks})", ids)}
    channels.people(db, [visit["worker_id"] for visit in visits.values()])
    return visits


def _fire_batch(db: Database, jobs: list[dict], visits: dict, moment, holder: str) -> int:
    """Fire a batch's jobs, each in a savepoint of its own; return how many fired."""
    fired = 0
    for job in jobs:
        late = max(0, store.seconds_between(job["due_at"], moment))
        db.execute("SAVEPOINT fire_job")
        try:
            # The status guard makes firing exactly-once even if two processes race.
            claimed = db.execute(
                "update escalation_jobs set status = 'done', fired_at = ?, fired_by = ?, "
                "late_seconds = ? where id = ? and status = 'pending'",
                [iso(moment), holder, late, job["id"]],
            ).rowcount
            if claimed:
                lag = (moment - parse(job["due_at"])).total_seconds()
                metrics.FIRED.labels(job["kind"]).inc()
                metrics.LAG.labels(job["kind"]).observe(max(0.0, lag))
                # A visit read with the batch serves its first job; a second job of the
                # same visit reads it again (the first may have changed it).
                visit = visits.pop(job["visit_id"], None)
                _fire(db, job, moment, late if late > LATE_AFTER else 0, visit)
                fired += 1
            db.execute("RELEASE SAVEPOINT fire_job")
        except Exception:  # one broken job must not hold up every other alarm
            db.execute("ROLLBACK TO SAVEPOINT fire_job")
            db.execute("RELEASE SAVEPOINT fire_job")
            log.exception("Escalation job %s could not fire", job["id"])
    return fired


def _fire(db: Database, job: dict, moment: datetime, late: int, visit: dict | None) -> None:
    """Do what one job stands for (`visit`: its visit, when read with the batch)."""
    if job["visit_id"] is None:  # the alarm of a panic without a visit
        visit = subject(db, get_alarm(db, job["alarm_id"]))
    elif visit is None:
        visit = get_visit(db, job["visit_id"])
    spec = json.loads(job["spec"] or "{}")
    kind = job["kind"]
    if kind in ("reminder", "step", "halfway") and visit["status"] != "running":
        return  # the visit ended in the meantime; its steps have nothing left to do
    if kind == "reminder":
        notify(db, visit, "reminder", ["worker"], ["push"], job_id=job["id"], late_seconds=late)
    elif kind == "step" and not spec["alarm"]:
        notify(
            db,
            visit,
            "overdue",
            spec["who"],
            spec["channels"],
            job_id=job["id"],
            step=job["step"],
            late_seconds=late,
        )
    elif kind == "step":
        _alarm_step(db, visit, job, spec, moment, late)
    elif kind == "alarm_all":
        alarm = get_alarm(db, job["alarm_id"])
        if alarm["status"] != "resolved":
            _send_alarm(db, visit, alarm, job, spec, moment, late)
    elif kind == "renotify":
        _repeat(db, visit, job, spec, moment)
    elif kind == "ack_timeout":
        _reopen_after_timeout(db, visit, job, moment)
    elif kind == "halfway":
        halfway.fire(db, visit, job, spec, moment, late)


def _alarm_step(db: Database, visit: dict, job: dict, spec: dict, moment, late: int) -> None:
    """A step of the ladder past the grace: raise (or climb) the overdue alarm (or, after an
    unanswered halfway check, the missed_check alarm)."""
    kind = spec.get("alarm_kind", "overdue")
    alarm = store.open_alarm(db, visit["id"], kind)
    if alarm is None:
        alarm = raise_alarm(db, visit, kind, spec["policy"])
    elif alarm["status"] == "acknowledged":
        _set_open(db, visit, alarm)
    db.execute("update alarms set level = max(level, ?) where id = ?", [job["step"], alarm["id"]])
    db.execute("update escalation_jobs set alarm_id = ? where id = ?", [alarm["id"], job["id"]])
    _send_alarm(db, visit, get_alarm(db, alarm["id"]), job, spec, moment, late)


def _set_open(db: Database, visit: dict, alarm: dict) -> None:
    db.execute(
        "update alarms set status = 'open', reopened = reopened + 1 where id = ?", [alarm["id"]]
    )
    store.log_event(db, visit["id"], "reopened", alarm_id=alarm["id"])


def _send_alarm(db, visit, alarm, job, spec, moment, late: int, who=None) -> None:
    """Notify a step's groups about an alarm and start its repeats."""
    kind = "alarm" if alarm["kind"] == "overdue" else alarm["kind"]
    who = who or spec["who"]
    first = not json.loads(alarm["reached"] or "[]")
    add_reached(db, alarm, who)
    notify(
        db,
        visit,
        kind,
        who,
        spec["channels"],
        alarm=alarm,
        job_id=job["id"],
        step=job["step"],
        silent=spec.get("silent", False),
        late_seconds=late,
    )
    if first:  # the worker hears that the office knows (tell_worker skips a duress alarm)
        tell_worker(db, visit, alarm, "office_alerted", at=alarm["opened_at"])
    base = moment if late else parse(job["due_at"])
    _schedule_repeat(db, visit, alarm, origin=job["id"], n=1, base=base, spec=spec)


def _schedule_repeat(db, visit, alarm, *, origin: int, n: int, base: datetime, spec) -> None:
    """Plan the next repeat of an alarm, replacing any repeat still waiting."""
    rules = json.loads(alarm["policy"] or "{}")
    store.cancel_jobs(db, visit["id"], kinds=("renotify",), alarm_id=alarm["id"])
    if n > rules.get("repeat_limit", 0):
        return
    store.add_job(
        db,
        visit["id"],
        f"a{alarm['id']}:r{origin}:{n}",
        "renotify",
        base + timedelta(seconds=rules["renotify"]),
        spec={"n": n, "origin": origin, "silent": spec.get("silent", False)},
        alarm_id=alarm["id"],
    )


def _repeat(db: Database, visit: dict, job: dict, spec: dict, moment: datetime) -> None:
    """Send an unacknowledged alarm again to everyone it has reached so far."""
    alarm = get_alarm(db, job["alarm_id"])
    if alarm["status"] != "open":
        return
    kind = "alarm" if alarm["kind"] == "overdue" else alarm["kind"]
    who = json.loads(alarm["reached"] or "[]")
    notify(
        db,
        visit,
        kind,
        who,
        ["push"],
        alarm=alarm,
        job_id=job["id"],
        repeat=spec["n"],
        silent=spec.get("silent", False),
    )
    late = store.seconds_between(job["due_at"], moment) > LATE_AFTER
    base = moment if late else parse(job["due_at"])
    _schedule_repeat(
        db, visit, alarm, origin=spec["origin"], n=spec["n"] + 1, base=base, spec=spec
    )


def _reopen_after_timeout(db: Database, visit: dict, job: dict, moment: datetime) -> None:
    """An acknowledged alarm not resolved in time: notify again and resume the ladder."""
    alarm = get_alarm(db, job["alarm_id"])
    if alarm["status"] != "acknowledged":
        return
    _set_open(db, visit, alarm)
    alarm = get_alarm(db, alarm["id"])
    spec = {"channels": ALL_LEVELS["channels"], "silent": alarm["kind"] == "duress"}
    who = json.loads(alarm["reached"] or "[]")
    _send_alarm(db, visit, alarm, job, spec, moment, 0, who=who)
    climbing = store.climbing_round(db, alarm["id"])
    armed = db.execute(
        "select 1 from escalation_jobs where visit_id = ? and kind = 'step' "
        "and status = 'pending' limit 1",
        [visit["id"]],
    ).fetchone()
    if alarm["kind"] not in LADDER_KINDS or climbing is None or armed:
        return  # nothing was stopped, or a later deadline's ladder is armed already
    # The steps the acknowledgement stopped continue, keeping their spacing.
    stopped = db.query(
        "select * from escalation_jobs where visit_id = ? and kind = 'step' "
        "and status = 'cancelled' and step > ? and due_at > ? and key like ? order by id",
        [visit["id"], alarm["level"], alarm["acknowledged_at"], climbing + ":%"],
    )
    latest = {row["step"]: row for row in stopped}
    for step, row in sorted(latest.items()):
        wait = parse(row["due_at"]) - parse(alarm["acknowledged_at"])
        store.add_job(
            db,
            visit["id"],
            f"a{alarm['id']}:o{alarm['reopened']}:s{step}",
            "step",
            moment + wait,
            step=step,
            spec=json.loads(row["spec"]),
            alarm_id=alarm["id"],
        )
