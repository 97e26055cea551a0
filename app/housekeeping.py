"""How long the app keeps what it stores: hourly pruning and the daily retention purge.

RETENTION is the one place a retention period is set (its defaults); docs/followup.md and
the privacy record name these periods. A deployment changes one with the setting
`VOP_RETENTION_<CATEGORY>_DAYS` (for example `VOP_RETENTION_VISITS_DAYS=60`). What goes,
and why it may:

  login_failures  after a day: the throttle looks back minutes, not days
  user_sessions   30 days after they ended or expired: the audit trail keeps the logins
  deliveries      30 days after they finished: the alarm log keeps every attempt
  visits          a finished visit loses its address, case reference, note, location,
                  companions and assessment 30 days after it ended, unless an incident
                  is linked to it; the bare row (team, worker, times) stays while its
                  alarm log does, and goes with it
  alarm_log       the alarm log, and the resolved alarms, after a year
  incidents       an incident with its follow-up, 5 years after the follow-up was closed
                  (an incident whose follow-up is still open stays)
  flags           a warning flag once it has expired or was ended early (+ this period)

The escalation worker prunes the first three every hour and runs the purge of the last four
once a day (when the audit trail's last purge is a day old); `flask --app app purge` runs
it at once. Every purge is recorded in the audit trail with its counts only.
"""

from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlite_utils import Database

from . import audit
from .clock import LOCAL, iso
from .db import transaction

EVERY = timedelta(hours=1)
PURGE_EVERY = timedelta(days=1)
RETENTION: dict[str, timedelta] = {
    "login_failures": timedelta(days=1),
    "user_sessions": timedelta(days=30),
    "deliveries": timedelta(days=30),
    "visits": timedelta(days=30),
    "alarm_log": timedelta(days=365),
    "incidents": timedelta(days=5 * 365 + 1),  # five years, a leap day included
    "flags": timedelta(0),
}
FINISHED = ("sent", "gone", "failed", "expired", "cancelled")
PURGE_ACTION = "retention.purge"


def period(category: str) -> timedelta:
    """Return a category's retention period: the setting when given, else the default."""
    if has_app_context():
        days = current_app.config.get(f"VOP_RETENTION_{category.upper()}_DAYS")
        if days is not None:
            return timedelta(days=int(days))
    return RETENTION[category]


def prune(db: Database, moment: datetime) -> dict[str, int]:
    """Delete what is past keeping; return how many rows went, per table."""

    def before(category: str) -> str:
        return iso(moment - period(category))

    marks = ", ".join("?" for _ in FINISHED)
    return {
        "login_failures": db.execute(
            "delete from login_failures where at < ?", [before("login_failures")]
        ).rowcount,
        "user_sessions": db.execute(
            "delete from user_sessions where coalesce(ended_at, created_at) < ?",
            [before("user_sessions")],
        ).rowcount,
        "deliveries": db.execute(
            f"delete from deliveries where status in ({marks}) and created_at < ?",
            [*FINISHED, before("deliveries")],
        ).rowcount,
    }


def purge_due(db: Database, moment: datetime) -> bool:
    """Tell whether a day has passed since the last purge in the audit trail."""
    last = db.execute("select max(at) from audit_log where action = ?", [PURGE_ACTION])
    stored = last.fetchone()[0]
    return stored is None or stored <= iso(moment - PURGE_EVERY)


def purge(db: Database, moment: datetime, actor: str = "escalator") -> dict[str, int]:
    """Delete every incident, flag, alarm log and visit past retention; audit the counts."""
    with transaction(db):
        counts = {
            "incidents": _incidents(db, iso(moment - period("incidents"))),
            "flags": _flags(db, moment - period("flags")),
            **_alarm_logs(db, iso(moment - period("alarm_log"))),
            **_visits(db, iso(moment - period("visits"))),
        }
        for table in ("incidents", "alarms", "visits"):  # what the demo marks no longer exists
            db.execute(
                f"delete from demo_marks where table_name = '{table}' "
                f"and row_id not in (select id from {table})"
            )
        audit.record(PURGE_ACTION, object_type="retention", detail=counts, actor=actor, db=db)
    return counts


def _ids(db: Database, sql: str, params: list) -> list[int]:
    return [row[0] for row in db.execute(sql, params)]


