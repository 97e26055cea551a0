"""Throttling of failed logins per (account, address) and per address, never per account.

A lock on an account alone would be a weapon: anyone who knows the duty officer's user name
could keep them out during an alarm. So failures count per pair of account and client
address: after a few the pair slows down (a doubling wait, at most a minute), after more it
is refused for a while. One address that fails for many accounts waits too. The same account
from another address is not held back at all; guessing from many addresses meets the second
factor and the refusal of common passwords instead (README, "Failed logins").
"""

import math
from datetime import datetime, timedelta

from flask import current_app
from sqlite_utils import Database

from .clock import iso, now, parse

MAX_SLOW_DOWN = 60  # seconds: the longest wait of the slow-down phase


def record_failure(db: Database, username: str, origin: str | None) -> None:
    """Remember one failed login (a wrong password or a wrong second factor)."""
    db["login_failures"].insert({"username": username.lower(), "origin": origin, "at": iso(now())})


def clear_account(db: Database, username: str, origin: str | None) -> None:
    """Forget the failures of this account from this address after a successful login."""
    db.execute(
        "delete from login_failures where username = ? and origin is ?", [username.lower(), origin]
    )


def _recent(db: Database, where: str, params: list, since: str, limit: int) -> list[datetime]:
    rows = db.query(
        f"select at from login_failures where {where} and at >= ? order by at desc limit ?",
        [*params, since, limit],
    )
    return [parse(row["at"]) for row in rows]


def wait_seconds(db: Database, username: str, origin: str | None) -> int:
    """Return how long a login of this account from this address must wait, or 0."""
    cfg = current_app.config
    moment = now()
    since = iso(moment - timedelta(minutes=cfg["VOP_LOGIN_WINDOW_MINUTES"]))
    lock = timedelta(minutes=cfg["VOP_LOGIN_LOCK_MINUTES"])
    slow_after, refuse_after = cfg["VOP_LOGIN_SLOW_AFTER"], cfg["VOP_LOGIN_MAX_FAILURES_ACCOUNT"]
    pair = _recent(
        db, "username = ? and origin is ?", [username.lower(), origin], since, refuse_after
    )
    address = _recent(db, "origin is ?", [origin], since, cfg["VOP_LOGIN_MAX_FAILURES_ADDRESS"])
    until = [moment]
    if len(pair) >= refuse_after:
        until.append(pair[0] + lock)
    elif len(pair) >= slow_after:
        delay = min(MAX_SLOW_DOWN, 2 ** (len(pair) - slow_after))
        until.append(pair[0] + timedelta(seconds=delay))
    if len(address) >= cfg["VOP_LOGIN_MAX_FAILURES_ADDRESS"]:
        until.append(address[0] + lock)
    return max(0, math.ceil((max(until) - moment).total_seconds()))
