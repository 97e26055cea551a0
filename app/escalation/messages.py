"""Push messages that are no alarm step: a test message, a request for approval, its answer.

Each device of each recipient gets a `deliveries` row; the escalator's senders send it as any
other (app/escalation/dispatch.py). The payload is made per recipient, in their language.
"""

import json
from collections.abc import Callable

from sqlite_utils import Database

from ..clock import iso, now

TTL_SECONDS = 3600


def queue_push(
    db: Database,
    user_ids: list[int],
    kind: str,
    payload_for: Callable[[dict], dict],
    *,
    visit_id: int | None = None,
    ttl: int = TTL_SECONDS,
) -> int:
    """Queue one push per device of each user; return how many devices it goes to."""
    if not user_ids:
        return 0
    marks = ", ".join("?" for _ in user_ids)
    rows = db.query(
        "select s.id, s.host, u.id as user_id, u.language, u.display_name from "
        f"push_subscriptions s join users u on u.id = s.user_id where u.id in ({marks}) "
        "order by s.id",
        list(user_ids),
    )
    moment = iso(now())
    count = 0
    for row in rows:
        recipient = {"id": row["user_id"], "language": row["language"]}
        db["deliveries"].insert(
            {
                "visit_id": visit_id,
                "user_id": row["user_id"],
                "channel": "push",
                "subscription_id": row["id"],
                "host": row["host"],
                "kind": kind,
                "payload": json.dumps(payload_for(recipient), ensure_ascii=False),
                "ttl": ttl,
                "urgency": "normal",
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": moment,
                "created_at": moment,
            }
        )
        count += 1
    return count
