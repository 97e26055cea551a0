"""The values the checklist's forms show: what is stored, or what was sent when it was refused."""

from datetime import datetime

from flask_babel import format_currency

from ..clock import form_value, parse
from .checks import local_date
from .store import missing_measures


def euros(cents: int | None) -> str:
    """Show whole cents as money in the page's language ("€ 125,50"; a template filter)."""
    return "—" if cents is None else format_currency(cents / 100, "EUR")


def cents_text(cents: int | None) -> str:
    """Show whole cents as a Dutch amount for a form field ("125,50")."""
    if cents is None:
        return ""
    return f"{cents // 100},{cents % 100:02d}"


def _suggested(row: dict, name: str) -> str:
    """A box the app always suggests: ticked until the coordinator unticks it."""
    return "1" if row.get(name) in (1, None) else ""


def stored(row: dict, incident: dict, moment: datetime, user_name: str) -> dict:
    """Return the forms' values from the stored follow-up (or the suggestions when empty)."""
    change = row.get("analysis_protocol_change")
    return {
        "response_kind": row.get("response_kind") or "",
        "response_at": form_value(parse(row["response_at"]) if row.get("response_at") else moment),
        "response_note": row.get("response_note") or "",
        "ends_on": "",
        "notice_on": "",
        "notice_method": "",
        "police_status": row.get("police_status")
        or ("wanted" if incident["wants_aangifte"] else ""),
        "police_filed_by": row.get("police_filed_by") or "",
        "police_filed_on": row.get("police_filed_on") or "",
        "police_vpt": _suggested(row, "police_vpt"),
        "police_employer_address": _suggested(row, "police_employer_address"),
        "police_reference": row.get("police_reference") or "",
        "police_reason": row.get("police_reason") or "",
        "damage_cents": cents_text(row.get("damage_cents")),
        "damage_paid_cents": cents_text(row.get("damage_paid_cents")),
        "damage_claim_sent_on": row.get("damage_claim_sent_on") or "",
        "damage_paid_on": row.get("damage_paid_on") or "",
        "damage_status": row.get("damage_status") or "open",
        "held_on": local_date(moment).isoformat(),
        "held_by": user_name,
        "referral": "none",
        "analysis_text": row.get("analysis_text") or "",
        "analysis_lessons": row.get("analysis_lessons") or "",
        "analysis_protocol_change": "" if change is None else ("yes" if change else "no"),
        "missing": {m["key"] for m in missing_measures(row)},
        "missing_labels": [m["label"] for m in missing_measures(row)],
        "note": "",
        "closure_note": row.get("closure_note") or "",
    }


def shown(row: dict, incident: dict, moment: datetime, user_name: str, item, form) -> dict:
    """Return the forms' values, with what a refused form sent laid over its own fields."""
    values = stored(row, incident, moment, user_name)
    if item and form:
        values |= {name: form.get(name, "") for name in form if name != "csrf_token"}
        if item == "police":
            for box in ("police_vpt", "police_employer_address"):
                values[box] = form.get(box, "")
        if item == "analysis":
            values["missing"] = set(form.getlist("missing"))
    return values
