"""Who may see a visit: the one check every visit, alarm and incident view goes through."""

from flask import abort
from sqlite_utils import Database

from ..db import one
from ..users import ADMIN, FIELD_WORKER


def can_see_visit(db: Database, visit: dict, user) -> bool:
    """Tell whether a user may see a visit.

    A field worker sees the visits they go on, planned, or accompany; office and coordinator
    see every visit of their own team. Another team's visit does not exist for anyone (404).
    """
    if user.role == ADMIN or visit["team_id"] != user.team_id:
        return False
    if user.role != FIELD_WORKER:
        return True
    return user.id == visit["created_by"] or is_on_visit(db, visit, user.id)


def is_on_visit(db: Database, visit: dict, user_id: int) -> bool:
    """Tell whether a user goes on a visit: its worker or a colleague going along."""
    if user_id == visit["worker_id"]:
        return True
    sql = "select 1 as going from visit_companions where visit_id = ? and user_id = ?"
    return one(db, sql, [visit["id"], user_id]) is not None


def get_visit(db: Database, visit_id: int) -> dict | None:
    """Return a visit row by id, or None (no access check: for code that already did it)."""
    return one(db, "select * from visits where id = ?", [visit_id])


def visit_or_404(db: Database, visit_id: int, user) -> dict:
    """Return the visit row if the user may see it; 404 otherwise (also for other teams)."""
    visit = get_visit(db, visit_id)
    if visit is None or not can_see_visit(db, visit, user):
        abort(404)
    return visit
