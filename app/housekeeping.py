"""How long the app keeps what it stores, and the pruning the escalation worker runs hourly.

RETENTION is the one place a retention period is set; docs name these periods. What goes,
and why it may:
  login_failures  after a day: the throttle looks back minutes, not days
  user_sessions   30 days after they ended or expired: the audit trail keeps the logins
  deliveries      30 days after they finished: the alarm log keeps every attempt
"""

from datetime import datetime, timedelta

from sqlite_utils import Database

from .clock import iso

EVERY = timedelta(hours=1)
RETENTION: dict[str, timedelta] = {
    "login_failures": timedelta(days=1),
    "user_sessions": timedelta(days=30),
    "deliveries": timedelta(days=30),
}
FINISHED = ("sent", "gone", "failed", "expired", "cancelled")


def prune(db: Database, moment: datetime) -> dict[str, int]:
    """Delete what is past keeping; return how many rows went, per table."""

    def before(category: str) -> str:
        return iso(moment - RETENTION[category])

    marks = ", ".join("?" for _ in FINISHED)
    return {
        "login_failures": db.execute(
            "delete from login_failures where at < ?", [before("login_failures")]
        ).rowcount,
        "user_sessions": db.execute(
            "delete from user_sessions where coalesce(ended_at, created_at) < ?",
            [before("user_sessions")],
        ).rowcount,
        "deliveries": db.execute(
            f"delete from deliveries where status in ({marks}) and created_at < ?",
            [*FINISHED, before("deliveries")],
        ).rowcount,
    }
