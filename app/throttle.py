"""Throttling of failed logins per account and per address."""

import math
from datetime import timedelta

from flask import current_app
from sqlite_utils import Database

from .clock import iso, now, parse


def record_failure(db: Database, username: str, origin: str | None) -> None:
    """Remember one failed login."""
    db["login_failures"].insert({"username": username.lower(), "origin": origin, "at": iso(now())})


def clear_account(db: Database, username: str) -> None:
    """Forget an account's failures after a successful login."""
    db.execute("delete from login_failures where username = ?", [username.lower()])


def wait_seconds(db: Database, username: str, origin: str | None) -> int:
    """Return how long this login must wait, or 0 when it may be tried now.

    An account is locked for a short while after too many failures inside the window, so a
    guesser is slowed right down while the real user is back in within minutes. An address
    gets a higher limit, for many accounts guessed from one place.
    """
    cfg = current_app.config
    moment = now()
    window_start = iso(moment - timedelta(minutes=cfg["VOP_LOGIN_WINDOW_MINUTES"]))
    lock = timedelta(minutes=cfg["VOP_LOGIN_LOCK_MINUTES"])
    waits = [0]
    for column, value, limit in (
        ("username", username.lower(), cfg["VOP_LOGIN_MAX_FAILURES_ACCOUNT"]),
        ("origin", origin, cfg["VOP_LOGIN_MAX_FAILURES_ADDRESS"]),
    ):
        rows = list(
            db.query(
                f"select at from login_failures where {column} = ? and at >= ? "
                "order by at desc limit ?",
                [value, window_start, limit],
            )
        )
        if len(rows) >= limit:
            unlock = parse(rows[0]["at"]) + lock
            waits.append(math.ceil((unlock - moment).total_seconds()))
    return max(0, *waits)
