"""Tables of the risk assessment (migration 0004_risk_protocol) and later changes to visits.

Each function is one migration's work and, once applied, is never edited: a later change
goes into a new function called by a new migration in app/migrations.py.
"""

from sqlite_utils import Database


def create_risk_tables(db: Database) -> None:
    """Create the team protocols, assessments, confirmations, approvals and conditions."""
    # A protocol version is never updated: an edit inserts the next version, so every
    # assessment keeps the questions, weights and measures it was made with.
    db["risk_protocols"].create(
        {
            "id": int,
            "team_id": int,
            "version": int,
            "body": str,  # JSON: questions, weights, thresholds, measures per level
            "created_at": str,
            "created_by": int,
        },
        pk="id",
        not_null={"team_id", "version", "body", "created_at"},
        foreign_keys=[("team_id", "teams", "id"), ("created_by", "users", "id")],
    )
    db["risk_protocols"].create_index(["team_id", "version"], unique=True)
    # Each save of the assessment form inserts a row; the visit points at its current one.
    db["risk_assessments"].create(
        {
            "id": int,
            "visit_id": int,
            "protocol_id": int,
            "answers": str,  # JSON {question key: true/false}
            "score": int,
            "level": str,  # low | medium | high | police
            "reasons": str,  # JSON [{key, label, weight}] as shown to the worker
            "measures": str,  # JSON [{key, label, kind}] required for this level
            "created_at": str,
            "created_by": int,
        },
        pk="id",
        not_null={"visit_id", "protocol_id", "answers", "score", "level", "created_at"},
        foreign_keys=[
            ("visit_id", "visits", "id"),
            ("protocol_id", "risk_protocols", "id"),
            ("created_by", "users", "id"),
        ],
    )
    db["risk_assessments"].create_index(["visit_id"])
    db["measure_confirmations"].create(
        {
            "id": int,
            "assessment_id": int,
            "measure_key": str,
            "confirmed_by": int,
            "confirmed_at": str,
        },
        pk="id",
        not_null={"assessment_id", "measure_key", "confirmed_by", "confirmed_at"},
        foreign_keys=[
            ("assessment_id", "risk_assessments", "id"),
            ("confirmed_by", "users", "id"),
        ],
    )
    db["measure_confirmations"].create_index(["assessment_id", "measure_key"], unique=True)
    # A coordinator's recorded decision (who, why, when) that lets a check-in go ahead.
    db["visit_approvals"].create(
        {
            "id": int,
            "visit_id": int,
            "assessment_id": int,
            "approved_by": int,
            "reason": str,
            "waived": str,  # JSON list of the blockers the approval set aside
            "approved_at": str,
            "revoked_at": str,  # set when the visit changed so much that it no longer holds
        },
        pk="id",
        not_null={"visit_id", "approved_by", "reason", "approved_at"},
        foreign_keys=[
            ("visit_id", "visits", "id"),
            ("assessment_id", "risk_assessments", "id"),
            ("approved_by", "users", "id"),
        ],
    )
    db["visit_approvals"].create_index(["visit_id"])
    db["visit_conditions"].create(
        {"team_id": int, "body": str, "updated_at": str, "updated_by": int},
        pk="team_id",
        not_null={"body", "updated_at"},
        foreign_keys=[("team_id", "teams", "id"), ("updated_by", "users", "id")],
    )
    db["visits"].add_column("assessment_id", int)


def add_halfway_check(db: Database) -> None:
    """Remember a visit's halfway check: when it is due and when it was answered (0022)."""
    db["visits"].add_column("check_due_at", str)
    db["visits"].add_column("check_answered_at", str)


def create_approval_requests(db: Database) -> None:
    """A worker's request for a coordinator's approval, and its decision (migration 0023)."""
    db["approval_requests"].create(
        {
            "id": int,
            "visit_id": int,
            "assessment_id": int,
            "requested_by": int,
            "requested_at": str,
            "status": str,  # pending | given | refused | withdrawn
            "decided_by": int,
            "decided_at": str,
            "reason": str,  # the coordinator's reason, given or refused
        },
        pk="id",
        not_null={"visit_id", "requested_by", "requested_at", "status"},
        foreign_keys=[
            ("visit_id", "visits", "id"),
            ("assessment_id", "risk_assessments", "id"),
            ("requested_by", "users", "id"),
            ("decided_by", "users", "id"),
        ],
    )
    db["approval_requests"].create_index(["visit_id", "status"])
    db["approval_requests"].create_index(["status", "requested_at"])
