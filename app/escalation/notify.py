"""Turn one fired step into deliveries: a push per device of each recipient, an e-mail."""

import json

from flask import current_app
from sqlite_utils import Database

from ..clock import iso, now
from . import mailer, store
from .alarms import recipients
from .payloads import ALARM_KINDS, email_payload, push_payload

_DELIVERY_SQL = (
    "insert into deliveries (visit_id, alarm_id, job_id, user_id, channel, subscription_id, "
    "host, kind, payload, ttl, urgency, status, attempts, next_attempt_at, created_at) "
    "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)"
)


def _users(db: Database, ids: list[int]) -> dict[int, dict]:
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    rows = db.query(
        f"select id, display_name, language, phone from users where id in ({marks})", ids
    )
    return {row["id"]: row for row in rows}


def _subscriptions(db: Database, ids: list[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {i: [] for i in ids}
    if ids:
        marks = ", ".join("?" for _ in ids)
        for row in db.query(
            f"select * from push_subscriptions where user_id in ({marks}) order by id", ids
        ):
            found[row["user_id"]].append(row)
    return found


def notify(
    db: Database,
    visit: dict,
    kind: str,
    who: list[str],
    channels: list[str],
    *,
    alarm: dict | None = None,
    job_id: int | None = None,
    step: int | None = None,
    repeat: int = 0,
    silent: bool = False,
    late_seconds: int = 0,
) -> dict:
    """Queue the deliveries of one step and log it; return what was queued."""
    ids = recipients(db, visit, who, silent=silent)
    people = _users(db, ids + [visit["worker_id"]])
    worker = people[visit["worker_id"]]
    moment = iso(now())
    ttl = current_app.config["VOP_PUSH_TTL_SECONDS"]
    urgency = "high" if kind in ALARM_KINDS or kind == "overdue" else "normal"
    alarm_id = alarm["id"] if alarm else None
    rows, unreachable = [], []
    if "push" in channels:
        for user_id, subs in _subscriptions(db, ids).items():
            if not subs:
                unreachable.append(people[user_id]["display_name"])
            for sub in subs:
                payload = push_payload(
                    kind,
                    visit,
                    worker,
                    people[user_id],
                    alarm_id=alarm_id,
                    repeat=repeat,
                    session_id=sub["session_id"],
                )
                rows.append(
                    [
                        visit["id"],
                        alarm_id,
                        job_id,
                        user_id,
                        "push",
                        sub["id"],
                        sub["host"],
                        kind,
                        json.dumps(payload, ensure_ascii=False),
                        ttl,
                        urgency,
                        moment,
                        moment,
                    ]
                )
    emails = 0
    if "email" in channels and kind in ALARM_KINDS and not repeat:
        if mailer.configured(current_app):
            to = current_app.config["VOP_OFFICE_EMAIL"]
            payload = email_payload(kind, visit, worker, alarm_id, to, step=step)
            rows.append(
                [
                    visit["id"],
                    alarm_id,
                    job_id,
                    None,
                    "email",
                    None,
                    "smtp",
                    kind,
                    json.dumps(payload, ensure_ascii=False),
                    None,
                    urgency,
                    moment,
                    moment,
                ]
            )
            emails = 1
        else:
            store.log_event(db, visit["id"], "email_not_configured", alarm_id=alarm_id)
    db.conn.executemany(_DELIVERY_SQL, rows)
    detail = {
        "kind": kind,
        "step": step,
        "repeat": repeat,
        "who": who,
        "recipients": len(ids),
        "pushes": len(rows) - emails,
        "emails": emails,
    }
    if unreachable:
        detail["no_device"] = unreachable
    if late_seconds:
        detail["late_seconds"] = late_seconds
    store.log_event(db, visit["id"], "notified", alarm_id=alarm_id, detail=detail)
    return detail
