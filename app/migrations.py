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


@migrations(name="0003_visits_incidents")
def visits_incidents(db: Database) -> None:
    """Visits to a home or business, who goes along, incident reports and measures."""
    db["visits"].create(
        {
            "id": int,
            "team_id": int,
            "worker_id": int,
            "created_by": int,
            "created_at": str,
            "street": str,
            "house_number": str,
            "postcode": str,
            "city": str,
            # Postcode and house number normalised ("1234AB|12A"): the key that finds the
            # history of an address.
            "address_key": str,
            "case_ref": str,
            "location_type": str,  # home | business
            "voluntary": int,
            "purpose": str,
            "planned_start": str,
            "expected_minutes": int,
            "note": str,
            "status": str,  # planned | running | ended | cancelled
            "checked_in_at": str,
            "due_at": str,
            "checked_out_at": str,
            "ended_reason": str,
            "last_lat": float,
            "last_lon": float,
            "last_location_at": str,
            "risk_level": str,
        },
        pk="id",
        not_null={
            "team_id",
            "worker_id",
            "created_by",
            "created_at",
            "street",
            "house_number",
            "postcode",
            "city",
            "address_key",
            "location_type",
            "voluntary",
            "purpose",
            "planned_start",
            "expected_minutes",
            "status",
        },
        defaults={"status": "planned"},
        foreign_keys=[
            ("team_id", "teams", "id"),
            ("worker_id", "users", "id"),
            ("created_by", "users", "id"),
        ],
    )
    db["visits"].create_index(["team_id", "planned_start"])
    db["visits"].create_index(["worker_id", "status"])
    db["visits"].create_index(["address_key"])
    db["visits"].create_index(["case_ref"])
    db["visit_companions"].create(
        {"id": int, "visit_id": int, "user_id": int, "external_name": str, "external_kind": str},
        pk="id",
        not_null={"visit_id"},
        foreign_keys=[("visit_id", "visits", "id"), ("user_id", "users", "id")],
    )
    db["visit_companions"].create_index(["visit_id"])
    db["visit_companions"].create_index(["user_id"])
    _incidents(db)


def _incidents(db: Database) -> None:
    """Incident reports after the municipal register's taxonomy, and measures per address."""
    db["incidents"].create(
        {
            "id": int,
            "client_id": str,  # UUID made on the phone: the idempotency key of the sync
            "body_hash": str,  # hash of the first body received under client_id
            "team_id": int,
            "reporter_id": int,
            "visit_id": int,
            "occurred_at": str,
            "place_kind": str,  # home_visit | business_visit | counter | phone | mail | ...
            "street": str,
            "house_number": str,
            "postcode": str,
            "city": str,
            "address_key": str,
            "case_ref": str,
            "perpetrator_kind": str,  # case_ref | unknown | description
            "perpetrator_description": str,
            "form": str,  # verbal | threat | physical (the register's three forms)
            "behaviours": str,  # JSON list of behaviour codes
            "description": str,
            "consequences": str,  # none | emotional | injury | sick_leave
            "property_damage": int,
            "police_involved": int,
            "wants_aangifte": int,
            "wants_aftercare": int,
            "colleagues_present": str,
            "client_created_at": str,
            "received_at": str,
        },
        pk="id",
        not_null={"client_id", "team_id", "reporter_id", "occurred_at", "form", "received_at"},
        foreign_keys=[
            ("team_id", "teams", "id"),
            ("reporter_id", "users", "id"),
            ("visit_id", "visits", "id"),
        ],
    )
    db["incidents"].create_index(["client_id"], unique=True)
    db["incidents"].create_index(["team_id", "occurred_at"])
    db["incidents"].create_index(["address_key"])
    db["incidents"].create_index(["case_ref"])
    db["address_measures"].create(
        {
            "id": int,
            "team_id": int,
            "address_key": str,
            "case_ref": str,
            "kind": str,  # warning | contact_ban (contactverbod) | building_ban (pandverbod) | ...
            "starts_on": str,
            "ends_on": str,
            "incident_id": int,
            "created_by": int,
            "created_at": str,
        },
        pk="id",
        not_null={"team_id", "kind", "starts_on", "created_by", "created_at"},
        foreign_keys=[
            ("team_id", "teams", "id"),
            ("incident_id", "incidents", "id"),
            ("created_by", "users", "id"),
        ],
    )
    db["address_measures"].create_index(["address_key"])
    db["address_measures"].create_index(["case_ref"])


