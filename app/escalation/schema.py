"""Tables of the escalation capability (migration 0005_escalation) and later changes to them."""

from sqlite_utils import Database


def _append_only(db: Database, table: str) -> None:
    """Refuse every update and delete of a table, so its history cannot be rewritten."""
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
        )


def create_escalation_tables(db: Database) -> None:
    """Policies, scheduled jobs, alarms and their log, deliveries, subscriptions, the lease."""
    db["escalation_policies"].create(
        {"team_id": int, "policy": str, "updated_at": str, "updated_by": int},
        pk="team_id",
        not_null={"policy", "updated_at"},
        foreign_keys=[("team_id", "teams", "id")],
    )
    # Every deadline of a running visit is a row here, so a restart or another process
    # finds it; `key` makes each (visit, step) unique, so a step can fire only once.
    db["escalation_jobs"].create(
        {
            "id": int,
            "visit_id": int,
            "alarm_id": int,
            "key": str,
            "kind": str,  # reminder | step | alarm_all | renotify | ack_timeout
            "step": int,
            "spec": str,  # JSON: who, channels, alarm kind: a snapshot of the policy
            "due_at": str,
            "status": str,  # pending | done | cancelled
            "created_at": str,
            "fired_at": str,
            "fired_by": str,
            "late_seconds": int,
        },
        pk="id",
        not_null={"visit_id", "key", "kind", "due_at", "status", "created_at"},
        foreign_keys=[("visit_id", "visits", "id")],
    )
    db["escalation_jobs"].create_index(["visit_id", "key"], unique=True)
    db["escalation_jobs"].create_index(["visit_id", "status"])
    db["escalation_jobs"].create_index(["alarm_id"])
    # A tick reads only what is due: its cost follows the due jobs, not the running visits.
    db.execute(
        "CREATE INDEX idx_escalation_jobs_pending_due ON escalation_jobs (due_at) "
        "WHERE status = 'pending'"
    )
    db["alarms"].create(
        {
            "id": int,
            "visit_id": int,
            "team_id": int,
            "kind": str,  # overdue | panic | duress
            "status": str,  # open | acknowledged | resolved
            "level": int,
            "opened_at": str,
            "acknowledged_by": int,
            "acknowledged_at": str,
            "resolved_by": int,
            "resolved_at": str,
            "outcome": str,  # worker_safe | false_alarm | help_sent | police_called
            "note": str,
            "reopened": int,
            "reached": str,  # JSON list of the policy's "who" reached so far (for repeats)
            "policy": str,  # JSON: renotify, repeat_limit, ack_timeout when it was raised
        },
        pk="id",
        not_null={"visit_id", "team_id", "kind", "status", "opened_at"},
        defaults={"reopened": 0, "level": 0},
        foreign_keys=[
            ("visit_id", "visits", "id"),
            ("team_id", "teams", "id"),
            ("acknowledged_by", "users", "id"),
            ("resolved_by", "users", "id"),
        ],
    )
    db["alarms"].create_index(["team_id", "status"])
    db["alarms"].create_index(["visit_id"])
    db["alarm_log"].create(
        {
            "id": int,
            "visit_id": int,
            "alarm_id": int,
            "at": str,  # server time of the event
            "client_at": str,  # the phone's time of the action, when it came from a phone
            "event": str,
            "actor_id": int,
            "detail": str,
        },
        pk="id",
        not_null={"visit_id", "at", "event"},
    )
    db["alarm_log"].create_index(["visit_id", "id"])
    db["alarm_log"].create_index(["alarm_id", "id"])
    _append_only(db, "alarm_log")
    _delivery_tables(db)


def _delivery_tables(db: Database) -> None:
    """Push subscriptions, deliveries (the outbox of the escalator), PINs and the lease."""
    db["push_subscriptions"].create(
        {
            "id": int,
            "user_id": int,
            "endpoint": str,
            "p256dh": str,
            "auth": str,
            "host": str,
            "user_agent": str,
            "created_at": str,
            "last_accepted_at": str,
            "last_receipt_at": str,
            "last_error": str,
        },
        pk="id",
        not_null={"user_id", "endpoint", "p256dh", "auth", "host", "created_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["push_subscriptions"].create_index(["endpoint"], unique=True)
    db["push_subscriptions"].create_index(["user_id"])
    db["deliveries"].create(
        {
            "id": int,
            "visit_id": int,
            "alarm_id": int,
            "job_id": int,
            "user_id": int,
            "channel": str,  # push | email
            "subscription_id": int,
            "host": str,  # push service host or "smtp": a slow host must not hold up others
            "kind": str,  # reminder | overdue | alarm | panic | duress | test
            "payload": str,
            "ttl": int,
            "urgency": str,
            "status": str,  # pending | sending | sent | gone | failed | expired | cancelled
            "attempts": int,
            "next_attempt_at": str,
            "claimed_by": str,
            "created_at": str,
            "sent_at": str,
            "last_status": int,
            "last_error": str,
            "receipt_at": str,
        },
        pk="id",
        not_null={"channel", "host", "kind", "payload", "status", "next_attempt_at"},
        defaults={"attempts": 0},
    )
    db["deliveries"].create_index(["alarm_id"])
    db["deliveries"].create_index(["visit_id"])
    db.execute(
        "CREATE INDEX idx_deliveries_due ON deliveries (next_attempt_at) "
        "WHERE status IN ('pending', 'sending')"
    )
    db["duress_pins"].create(
        {"user_id": int, "pin_hash": str, "updated_at": str},
        pk="user_id",
        not_null={"pin_hash", "updated_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["escalator_lease"].create(
        {"name": str, "holder": str, "expires_at": str, "last_tick_at": str},
        pk="name",
    )


def allow_alarms_without_visit(db: Database) -> None:
    """Let an alarm, its jobs and its log exist without a visit (migration 0020).

    A worker may hold ALARM while no visit runs. The alarm then names its worker and keeps
    the location the phone sent; its jobs and log lines are found by the alarm's id.
    """
    db["alarms"].transform(not_null={"visit_id": False})
    db["alarms"].add_column("worker_id", int, fk="users", fk_col="id")
    for column in ("last_lat", "last_lon"):
        db["alarms"].add_column(column, float)
    db["alarms"].add_column("last_location_at", str)
    db.execute(
        "update alarms set worker_id = (select worker_id from visits where visits.id = "
        "alarms.visit_id) where worker_id is null"
    )
    db["alarms"].create_index(["worker_id", "status"])
    db["escalation_jobs"].transform(not_null={"visit_id": False})
    # Jobs of a visit are unique by (visit, key); without a visit the key alone is unique.
    db.execute(
        "CREATE UNIQUE INDEX idx_escalation_jobs_key_without_visit ON escalation_jobs (key) "
        "WHERE visit_id IS NULL"
    )
    # A transform makes the table anew, without its triggers: the log keeps the triggers it
    # had (append-only, or the retention purge's exception to it where that came first).
    triggers = [
        sql
        for (sql,) in db.execute(
            "select sql from sqlite_master where type = 'trigger' and tbl_name = 'alarm_log' "
            "and name not like 'vocabulary_%'"
        )
    ]
    db["alarm_log"].transform(not_null={"visit_id": False})
    for sql in triggers:
        db.execute(sql)


def add_checkout_pins(db: Database) -> None:
    """Keep the worker's own check-out PIN beside the duress PIN (migration 0021)."""
    db["duress_pins"].add_column("checkout_hash", str)
