"""Monthly alarm statistics in the form of the lone-worker standard's monthly tables.

Per month of raising (Dutch local time): alarms by kind; time to acknowledge (p50 and p90 by
nearest rank over the acknowledged alarms, and the share of all alarms acknowledged within
10 s and 40 s); missed check-outs (visits whose due time passed without a check-out: the
ladder's overdue notice fired or an overdue alarm was raised); real, false and test alarms;
and the alarms that reached nobody but the board (no push or e-mail of theirs was accepted,
read from the alarm log, which outlives the deliveries table).
"""

import json
import math
from datetime import date

from sqlite_utils import Database

from ..clock import LOCAL, parse
from ..escalation.alarms import KINDS as ALARM_KIND_LABELS
from ..escalation.alarms import OUTCOME_CLASS
from . import period

KINDS = tuple(ALARM_KIND_LABELS)  # every kind the escalation raises
CLASSES = ("real", "false", "test")
ACK_WITHIN = (10, 40)


def alarm_class(outcome: str | None) -> str | None:
    """Return whether an alarm was real, false or a test, from its outcome (None: unresolved).

    The office console decides how each outcome classifies (escalation.alarms.OUTCOME_CLASS).
    """
    return OUTCOME_CLASS.get(outcome) if outcome else None


def percentile(values: list[float], p: int) -> float | None:
    """Return the p-th percentile by nearest rank, or None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _month(stored: str) -> tuple[int, int]:
    moment = parse(stored).astimezone(LOCAL)
    return moment.year, moment.month


def team_alarms(db: Database, team_id: int, start: date, end: date) -> list[dict]:
    """Return the team's alarms raised in a period, with seconds to acknowledge and reach."""
    first, after = period.bounds(start, end)
    rows = list(
        db.query(
            "select a.*, v.voluntary, v.purpose from alarms a "
            "left join visits v on v.id = a.visit_id "
            "where a.team_id = ? and a.opened_at >= ? and a.opened_at < ? "
            "order by a.opened_at, a.id",
            [team_id, first, after],
        )
    )
    reached = _reached(db, [row["id"] for row in rows])
    for row in rows:
        ack = row["acknowledged_at"]
        row["ack_seconds"] = (
            (parse(ack) - parse(row["opened_at"])).total_seconds() if ack else None
        )
        row["reached_someone"] = row["id"] in reached
        row["class"] = alarm_class(row["outcome"])
    return rows


def _reached(db: Database, ids: list[int]) -> set[int]:
    """Return the alarms with at least one push or e-mail accepted (from the alarm log)."""
    found: set[int] = set()
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        marks = ", ".join("?" for _ in part)
        for row in db.execute(
            f"select alarm_id, detail from alarm_log where event = 'delivery' "
            f"and alarm_id in ({marks})",
            part,
        ):
            if json.loads(row[1] or "{}").get("outcome") == "accepted":
                found.add(row[0])
    return found


def missed_checkouts(db: Database, team_id: int, start: date, end: date) -> dict:
    """Count per month the visits whose due time passed without a check-out."""
    first, after = period.bounds(start, end)
    rows = db.execute(
        "select l.visit_id, min(l.at) from alarm_log l join visits v on v.id = l.visit_id "
        "where v.team_id = ? and l.at >= ? and l.at < ? and ("
        "(l.event = 'notified' and json_extract(l.detail, '$.kind') = 'overdue') or "
        "(l.event = 'alarm_raised' and json_extract(l.detail, '$.kind') = 'overdue')) "
        "group by l.visit_id",
        [team_id, first, after],
    )
    counts: dict[tuple[int, int], int] = {}
    for _visit, at in rows:
        counts[_month(at)] = counts.get(_month(at), 0) + 1
    return counts


def summarise(alarms: list[dict], missed: int) -> dict:
    """Return one table row of figures for some alarms."""
    seconds = [a["ack_seconds"] for a in alarms if a["ack_seconds"] is not None]
    total = len(alarms)
    row = {
        "total": total,
        "kinds": {kind: sum(1 for a in alarms if a["kind"] == kind) for kind in KINDS},
        "p50": percentile(seconds, 50),
        "p90": percentile(seconds, 90),
        "missed": missed,
        "classes": {c: sum(1 for a in alarms if a["class"] == c) for c in CLASSES},
        "unresolved": sum(1 for a in alarms if a["class"] is None),
        "board_only": sum(1 for a in alarms if not a["reached_someone"]),
    }
    for limit in ACK_WITHIN:
        within = sum(1 for s in seconds if s <= limit)
        row[f"within_{limit}"] = round(100 * within / total) if total else None
    return row


def monthly(db: Database, team_id: int, start: date, end: date) -> dict:
    """Return the monthly table for a period, and its totals row."""
    alarms = team_alarms(db, team_id, start, end)
    missed = missed_checkouts(db, team_id, start, end)
    months = []
    for month in period.months(start, end):
        mine = [a for a in alarms if _month(a["opened_at"]) == month]
        months.append({"month": month, **summarise(mine, missed.get(month, 0))})
    return {"months": months, "total": summarise(alarms, sum(missed.values())), "alarms": alarms}
