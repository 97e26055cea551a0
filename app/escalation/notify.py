"""Turn one fired step into deliveries through its channels (push, e-mail, SMS, …)."""

import json

from flask import current_app
from sqlite_utils import Database

from ..clock import iso, now
from . import channels, store
from .alarms import HIDDEN_AT_SCENE, recipients
from .payloads import ALARM_KINDS, WORKER_NOTICES

_COLUMNS = (
    "visit_id",
    "alarm_id",
    "job_id",
    "user_id",
    "channel",
    "subscription_id",
    "host",
    "kind",
    "payload",
    "ttl",
    "urgency",
)
_DELIVERY_SQL = (
    f"insert into deliveries ({', '.join(_COLUMNS)}, status, attempts, next_attempt_at, "
    f"created_at) values ({', '.join('?' for _ in _COLUMNS)}, 'pending', 0, ?, ?)"
)


def queue(db: Database, rows: list[dict], moment: str) -> None:
    """Insert delivery rows, due at once."""
    values = [
        [
            *(
                json.dumps(row[c], ensure_ascii=False) if c == "payload" else row[c]
                for c in _COLUMNS
            ),
            moment,
            moment,
        ]
        for row in rows
    ]
    db.conn.executemany(_DELIVERY_SQL, values)


def notify(
    db: Database,
    visit: dict,
    kind: str,
    who: list[str],
    names: list[str],
    *,
    alarm: dict | None = None,
    job_id: int | None = None,
    step: int | None = None,
    repeat: int = 0,
    silent: bool = False,
    late_seconds: int = 0,
    about: dict | None = None,
) -> dict:
    """Queue the deliveries of one step on each of its channels and log it; return the log."""
    app = current_app._get_current_object()
    ids = recipients(db, visit, who, silent=silent)
    people = channels.people(db, ids + [visit["worker_id"]])
    moment = now()
    fired = channels.Step(
        app=app,
        visit=visit,
        worker=people[visit["worker_id"]],
        people=[people[i] for i in ids],
        kind=kind,
        alarm_id=alarm["id"] if alarm else None,
        job_id=job_id,
        step=step,
        repeat=repeat,
        moment=iso(moment),
        urgency="high" if kind in ALARM_KINDS or kind == "overdue" else "normal",
        about=about,
    )
    rows, sent = [], {}
    for name in names:
        channel = channels.all_channels().get(name)
        if channel is None:
            continue
        if not channel.available(app):
            if kind in ALARM_KINDS and not repeat:
                store.log_event(
                    db,
                    visit["id"],
                    "channel_unavailable",
                    alarm_id=fired.alarm_id,
                    detail={"channel": name},
                )
            continue
        made = channel.deliveries(fired)
        sent[name] = len(made)
        rows += made
    queue(db, rows, fired.moment)
    detail = {
        "kind": kind,
        "step": step,
        "repeat": repeat,
        "who": who,
        "recipients": len(ids),
        "sent": sent,
        "pushes": sent.get("push", 0),
        "emails": sent.get("email", 0),
    }
    missed = (
        [] if kind in WORKER_NOTICES else channels.unreachable(app, fired.people, names, moment)
    )
    if missed:
        detail["unreachable"] = missed
    if not rows and kind in ALARM_KINDS:
        detail["nobody"] = True  # only the board shows this step
    if late_seconds:
        detail["late_seconds"] = late_seconds
    store.log_event(db, visit["id"], "notified", alarm_id=fired.alarm_id, detail=detail)
    return detail


def tell_worker(
    db: Database, visit: dict, alarm: dict, kind: str, *, by: str | None = None, at=None
) -> None:
    """Push to the worker that the office was alerted or saw the alarm; never for duress."""
    if alarm["kind"] in HIDDEN_AT_SCENE:  # nothing on the phones at the scene
        return
    notify(db, visit, kind, ["worker"], ["push"], alarm=alarm, about={"by": by, "at": at})
