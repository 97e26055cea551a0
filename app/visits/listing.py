"""Lists of visits: the worker's Today screen and the team's planned visits."""

from datetime import datetime, time, timedelta

from sqlite_utils import Database

from ..clock import LOCAL, iso, now
from .approval import for_check_in

TODAY_LIMIT = 6  # the Today screen shows the next few; the rest are a tap away, in pages
LATER_LIMIT = 5
PAGE_SIZE = 20
MINE = "(v.worker_id = ? or v.id in (select visit_id from visit_companions where user_id = ?))"
TEAM_LIMIT = 200
SELECT = (
    "select v.*, w.display_name as worker_name from visits v join users w on w.id = v.worker_id "
)


def _end_of_today() -> str:
    """Return the coming local midnight as stored UTC."""
    today = now().astimezone(LOCAL).date()
    return iso(datetime.combine(today + timedelta(days=1), time(), tzinfo=LOCAL))


def _with_blockers(db: Database, rows) -> list[dict]:
    """Attach to each planned visit what still blocks its check-in (and any approval asked)."""
    return [for_check_in(db, dict(row)) for row in rows]


def worker_today(db: Database, user_id: int) -> dict:
    """Return the worker's running visits, the next few planned today, and the next after.

    `more_today` counts the planned visits of today the screen leaves out (see `worker_page`).
    """
    end = _end_of_today()
    running = db.execute(
        SELECT + f"where {MINE} and v.status = 'running' order by v.due_at",
        [user_id, user_id],
    ).fetchall()
    today = db.execute(
        SELECT + f"where {MINE} and v.status = 'planned' and v.planned_start < ? "
        "order by v.planned_start limit ?",
        [user_id, user_id, end, TODAY_LIMIT],
    ).fetchall()
    total = db.execute(
        f"select count(*) from visits v where {MINE} and v.status = 'planned' "
        "and v.planned_start < ?",
        [user_id, user_id, end],
    ).fetchone()[0]
    later = db.execute(
        SELECT + f"where {MINE} and v.status = 'planned' and v.planned_start >= ? "
        "order by v.planned_start limit ?",
        [user_id, user_id, end, LATER_LIMIT],
    ).fetchall()
    return {
        "current": _with_blockers(db, [*running, *today]),
        "more_today": total - len(today),
        "later": _with_blockers(db, later),
    }


def worker_page(db: Database, user_id: int, page: int) -> tuple[list[dict], bool]:
    """Return one page of the worker's running and planned visits, and whether more follow."""
    rows = db.execute(
        SELECT + f"where {MINE} and v.status in ('planned', 'running') "
        "order by v.status = 'running' desc, v.planned_start limit ? offset ?",
        [user_id, user_id, PAGE_SIZE + 1, (page - 1) * PAGE_SIZE],
    ).fetchall()
    return _with_blockers(db, rows[:PAGE_SIZE]), len(rows) > PAGE_SIZE


def team_planned(db: Database, team_id: int) -> list[dict]:
    """Return the team's running and planned visits, soonest first."""
    rows = db.execute(
        SELECT + "where v.team_id = ? and v.status in ('planned', 'running') "
        "order by v.status = 'running' desc, v.planned_start limit ?",
        [team_id, TEAM_LIMIT],
    ).fetchall()
    return _with_blockers(db, rows)
