"""Shared queries of the escalation capability: the alarm log and the scheduled jobs."""

import json
from datetime import datetime

from sqlite_utils import Database

from ..clock import iso, now, parse
from ..db import one


def log_event(
    db: Database,
    visit_id: int | None,
    event: str,
    *,
    alarm_id: int | None = None,
    actor_id: int | None = None,
    client_at: datetime | None = None,
    detail: dict | None = None,
    at: datetime | None = None,
) -> None:
    """Append one line to the alarm log of a visit (the table refuses updates and deletes).

    Without a visit (a panic with none running) the line is found by its alarm's id.
    """
    db.execute(
        "insert into alarm_log (visit_id, alarm_id, at, client_at, event, actor_id, detail) "
        "values (?, ?, ?, ?, ?, ?, ?)",
        [
            visit_id,
            alarm_id,
            iso(at or now()),
            iso(client_at) if client_at else None,
            event,
            actor_id,
            json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        ],
    )


def visit_log(db: Database, visit_id: int | None, alarm_id: int | None = None) -> list[dict]:
    """Return the alarm log of a visit (or of an alarm without one), oldest first, with names."""
    where, params = ("l.visit_id = ?", [visit_id])
    if visit_id is None:  # a panic without a visit: its lines carry the alarm's id
        where, params = ("l.visit_id is null and l.alarm_id = ?", [alarm_id])
    rows = db.query(
        "select l.*, u.display_name as actor_name from alarm_log l "
        f"left join users u on u.id = l.actor_id where {where} order by l.id",
        params,
    )
    return [{**row, "detail": json.loads(row["detail"] or "{}")} for row in rows]


def add_job(
    db: Database,
    visit_id: int | None,
    key: str,
    kind: str,
    due: datetime,
    *,
    spec: dict | None = None,
    step: int | None = None,
    alarm_id: int | None = None,
) -> None:
    """Schedule one job; a key that exists already is left as it is (each step once)."""
    db.execute(
        "insert or ignore into escalation_jobs "
        "(visit_id, alarm_id, key, kind, step, spec, due_at, status, created_at) "
        "values (?, ?, ?, ?, ?, ?, ?, 'pending', ?)",
        [visit_id, alarm_id, key, kind, step, json.dumps(spec or {}), iso(due), iso(now())],
    )


def new_round(db: Database) -> int:
    """Return a number no earlier run of a ladder used, to keep job keys unique."""
    return db.execute("select coalesce(max(id), 0) + 1 from escalation_jobs").fetchone()[0]


def cancel_jobs(
    db: Database,
    visit_id: int | None,
    *,
    kinds: tuple[str, ...] | None = None,
    alarm_id: int | None = None,
) -> int:
    """Cancel pending jobs of a visit (of some kinds, or of one alarm); return how many."""
    # `is`: the jobs of an alarm without a visit have none (the index still serves it).
    sql = (
        "update escalation_jobs set status = 'cancelled' where visit_id is ? "
        "and status = 'pending'"
    )
    params: list = [visit_id]
    if kinds:
        sql += f" and kind in ({', '.join('?' for _ in kinds)})"
        params += list(kinds)
    if alarm_id is not None:
        sql += " and alarm_id = ?"
        params.append(alarm_id)
    return db.execute(sql, params).rowcount


def climbing_round(db: Database, alarm_id: int) -> str | None:
    """Return the key prefix of the ladder run that raised or last climbed an alarm."""
    row = one(
        db,
        "select key from escalation_jobs where alarm_id = ? and kind = 'step' "
        "order by id desc limit 1",
        [alarm_id],
    )
    return row["key"].split(":", 1)[0] if row else None


def cancel_round(db: Database, visit_id: int, prefix: str) -> int:
    """Cancel the pending steps of one run of a visit's ladder; a later deadline keeps its own."""
    return db.execute(
        "update escalation_jobs set status = 'cancelled' where visit_id = ? "
        "and status = 'pending' and kind = 'step' and key like ?",
        [visit_id, prefix + ":%"],
    ).rowcount


def open_alarm(db: Database, visit_id: int, kind: str) -> dict | None:
    """Return the visit's unresolved alarm of a kind, if there is one."""
    return one(
        db,
        "select * from alarms where visit_id = ? and kind = ? and status != 'resolved' "
        "order by id desc limit 1",
        [visit_id, kind],
    )


def seconds_between(earlier: str, later: datetime) -> int:
    """Return whole seconds from a stored moment to a later one."""
    return int((later - parse(earlier)).total_seconds())
