"""The coordinator's register: the team's incidents with their follow-up, filtered."""

from datetime import date, datetime

from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import parse
from ..incidents import taxonomy
from ..visits.planning import purpose_label
from . import checklist, period
from .checks import local_date

STATUSES = ("open", "closed")


def visit_kind(row: dict) -> str:
    """Return an incident's visit kind as a filter value ("1:kitchen_table"), or "none"."""
    if row.get("purpose") is None:
        return "none"
    return f"{row['voluntary']}:{row['purpose']}"


def visit_kind_label(row: dict) -> str:
    """Return an incident's visit kind in words."""
    if row.get("purpose") is None:
        return _("Geen bezoek")
    return purpose_label(row["voluntary"], row["purpose"])


def read_filters(args, today: date) -> tuple[dict, dict]:
    """Read the register's filters from the query string; return (filters, messages)."""
    start, end, errors = period.read(args, today)
    filters = {"van": start, "tot": end}
    for name, allowed in (
        ("form", taxonomy.FORMS),
        ("place", taxonomy.PLACE_KINDS),
        ("status", STATUSES),
    ):
        value = args.get(name, "")
        if value and value not in allowed:
            errors[name] = _("Kies een waarde uit de lijst.")
        filters[name] = value if value in allowed else ""
    filters["visit_kind"] = args.get("visit_kind", "")[:40]
    filters["overdue"] = args.get("overdue") == "1"
    return filters, errors


def team_incidents(db: Database, team_id: int, start: date, end: date) -> list[dict]:
    """Return the team's incidents in a period, oldest first, with their visit's kind."""
    first, after = period.bounds(start, end)
    return list(
        db.query(
            "select i.*, v.voluntary, v.purpose from incidents i "
            "left join visits v on v.id = i.visit_id "
            "where i.team_id = ? and i.occurred_at >= ? and i.occurred_at < ? "
            "order by i.occurred_at, i.id",
            [team_id, first, after],
        )
    )


def followups_of(db: Database, ids: list[int]) -> tuple[dict[int, dict], dict[int, int]]:
    """Return the follow-up rows and aftercare-talk counts of some incidents, by incident id."""
    rows, talks = {}, {}
    for chunk in range(0, len(ids), 500):
        part = ids[chunk : chunk + 500]
        marks = ", ".join("?" for _ in part)
        for row in db.query(f"select * from followups where incident_id in ({marks})", part):
            rows[row["incident_id"]] = row
        for row in db.query(
            "select incident_id, count(*) as n from aftercare_talks "
            f"where incident_id in ({marks}) group by incident_id",
            part,
        ):
            talks[row["incident_id"]] = row["n"]
    return rows, talks


def with_followup(db: Database, incidents: list[dict], moment: datetime) -> list[dict]:
    """Add each incident's follow-up row, checklist states and overdue items."""
    rows, talks = followups_of(db, [i["id"] for i in incidents])
    result = []
    for incident in incidents:
        row = rows.get(incident["id"], {})
        states = checklist.items(incident, row, talks.get(incident["id"], 0), moment)
        closed = bool(row.get("closed_at"))
        result.append(
            {
                **incident,
                "followup": row,
                "states": states,
                "closed": closed,
                "overdue": [] if closed else checklist.overdue(states),
            }
        )
    return result


def rows(db: Database, team_id: int, filters: dict, moment: datetime) -> list[dict]:
    """Return the register's rows for the filters, newest first."""
    found = []
    for row in with_followup(
        db, team_incidents(db, team_id, filters["van"], filters["tot"]), moment
    ):
        if filters["form"] and row["form"] != filters["form"]:
            continue
        if filters["place"] and row["place_kind"] != filters["place"]:
            continue
        if filters["visit_kind"] and visit_kind(row) != filters["visit_kind"]:
            continue
        if filters["status"] and ("closed" if row["closed"] else "open") != filters["status"]:
            continue
        if filters["overdue"] and not row["overdue"]:
            continue
        found.append(row)
    return found[::-1]


def overdue(db: Database, team_id: int, moment: datetime) -> dict:
    """Count the team's open follow-ups with an item past its deadline (all time).

    Return the count and the local date of the oldest, where the register's list starts.
    """
    incidents = list(
        db.query(
            "select i.* from incidents i left join followups f on f.incident_id = i.id "
            "where i.team_id = ? and f.closed_at is null",
            [team_id],
        )
    )
    late = [row for row in with_followup(db, incidents, moment) if row["overdue"]]
    oldest = min((row["occurred_at"] for row in late), default=None)
    return {"count": len(late), "since": local_date(parse(oldest)).isoformat() if oldest else None}
