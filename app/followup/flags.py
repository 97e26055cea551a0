"""Warning flags: a ban or other measure with an end date on an address or case reference.

A flag is a row of `address_measures`, which the risk assessment reads (visits/history.py):
it shows kind, start and end there until it expires or is ended early. It records its
reason and when and how the citizen was told; a flag without a notice date is incomplete
(a warning the citizen was never told about does not stand), and the coordinator sees so.
"""

from datetime import date

from flask import abort
from flask_babel import gettext as _
from sqlite_utils import Database

from .. import addresses
from ..clock import iso, now
from ..db import one
from ..visits.history import MEASURE_KINDS
from . import checks

RECENT_ENDED = 50


def state(flag: dict, today: date) -> str:
    """Say where a flag stands: active, upcoming, expired or ended (early)."""
    if flag.get("ended_on"):
        return "ended"
    if flag.get("ends_on") and flag["ends_on"][:10] < today.isoformat():
        return "expired"
    if flag["starts_on"][:10] > today.isoformat():
        return "upcoming"
    return "active"


def _shown(flag: dict, today: date) -> dict:
    where = flag["address_key"].replace("|", " ") if flag.get("address_key") else ""
    return {
        **flag,
        "state": state(flag, today),
        "incomplete": not flag.get("notice_on"),
        "kind_label": str(MEASURE_KINDS.get(flag["kind"], flag["kind"])),
        "where": " · ".join(part for part in (where, flag.get("case_ref") or "") if part),
    }


def for_team(db: Database, team_id: int, today: date) -> dict[str, list[dict]]:
    """Return the team's flags: those in force or to come, and the recently ended ones."""
    rows = db.query(
        "select * from address_measures where team_id = ? order by starts_on desc, id desc",
        [team_id],
    )
    current, past = [], []
    for row in rows:
        shown = _shown(row, today)
        (current if shown["state"] in ("active", "upcoming") else past).append(shown)
    return {"current": current, "past": past[:RECENT_ENDED]}


def for_incident(db: Database, incident_id: int, today: date) -> list[dict]:
    """Return the flags an incident's follow-up made."""
    rows = db.query(
        "select * from address_measures where incident_id = ? order by id", [incident_id]
    )
    return [_shown(row, today) for row in rows]


def incomplete_count(db: Database, team_id: int, today: date) -> int:
    """Count the team's flags in force without a notice date."""
    return sum(1 for f in for_team(db, team_id, today)["current"] if f["incomplete"])


def flag_or_404(db: Database, flag_id: int, user) -> dict:
    """Return a flag of the user's team; 404 otherwise."""
    flag = one(db, "select * from address_measures where id = ?", [flag_id])
    if flag is None or user.team_id is None or flag["team_id"] != user.team_id:
        abort(404)
    return flag


def create(db: Database, team_id: int, fields: dict, user_id: int, incident_id=None) -> int:
    """Store a flag; return its id."""
    row = {
        **fields,
        "team_id": team_id,
        "incident_id": incident_id,
        "created_by": user_id,
        "created_at": iso(now()),
    }
    return db["address_measures"].insert(row).last_pk


def check_new(form, today: date) -> tuple[dict, dict]:
    """Check the form for a new flag: kind, address or case, period, reason, notice."""
    errors: dict[str, str] = {}
    kind = form.get("kind", "")
    if kind not in MEASURE_KINDS:
        errors["kind"] = _("Kies het soort maatregel.")
    postcode = addresses.postcode(form.get("postcode", ""))
    number = form.get("house_number", "").strip()
    case_ref = form.get("case_ref", "").strip()
    if form.get("postcode", "").strip() and postcode is None:
        errors["postcode"] = str(addresses.POSTCODE_MESSAGE)
    if (postcode or number) and not addresses.is_house_number(number):
        errors["house_number"] = str(addresses.HOUSE_NUMBER_MESSAGE)
    if case_ref and not addresses.is_case_ref(case_ref):
        errors["case_ref"] = str(addresses.CASE_REF_MESSAGE)
    if not (postcode or case_ref) and not errors:
        errors["postcode"] = _("Vul een adres (postcode en huisnummer) of een zaakreferentie in.")
    starts = checks.read_date(form.get("starts_on", ""))
    if starts is None:
        errors["starts_on"] = _("Vul een geldige begindatum in.")
    period = checks.flag_fields(form, starts or today, today, errors)
    if errors or period is None:
        return {}, errors
    key = addresses.address_key(postcode, number) if postcode else None
    return {"kind": kind, "address_key": key, "case_ref": case_ref or None, **period}, errors


def set_notice(db: Database, flag: dict, form, today: date) -> dict:
    """Record when and how the citizen was told; return the messages (empty when stored)."""
    errors: dict[str, str] = {}
    ends = checks.read_date(flag.get("ends_on") or "")
    notice = checks.notice_fields(form, ends, today, errors)
    if notice is None and not errors:
        errors["notice_on"] = _("Vul de datum in waarop de burger is ingelicht.")
    if not errors:
        db["address_measures"].update(flag["id"], notice)
    return errors


def end_early(db: Database, flag: dict, reason: str, user_id: int, today: date) -> dict:
    """End a flag before its expiry, with a reason; return the messages."""
    reason = reason.strip()
    if state(flag, today) not in ("active", "upcoming"):
        return {"end_reason": _("Deze maatregel is al afgelopen.")}
    if not 3 <= len(reason) <= checks.MAX_TEXT:
        return {"end_reason": _("Schrijf waarom de maatregel eerder stopt.")}
    db["address_measures"].update(
        flag["id"], {"ended_on": today.isoformat(), "end_reason": reason, "ended_by": user_id}
    )
    return {}
