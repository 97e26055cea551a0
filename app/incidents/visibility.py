"""Who sees an incident report, and the lists each role gets.

The reporter and the coordinators of the reporter's team see a report; the office of that
team sees it only when it belongs to a visit that raised an alarm. The worker's
consequences (victim-health fields) are for the coordinator alone. Another team's report
does not exist for anyone (404).
"""

import json

from flask import abort
from sqlite_utils import Database

from ..db import one
from ..users import COORDINATOR, FIELD_WORKER, OFFICE
from . import taxonomy

# True for a report whose visit raised an alarm: the office handled it, so it may see it.
ALARM_VISIT = "exists (select 1 from alarms a where a.visit_id = incidents.visit_id)"


def can_report(user) -> bool:
    """Tell whether a user files reports: team members who meet citizens, not the admin."""
    return user.team_id is not None and user.role in (FIELD_WORKER, OFFICE, COORDINATOR)


def can_see(db: Database, incident: dict, user) -> bool:
    """Tell whether a user may see a report."""
    if incident["team_id"] != user.team_id or user.team_id is None:
        return False
    if incident["reporter_id"] == user.id or user.role == COORDINATOR:
        return True
    if user.role == OFFICE and incident["visit_id"] is not None:
        sql = f"select id from incidents where id = ? and {ALARM_VISIT}"
        return one(db, sql, [incident["id"]]) is not None
    return False


def sees_health(user) -> bool:
    """Tell whether a user may see the worker's consequences (victim-health fields)."""
    return user.role == COORDINATOR


def incident_or_404(db: Database, incident_id: int, user) -> dict:
    """Return a report the user may see; 404 otherwise (also for other teams)."""
    incident = one(db, "select * from incidents where id = ?", [incident_id])
    if incident is None or not can_see(db, incident, user):
        abort(404)
    return incident


def reports_for(db: Database, user, limit: int = 100) -> list[dict]:
    """Return the reports a user may see, newest first."""
    if user.team_id is None:
        return []
    where = "incidents.team_id = ? and incidents.reporter_id = ?"
    params = [user.team_id, user.id]
    if user.role == COORDINATOR:
        where, params = "incidents.team_id = ?", [user.team_id]
    elif user.role == OFFICE:
        where = f"incidents.team_id = ? and (incidents.reporter_id = ? or {ALARM_VISIT})"
    sql = (
        "select incidents.*, users.display_name as reporter_name from incidents "
        f"join users on users.id = incidents.reporter_id where {where} "
        "order by incidents.occurred_at desc, incidents.id desc limit ?"
    )
    return [for_display(row, user) for row in db.query(sql, [*params, limit])]


def for_display(row: dict, user) -> dict:
    """Return a report with its labels, leaving out what this user may not see."""
    shown = dict(row)
    codes = json.loads(row["behaviours"] or "[]")
    shown["behaviour_labels"] = [taxonomy.behaviour_label(code) for code in codes]
    shown["form_label"] = str(taxonomy.FORMS.get(row["form"], row["form"]))
    shown["place_label"] = str(taxonomy.PLACE_KINDS.get(row["place_kind"], ""))
    shown["perpetrator_label"] = str(taxonomy.PERPETRATOR_KINDS.get(row["perpetrator_kind"], ""))
    if sees_health(user):
        shown["consequences_label"] = str(taxonomy.CONSEQUENCES.get(row["consequences"], ""))
    else:
        shown.pop("consequences", None)
    return shown
