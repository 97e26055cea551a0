"""What the worker's phone says after ALARM: what really happened, in words a glance can take.

Only panic alarms are ever told here: a duress alarm never shows on the phone at the scene.
"""

import json

from sqlite_utils import Database

from ..db import one
from .payloads import WORKER_NOTICES


def latest(db: Database, user, visit_id: int | None) -> dict | None:
    """Return the newest panic alarm of a visit, or the worker's newest one without a visit."""
    if visit_id is not None:
        sql = "select * from alarms where visit_id = ? and kind = 'panic' order by id desc"
        return one(db, sql + " limit 1", [visit_id])
    sql = (
        "select * from alarms where visit_id is null and worker_id = ? and kind = 'panic' "
        "order by id desc limit 1"
    )
    return one(db, sql, [user.id])


def _press(db: Database, alarm: dict) -> dict | None:
    """Return the log line of the last press of ALARM that this alarm answers."""
    if alarm["visit_id"] is None:
        where, params = "alarm_id = ?", [alarm["id"]]
    else:  # the first press is logged just before its alarm exists
        where, params = "visit_id = ?", [alarm["visit_id"]]
    return one(
        db,
        f"select * from alarm_log where {where} and event = 'panic' order by id desc limit 1",
        params,
    )


def report(db: Database, alarm: dict | None) -> dict:
    """Return what reached whom: the server's receipt, people reached and seen, the location."""
    if alarm is None:
        return {"alarm": None}
    press = _press(db, alarm)
    detail = json.loads(press["detail"] or "{}") if press else {}
    rows = [  # the alarm's messages, not the notices to the worker about it
        row
        for row in db.query(
            "select user_id, channel, kind, status, receipt_at from deliveries where alarm_id = ?",
            [alarm["id"]],
        )
        if row["kind"] not in WORKER_NOTICES
    ]
    pushes = [r for r in rows if r["channel"] == "push"]
    fired = one(
        db,
        "select detail from alarm_log where alarm_id = ? and event = 'notified' "
        "order by id limit 1",
        [alarm["id"]],
    )
    notified = json.loads(fired["detail"] or "{}") if fired else None
    return {
        "alarm": alarm,
        "received_at": press["at"] if press else alarm["opened_at"],
        "sent_on": notified is not None,  # the escalator has handed it on
        "recipients": notified["recipients"] if notified else 0,
        "without_device": len(notified.get("unreachable", [])) if notified else 0,
        "reached": len({r["user_id"] for r in pushes if r["status"] == "sent"}),
        "seen": len({r["user_id"] for r in pushes if r["receipt_at"]}),
        "waiting": sum(r["status"] in ("pending", "sending") for r in rows),
        "email": any(r["channel"] == "email" and r["status"] == "sent" for r in rows),
        "location": bool(detail.get("location")),
    }