def _each(db: Database, sql: str, ids: list[int]) -> int:
    """Run a statement with `{ids}` for chunks of ids (SQLite limits parameters); sum rows."""
    done = 0
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        done += db.execute(sql.format(ids=", ".join("?" for _ in part)), part).rowcount
    return done


def _delete(db: Database, table: str, column: str, ids: list[int]) -> int:
    """Delete the rows of a table whose column holds one of the ids."""
    return _each(db, f"delete from {table} where {column} in ({{ids}})", ids)


def _incidents(db: Database, before: str) -> int:
    """Delete incidents whose follow-up was closed before the cut-off, with the follow-up."""
    ids = _ids(db, "select incident_id from followups where closed_at < ?", [before])
    _delete(db, "aftercare_talks", "incident_id", ids)
    _delete(db, "followups", "incident_id", ids)
    # A flag still in force outlives its incident.
    _each(db, "update address_measures set incident_id = null where incident_id in ({ids})", ids)
    return _delete(db, "incidents", "id", ids)


def _flags(db: Database, before: datetime) -> int:
    """Delete the flags that expired or ended early before the cut-off (a local date)."""
    day = before.astimezone(LOCAL).date().isoformat()
    return db.execute(
        "delete from address_measures where coalesce(ended_on, substr(ends_on, 1, 10)) < ?",
        [day],
    ).rowcount


def _alarm_logs(db: Database, before: str) -> dict[str, int]:
    """Delete alarm-log rows and resolved alarms older than the cut-off (under a permit)."""
    db.execute(
        "insert into retention_permits (table_name, before) values ('alarm_log', ?)", [before]
    )
    try:
        log_rows = db.execute("delete from alarm_log where at < ?", [before]).rowcount
    finally:
        db.execute("delete from retention_permits where table_name = 'alarm_log'")
    ids = _ids(db, "select id from alarms where status = 'resolved' and resolved_at < ?", [before])
    _delete(db, "escalation_jobs", "alarm_id", ids)
    _delete(db, "deliveries", "alarm_id", ids)
    return {"alarms": _delete(db, "alarms", "id", ids), "alarm_log": log_rows}


# A visit that is finished and ended before the cut-off, with no incident linked to it.
_PAST_VISITS = (
    "select id from visits where status in ('ended', 'cancelled', 'planned') "
    "and coalesce(checked_out_at, due_at, planned_start) < ? "
    "and id not in (select visit_id from incidents where visit_id is not null)"
)
_HAS_LOG = (
    "(exists (select 1 from alarms a where a.visit_id = visits.id) "
    "or exists (select 1 from alarm_log l where l.visit_id = visits.id))"
)


def _visit_details(db: Database, ids: list[int]) -> None:
    """Delete what a visit had beside its row: companions, assessments, jobs, deliveries."""
    _each(
        db,
        "delete from measure_confirmations where assessment_id in "
        "(select id from risk_assessments where visit_id in ({ids}))",
        ids,
    )
    _each(db, "update visits set assessment_id = null where id in ({ids})", ids)
    for table in ("visit_approvals", "risk_assessments", "visit_companions", "deliveries"):
        _delete(db, table, "visit_id", ids)
    # An alarm's own jobs go with the alarm.
    _each(db, "delete from escalation_jobs where visit_id in ({ids}) and alarm_id is null", ids)


def _visits(db: Database, before: str) -> dict[str, int]:
    """Strip finished visits of their details; delete those the alarm log no longer needs."""
    bare = _ids(db, f"{_PAST_VISITS} and address_key != '' and {_HAS_LOG}", [before])
    _visit_details(db, bare)
    stripped = _each(
        db,
        "update visits set street = '', house_number = '', postcode = '', city = '', "
        "address_key = '', case_ref = null, note = null, last_lat = null, last_lon = null, "
        "last_location_at = null where id in ({ids})",
        bare,
    )
    gone = _ids(db, f"{_PAST_VISITS} and not {_HAS_LOG}", [before])
    _visit_details(db, gone)
    _delete(db, "escalation_jobs", "visit_id", gone)
    return {"visits_stripped": stripped, "visits": _delete(db, "visits", "id", gone)}
