"""The append-only audit trail of logins, logouts and administrative changes."""

import json

from flask import request
from flask_login import current_user
from sqlite_utils import Database

from .clock import iso, now
from .db import get_db


def origin() -> str | None:
    """Return the client address of the current request (after ProxyFix, if configured)."""
    try:
        return request.remote_addr
    except RuntimeError:
        return "cli"


def record(
    action: str,
    result: str = "ok",
    *,
    object_type: str | None = None,
    object_id: object = None,
    detail: dict | None = None,
    actor_id: int | None = None,
    actor: str | None = None,
    db: Database | None = None,
) -> None:
    """Append one line to the audit trail; the actor defaults to the signed-in user.

    A background job passes its own connection (`db`), so the line is written in its
    transaction instead of waiting for that transaction's lock on another connection.
    """
    if actor_id is None and actor is None and current_user and current_user.is_authenticated:
        actor_id, actor = current_user.id, current_user.username
    (db or get_db())["audit_log"].insert(
        {
            "at": iso(now()),
            "actor_id": actor_id,
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": None if object_id is None else str(object_id),
            "result": result,
            "origin": origin(),
            "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True) if detail else None,
        }
    )
