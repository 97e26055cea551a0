"""Server-side session records: every login gets one, so a session can be ended at once."""

import secrets
from datetime import timedelta

from flask import current_app
from sqlite_utils import Database

from .clock import iso, now, parse
from .db import one

# Writing last_seen on every request would make each page a write; once a minute is enough
# for an idle limit counted in hours.
_TOUCH_EVERY = timedelta(minutes=1)


def start(db: Database, user_id: int, origin: str | None) -> str:
    """Record a new session for a user; return its id."""
    session_id = secrets.token_urlsafe(32)
    moment = iso(now())
    db["user_sessions"].insert(
        {
            "id": session_id,
            "user_id": user_id,
            "created_at": moment,
            "last_seen_at": moment,
            "origin": origin,
        }
    )
    return session_id


def end(db: Database, session_id: str, reason: str) -> None:
    """Mark one session as ended."""
    db.execute(
        "update user_sessions set ended_at = ?, ended_reason = ? "
        "where id = ? and ended_at is null",
        [iso(now()), reason, session_id],
    )


def end_all(db: Database, user_id: int, reason: str) -> int:
    """End every open session of a user; return how many were open."""
    cursor = db.execute(
        "update user_sessions set ended_at = ?, ended_reason = ? "
        "where user_id = ? and ended_at is null",
        [iso(now()), reason, user_id],
    )
    return cursor.rowcount


def validate(db: Database, session_id: str, user_id: int) -> str | None:
    """Check a session is open and within its limits; return why not, or None when valid."""
    row = one(
        db,
        "select s.*, u.active as user_active from user_sessions s "
        "join users u on u.id = s.user_id where s.id = ? and s.user_id = ?",
        [session_id, user_id],
    )
    if row is None:
        return "unknown"
    if row["ended_at"]:
        return "ended"
    if not row["user_active"]:
        end(db, session_id, "deactivated")
        return "deactivated"
    moment = now()
    idle = timedelta(minutes=current_app.config["VOP_IDLE_MINUTES"])
    absolute = timedelta(hours=current_app.config["VOP_ABSOLUTE_HOURS"])
    if moment - parse(row["last_seen_at"]) > idle:
        end(db, session_id, "idle")
        return "idle"
    if moment - parse(row["created_at"]) > absolute:
        end(db, session_id, "absolute")
        return "absolute"
    if moment - parse(row["last_seen_at"]) > _TOUCH_EVERY:
        db.execute(
            "update user_sessions set last_seen_at = ? where id = ?", [iso(moment), session_id]
        )
    return None
