"""What is known about an address or case before a visit: earlier incidents, active measures.

Only the kind and date of an incident leave this module: never its description, the people
involved or health details, and for another team's report nothing but kind and date.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..clock import LOCAL, now
from ..incidents.taxonomy import FORMS

MEASURE_KINDS = {
    "warning": _l("Waarschuwing"),
    "contact_ban": _l("Contactverbod"),
    "building_ban": _l("Pandverbod"),
}
MAX_ROWS = 20


def _match(visit: dict) -> tuple[str, list]:
    """Return the SQL condition and parameters for 'same address or same case reference'."""
    if visit.get("case_ref"):
        return "(address_key = ? or case_ref = ?)", [visit["address_key"], visit["case_ref"]]
    return "address_key = ?", [visit["address_key"]]


def incidents(db: Database, visit: dict) -> list[dict]:
    """Return earlier incidents for the address or case: kind, date and whether ours."""
    where, params = _match(visit)
    rows = db.execute(
        f"select team_id, form, occurred_at from incidents where {where} "
        "and (visit_id is null or visit_id != ?) order by occurred_at desc limit ?",
        [*params, visit["id"], MAX_ROWS],
    ).fetchall()
    return [
        {
            "form": str(FORMS.get(r["form"], r["form"])),
            "occurred_at": datetime.fromisoformat(r["occurred_at"]),
            "own_team": r["team_id"] == visit["team_id"],
        }
        for r in rows
    ]


def active_measures(db: Database, visit: dict) -> list[dict]:
    """Return the measures in force today for the address or case: kind and period.

    A warning flag ended early (`ended_on`) no longer stands; one past its end date neither.
    """
    today = now().astimezone(LOCAL).date().isoformat()
    where, params = _match(visit)
    rows = db.execute(
        f"select kind, starts_on, ends_on from address_measures where {where} "
        "and ended_on is null and substr(starts_on, 1, 10) <= ? "
        "and (ends_on is null or ends_on = '' or substr(ends_on, 1, 10) >= ?) "
        "order by starts_on desc limit ?",
        [*params, today, today, MAX_ROWS],
    ).fetchall()
    return [
        {
            "kind": str(MEASURE_KINDS.get(r["kind"], _l("Maatregel"))),
            "starts_on": r["starts_on"][:10],
            "ends_on": (r["ends_on"] or "")[:10] or None,
        }
        for r in rows
    ]


def known(db: Database, visit: dict) -> dict:
    """Return the address's history as shown before a visit."""
    return {"incidents": incidents(db, visit), "measures": active_measures(db, visit)}
