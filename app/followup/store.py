"""The follow-up's rows: one `followups` row per incident (made on its first change), its talks."""

import json

from sqlite_utils import Database

from .. import users
from ..clock import iso, now
from ..db import one
from ..visits import labels, protocol
from .terms import GENERAL_MEASURES

# The columns each checklist item writes; "who and when" go beside them.
ITEM_COLUMNS = {
    "response": ("response_kind", "response_at", "response_note"),
    "police": (
        "police_status",
        "police_filed_by",
        "police_filed_on",
        "police_vpt",
        "police_employer_address",
        "police_reference",
        "police_reason",
    ),
    "damage": (
        "damage_cents",
        "damage_claim_sent_on",
        "damage_paid_cents",
        "damage_paid_on",
        "damage_status",
    ),
    "analysis": (
        "analysis_missing",
        "analysis_text",
        "analysis_lessons",
        "analysis_protocol_change",
    ),
}
WHO_WHEN = {
    "response": ("response_by", "response_recorded_at"),
    "police": ("police_by", "police_recorded_at"),
    "damage": ("damage_by", "damage_recorded_at"),
    "analysis": ("analysis_by", "analysis_recorded_at"),
}


def get(db: Database, incident_id: int) -> dict:
    """Return an incident's follow-up row, or an empty one when nothing was recorded yet."""
    row = one(db, "select * from followups where incident_id = ?", [incident_id])
    if row is None:
        return {"incident_id": incident_id, "analysis_missing": "[]", "closed_open": "[]"}
    return row


def _ensure(db: Database, incident: dict) -> None:
    """Make the incident's follow-up row when it has none (inside the caller's transaction)."""
    moment = iso(now())
    db.execute(
        "insert or ignore into followups (incident_id, team_id, created_at, updated_at) "
        "values (?, ?, ?, ?)",
        [incident["id"], incident["team_id"], moment, moment],
    )


def save(db: Database, incident: dict, fields: dict, user_id: int, item: str | None = None):
    """Write some follow-up columns; an item's "who and when" are set with it."""
    _ensure(db, incident)
    moment = iso(now())
    values = dict(fields)
    if item in WHO_WHEN:
        by, at = WHO_WHEN[item]
        values |= {by: user_id, at: moment}
    values["updated_at"] = moment
    assignments = ", ".join(f"{column} = ?" for column in values)
    db.execute(
        f"update followups set {assignments} where incident_id = ?",
        [*values.values(), incident["id"]],
    )


def talks(db: Database, incident_id: int) -> list[dict]:
    """Return an incident's aftercare talks, oldest first, with who recorded them."""
    return list(
        db.query(
            "select t.*, u.display_name as recorded_by from aftercare_talks t "
            "left join users u on u.id = t.created_by where t.incident_id = ? "
            "order by t.held_on, t.id",
            [incident_id],
        )
    )


def add_talk(db: Database, incident: dict, fields: dict, user_id: int) -> int:
    """Record one aftercare talk; return its id."""
    _ensure(db, incident)
    row = {
        **fields,
        "incident_id": incident["id"],
        "created_by": user_id,
        "created_at": iso(now()),
    }
    talk_id = db["aftercare_talks"].insert(row).last_pk
    db.execute(
        "update followups set updated_at = ? where incident_id = ?", [iso(now()), incident["id"]]
    )
    return talk_id


def coordinators(db: Database, team_id: int) -> list[dict]:
    """Return the team's active coordinators: who may own a follow-up."""
    return list(
        db.query(
            "select id, display_name from users where team_id = ? and role = ? and active = 1 "
            "order by display_name",
            [team_id, users.COORDINATOR],
        )
    )


def names(db: Database, ids: set[int | None]) -> dict[int, str]:
    """Return the display names of some users, by id."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    rows = db.query(f"select id, display_name from users where id in ({marks})", wanted)
    return {row["id"]: row["display_name"] for row in rows}


def missing_measures(row: dict) -> list[dict]:
    """Return the analysis's missing or failed measures as stored: [{key, label}]."""
    return json.loads(row.get("analysis_missing") or "[]")


def analysis_choices(db: Database, team_id: int) -> dict[str, str]:
    """Return the fixed list an analysis picks from: the protocol's measures, then general ones."""
    body = protocol.current(db, team_id)["body"]
    choices = {m["key"]: labels.translate(m["label"]) for m in body["measures"]}
    return choices | {key: str(label) for key, label in GENERAL_MEASURES.items()}
