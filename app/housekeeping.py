"""Pruning what would otherwise only grow, run by the escalation worker once an hour.

What goes, and why it may:
  login_failures  older than a day: the throttle looks back minutes, not days
  user_sessions   ended or expired more than 30 days ago: the audit trail keeps the logins
  deliveries      finished more than 30 days ago: the alarm log keeps every attempt
"""

from datetime import datetime, timedelta

from sqlite_utils import Database

from . import throttle
from .clock import iso

EVERY = timedelta(hours=1)
SESSIONS_KEPT = timedelta(days=30)
DELIVERIES_KEPT = timedelta(days=30)
FINISHED = ("sent", "gone", "failed", "expired", "cancelled")


def prune(db: Database, moment: datetime) -> dict[str, int]:
    """Delete what is past keeping; return how many rows went, per table."""
    marks = ", ".join("?" for _ in FINISHED)
    return {
        "login_failures": throttle.prune(db, moment),
        "user_sessions": db.execute(
            "delete from user_sessions where coalesce(ended_at, created_at) < ?",
            [iso(moment - SESSIONS_KEPT)],
        ).rowcount,
        "deliveries": db.execute(
            f"delete from deliveries where status in ({marks}) and created_at < ?",
            [*FINISHED, iso(moment - DELIVERIES_KEPT)],
        ).rowcount,
    }
