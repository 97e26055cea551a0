"""The words the escalation pipeline, the visits and the follow-up store in their state columns.

The database refuses any other value (triggers made from this table by `install`, which
`db.migrate` runs after the migrations), so a mistyped status fails loudly at once instead
of leaving a job that never fires. docs/architecture.md explains each word; a test keeps the
two in line. A new word is added here and explained there.
"""

from sqlite_utils import Database

from .db import transaction

VOCABULARY: dict[tuple[str, str], tuple[str, ...]] = {
    ("visits", "status"): ("planned", "running", "ended", "cancelled"),
    ("escalation_jobs", "kind"): (
        "reminder",
        "step",
        "alarm_all",
        "renotify",
        "ack_timeout",
        "halfway",
    ),
    ("escalation_jobs", "status"): ("pending", "done", "cancelled"),
    ("alarms", "kind"): ("overdue", "panic", "duress", "missed_check", "wrong_pin"),
    ("alarms", "status"): ("open", "acknowledged", "resolved"),
    # escalation/alarms.py OUTCOME_CLASS says which are real, false and test alarms.
    ("alarms", "outcome"): (
        "help_sent",
        "police_called",
        "real_safe",
        "worker_safe",
        "false_alarm",
        "test_alarm",
    ),
    ("deliveries", "channel"): ("push", "email", "sms"),
    ("deliveries", "kind"): (
        "reminder",
        "overdue",
        "alarm",
        "panic",
        "duress",
        "test",
        "office_alerted",
        "alarm_seen",
        "missed_check",
        "wrong_pin",
        "halfway",
        "approval_request",
        "approval_decision",
    ),
    ("deliveries", "status"): (
        "pending",
        "sending",
        "sent",
        "gone",
        "failed",
        "expired",
        "cancelled",
    ),
    ("followups", "response_kind"): (
        "incident_talk",
        "written_warning",
        "building_ban",
        "contact_ban",
        "service_stopped",
        "none",
    ),
    ("followups", "police_status"): ("wanted", "filed", "not_filed"),
    ("followups", "police_filed_by"): ("worker", "employer"),
    ("followups", "damage_status"): ("open", "claimed", "partly_paid", "paid", "not_recoverable"),
    ("aftercare_talks", "referral"): ("none", "company_doctor", "victim_support", "other"),
    ("address_measures", "kind"): ("warning", "contact_ban", "building_ban"),
    ("address_measures", "notice_method"): (
        "letter",
        "registered_letter",
        "in_person",
        "email",
        "phone",
    ),
    ("approval_requests", "status"): ("pending", "given", "refused", "withdrawn"),
}
PREFIX = "vocabulary_"


def _trigger(table: str, column: str, event: str, words: tuple[str, ...]) -> str:
    listed = ", ".join(f"'{word}'" for word in words)
    name = f"{PREFIX}{table}_{column}_{event.split()[0].lower()}"
    return (
        f"CREATE TRIGGER {name} BEFORE {event} ON {table} "
        f"WHEN NEW.{column} IS NOT NULL AND NEW.{column} NOT IN ({listed}) "
        f"BEGIN SELECT RAISE(ABORT, '{table}.{column}: unknown value'); END"
    )


def install(db: Database) -> None:
    """Make the database refuse any value outside the vocabulary (replacing older triggers)."""
    existing = db.execute(
        "select name from sqlite_master where type = 'trigger' and name like ?", [PREFIX + "%"]
    ).fetchall()
    with transaction(db):
        for (name,) in existing:
            db.execute(f"DROP TRIGGER {name}")
        for (table, column), words in VOCABULARY.items():
            db.execute(_trigger(table, column, "INSERT", words))
            db.execute(_trigger(table, column, f"UPDATE OF {column}", words))


def installed(db: Database) -> dict[tuple[str, str], set[str]]:
    """Return the vocabulary as the database enforces it (for the documentation test)."""
    found: dict[tuple[str, str], set[str]] = {}
    for (sql,) in db.execute(
        "select sql from sqlite_master where type = 'trigger' and name like ?", [PREFIX + "%"]
    ):
        table = sql.split(" ON ", 1)[1].split()[0]
        column = sql.split("WHEN NEW.", 1)[1].split()[0]
        words = sql.split("NOT IN (", 1)[1].split(")", 1)[0]
        found.setdefault((table, column), set()).update(w.strip(" '") for w in words.split(","))
    return found
