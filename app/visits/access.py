"""Who may see a visit: the one check every visit, alarm and incident view goes through."""

from flask import abort
from sqlite_utils import Database

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
    if user.id in (visit["worker_id"], visit["created_by"]):
        return True
    row = db.execute(
        "select 1 from visit_companions where visit_id = ? and user_id = ?", [visit["id"], user.id]
    ).fetchone()
    return row is not None


def get_visit(db: Database, visit_id: int) -> dict | None:
    """Return a visit row by id, or None (no access check: for code that already did it)."""
    return next(db.query("select * from visits where id = ?", [visit_id]), None)


def visit_or_404(db: Database, visit_id: int, user) -> dict:
    """Return the visit row if the user may see it; 404 otherwise (also for other teams)."""
    visit = get_visit(db, visit_id)
    if visit is None or not can_see_visit(db, visit, user):
        abort(404)
    return visit