@migrations(name="0004_risk_protocol")
def risk_protocol(db: Database) -> None:
    """Team protocols (versioned), assessments, measure confirmations, approvals, conditions."""
    from .visits.schema import create_risk_tables

    create_risk_tables(db)


@migrations(name="0005_escalation")
def escalation(db: Database) -> None:
    """Escalation policies, timers, alarms and their log, push deliveries and the lease."""
    from .escalation.schema import create_escalation_tables

    create_escalation_tables(db)


@migrations(name="0006_incidents_sync")
def incidents_sync(db: Database) -> None:
    """Remember every outbox item applied, by the phone's id: the sync's idempotency record."""
    db["sync_receipts"].create(
        {
            "client_id": str,  # the UUID the phone made for the item
            "user_id": int,
            "kind": str,  # incident | check_in | check_out | extend | im_ok | panic
            "body_hash": str,  # hash of the first body received under client_id
            "outcome": str,  # stored | refused
            "result": str,  # JSON: the first answer, given again for a repeat
            "client_created_at": str,  # the phone's time, as sent
            "received_at": str,  # the server's time of receipt
        },
        pk="client_id",
        not_null={"user_id", "kind", "body_hash", "outcome", "result", "received_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["sync_receipts"].create_index(["user_id", "received_at"])


@migrations(name="0007_one_address_key")
def one_address_key(db: Database) -> None:
    """Make every stored address key again under the one rule of app/addresses.py.

    Visits used to drop hyphens from the house number ("12A") and incidents kept them
    ("12-A"), so an incident never showed in the next visit's history.
    """
    from .addresses import rekey

    db.conn.create_function("vop_rekey", 1, rekey, deterministic=True)
    for table in ("visits", "incidents", "address_measures"):
        db.execute(
            f"update {table} set address_key = vop_rekey(address_key) "
            "where address_key is not null and address_key != vop_rekey(address_key)"
        )


@migrations(name="0010_location_accuracy")
def location_accuracy(db: Database) -> None:
    """Keep how accurate the worker's last location is (metres), for the office's map link."""
    db["visits"].add_column("last_accuracy", float)


@migrations(name="0020_alarms_without_visit")
def alarms_without_visit(db: Database) -> None:
    """Let a panic raise an alarm while no visit runs: alarms, jobs and log without a visit."""
    from .escalation.schema import allow_alarms_without_visit

    allow_alarms_without_visit(db)


@migrations(name="0021_checkout_pin")
def checkout_pin(db: Database) -> None:
    """A personal check-out PIN beside the duress PIN."""
    from .escalation.schema import add_checkout_pins

    add_checkout_pins(db)


@migrations(name="0022_halfway_check")
def halfway_check(db: Database) -> None:
    """The halfway check of a visit: when it is due, when it was answered."""
    from .visits.schema import add_halfway_check

    add_halfway_check(db)


@migrations(name="0023_approval_requests")
def approval_requests(db: Database) -> None:
    """Requests for a coordinator's approval of a check-in, and their decisions."""
    from .visits.schema import create_approval_requests

    create_approval_requests(db)


@migrations(name="0030_security")
def security(db: Database) -> None:
    """Two-factor login, recovery codes, devices tied to the session that registered them.

    The demo team seeded by `make run` is marked as such: the second factor is not enforced
    there, so its documented logins keep working (README, "Two-factor login").
    """
    db["users"].add_column("totp_secret", str)
    db["users"].add_column("totp_enabled_at", str)
    db["users"].add_column("totp_last_step", int)
    db["teams"].add_column("demo", int, not_null_default=0)
    db["teams"].add_column("two_factor_workers", int, not_null_default=0)
    db.execute(
        "update teams set demo = 1 where name = 'Wijkteam Demo' and exists "
        "(select 1 from users where username = 'demo-beheer' and team_id = teams.id)"
    )
    db["recovery_codes"].create(
        {"id": int, "user_id": int, "code_hash": str, "created_at": str, "used_at": str},
        pk="id",
        not_null={"user_id", "code_hash", "created_at"},
        foreign_keys=[("user_id", "users", "id")],
    )
    db["recovery_codes"].create_index(["user_id"])
    db["push_subscriptions"].add_column("session_id", str)
    db["login_failures"].create_index(["username", "origin", "at"])


@migrations(name="0040_followup")
def followup(db: Database) -> None:
    """The follow-up of an incident along the eight measures, and its aftercare talks."""
    db["followups"].create(
        {
            "incident_id": int,
            "team_id": int,
            "owner_id": int,  # a coordinator of the team who sees it through
            # Measure 5: the response to the perpetrator within 48 hours.
            "response_kind": str,  # incident_talk | written_warning | building_ban | ...
            "response_at": str,  # when the response was given (UTC)
            "response_note": str,  # why, when the response is "none"
            "response_by": int,
            "response_recorded_at": str,
            # Measure 6: the police report (aangifte).
            "police_status": str,  # wanted | filed | not_filed
            "police_filed_by": str,  # worker | employer
            "police_filed_on": str,  # local date
            "police_vpt": int,  # marked as a public-task (VPT) case
            "police_employer_address": int,  # the employer's address instead of the home's
            "police_reference": str,
            "police_reason": str,  # why not
            "police_by": int,
            "police_recorded_at": str,
            # Measure 7: recovering the damage (schadeverhaal).
            "damage_cents": int,
            "damage_claim_sent_on": str,
            "damage_paid_cents": int,
            "damage_paid_on": str,
            "damage_status": str,  # open | claimed | paid | partly_paid | not_recoverable
            "damage_by": int,
            "damage_recorded_at": str,
            # Learning without blame: what was missing or failed, lessons, the protocol.
            "analysis_missing": str,  # JSON [{key, label}]
            "analysis_text": str,
            "analysis_lessons": str,
            "analysis_protocol_change": int,
            "analysis_by": int,
            "analysis_recorded_at": str,
            "closed_at": str,
            "closed_by": int,
            "closed_open": str,  # JSON list of the items still open at closure
            "closure_note": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="incident_id",
        not_null={"team_id", "created_at", "updated_at"},
        foreign_keys=[
            ("incident_id", "incidents", "id"),
            ("team_id", "teams", "id"),
            ("owner_id", "users", "id"),
        ],
    )
    db["followups"].create_index(["team_id", "closed_at"])
    # Measure 8: aftercare (opvang en nazorg), usually three talks.
    db["aftercare_talks"].create(
        {
            "id": int,
            "incident_id": int,
            "held_on": str,  # local date
            "held_by": str,  # who had the talk (a name or role)
            "referral": str,  # none | company_doctor | victim_support | other
            "note": str,
            "created_by": int,
            "created_at": str,
        },
        pk="id",
        not_null={"incident_id", "held_on", "held_by", "referral", "created_by", "created_at"},
        foreign_keys=[("incident_id", "incidents", "id"), ("created_by", "users", "id")],
    )
    db["aftercare_talks"].create_index(["incident_id"])


@migrations(name="0041_warning_flags")
def warning_flags(db: Database) -> None:
    """Make a measure a warning flag: its reason, the notice to the citizen, an early end."""
    table = db["address_measures"]
    for column in (
        "reason",
        "notice_on",  # local date the citizen was told
        "notice_method",  # letter | registered_letter | in_person | email | phone
        "ended_on",  # ended early (local date)
        "end_reason",
    ):
        table.add_column(column, str)
    table.add_column("ended_by", int)
    table.create_index(["team_id", "ends_on"])


@migrations(name="0042_alarm_log_retention")
def alarm_log_retention(db: Database) -> None:
    """Let the retention purge delete alarm-log rows past their period, and nothing else.

    The alarm log stays append-only for every other writer: updates are refused as before,
    and a delete is refused unless the purge, inside its own transaction, has put a permit
    row naming a cut-off older than the row (housekeeping.purge takes it away again).
    """
    db["retention_permits"].create(
        {"table_name": str, "before": str}, pk="table_name", not_null={"before"}
    )
    db.execute("DROP TRIGGER alarm_log_no_delete")
    db.execute(
        "CREATE TRIGGER alarm_log_no_delete BEFORE DELETE ON alarm_log "
        "WHEN NOT EXISTS (SELECT 1 FROM retention_permits p "
        "WHERE p.table_name = 'alarm_log' AND OLD.at < p.before) "
        "BEGIN SELECT RAISE(ABORT, 'alarm_log is append-only: only rows past retention "
        "may be purged'); END"
    )
    # The daily purge asks the audit trail when it last ran.
    db["audit_log"].create_index(["action", "at"])


@migrations(name="0043_demo_marks")
def demo_marks(db: Database) -> None:
    """Remember which rows the demo-year command made, so screens can say it is demo data."""
    db["demo_marks"].create(
        {"table_name": str, "row_id": int, "created_at": str},
        pk=("table_name", "row_id"),
        not_null={"created_at"},
    )


@migrations(name="0050_health_probe")
def health_probe(db: Database) -> None:
    """One row /healthz writes, so a disk that takes no writes shows at once."""
    db["health_probe"].create({"id": int, "at": str}, pk="id")
