"""Builders for the follow-up tests: incidents as the incidents capability stores them."""

import uuid
from datetime import datetime

from app.clock import iso

from .factories import user_id


def make_incident(
    db,
    occurred: datetime,
    *,
    reporter: str = "demo-medewerker",
    form: str = "threat",
    place_kind: str = "home_visit",
    address_key: str | None = "3511AB|12",
    case_ref: str | None = "Z-2026-001",
    **extra,
) -> int:
    """Store an incident report of the reporter's team; return its id."""
    reporter_id = user_id(db, reporter)
    team_id = db["users"].get(reporter_id)["team_id"]
    row = {
        "client_id": str(uuid.uuid4()),
        "team_id": team_id,
        "reporter_id": reporter_id,
        "occurred_at": iso(occurred),
        "place_kind": place_kind,
        "street": "Domplein",
        "house_number": "12",
        "postcode": "3511AB",
        "city": "Utrecht",
        "address_key": address_key,
        "case_ref": case_ref,
        "perpetrator_kind": "case_ref" if case_ref else "unknown",
        "form": form,
        "behaviours": '["intimidation"]',
        "description": "Dreigde de medewerker op te wachten.",
        "consequences": "emotional",
        "property_damage": 0,
        "police_involved": 0,
        "wants_aangifte": 1,
        "wants_aftercare": 1,
        "received_at": iso(occurred),
        **extra,
    }
    return db["incidents"].insert(row).last_pk


def audit_actions(db, incident_id: int) -> list[tuple[str, str]]:
    """Return the (action, result) lines of the audit trail about an incident, in order."""
    rows = db.execute(
        "select action, result from audit_log where object_type = 'incident' and object_id = ? "
        "order by id",
        [str(incident_id)],
    )
    return [tuple(row) for row in rows]
