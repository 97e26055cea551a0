"""The schema, as ordered sqlite-utils migrations. An applied migration is never edited."""

from sqlite_utils import Database, Migrations

migrations = Migrations("veilig-op-pad")


@migrations(name="0001_accounts")
def accounts(db: Database) -> None:
    """Teams, users and their server-side sessions."""
    db["teams"].create(
        {"id": int, "name": str, "active": int, "created_at": str},
        pk="id",
        not_null={"name", "active", "created_at"},
        defaults={"active": 1},
    )
    db["teams"].create_index(["name"], unique=True)
    db["users"].create(
        {
            "id": int,
            "username": str,
            "display_name": str,
            "password_hash": str,
            "role": str,
            "team_id": int,
            "phone": str,
            "language": str,
            "active": int,
            "created_at": str,
            "password_changed_at": str,
        },
        pk="id",
        not_null={"username", "display_name", "password_hash", "role", "active", "created_at"},
        defaults={"active": 1},
        foreign_keys=[("team_id", "teams", "id")],
    )
    db["users"].create_index(["username"], unique=True)
    db["user_sessions"].create(
        {
            "id": str,
            "user_id": int,
            "created_at": str,
            "last_seen_at": str,
            "ended_at": str,
            "ended_reason": str,
            "origin": str,
        },
        pk="id",
        not_null={"user_id", "created_at", "last_seen_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["user_sessions"].create_index(["user_id"])
    db["login_failures"].create(
        {"id": int, "username": str, "origin": str, "at": str},
        pk="id",
        not_null={"at"},
    )
    db["login_failures"].create_index(["username", "at"])
    db["login_failures"].create_index(["origin", "at"])


@migrations(name="0002_audit_log")
def audit_log(db: Database) -> None:
    """An append-only audit trail: triggers refuse every update and delete."""
    db["audit_log"].create(
        {
            "id": int,
            "at": str,
            "actor_id": int,
            "actor": str,
            "action": str,
            "object_type": str,
            "object_id": str,
            "result": str,
            "origin": str,
            "detail": str,
        },
        pk="id",
        not_null={"at", "action", "result"},
    )
    db["audit_log"].create_index(["at"])
    for verb in ("UPDATE", "DELETE"):
        db.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
        )
