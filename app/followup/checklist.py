"""Where each item of an incident's follow-up stands: done, open, overdue, and what is left."""

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from ..clock import LOCAL, iso, parse
from . import deadlines, terms
from .terms import AFTERCARE_TALKS, DAMAGE_DONE


def end_of_day(day: str) -> datetime:
    """Return local midnight after a stored local date (a police report filed that day)."""
    start = datetime.combine(date.fromisoformat(day[:10]), time(0, 0), tzinfo=LOCAL)
    return start + timedelta(days=1)


def _deadline(due: datetime, done: datetime | None, moment: datetime, end_of_day=False) -> dict:
    # A deadline at local midnight reads as the last minute of the day before (23:59).
    shown = due - timedelta(minutes=1) if end_of_day else due
    return {
        "due": iso(shown),  # stored form, for the localtime filter
        "state": deadlines.state(due, done, moment),
        "left": deadlines.remaining(due, moment),
    }


def _response(incident: dict, row: dict, moment: datetime) -> dict:
    done = (
        parse(row["response_at"]) if row.get("response_kind") and row.get("response_at") else None
    )
    return {"done": done is not None} | _deadline(
        deadlines.response_due(parse(incident["occurred_at"])), done, moment
    )


def _police(incident: dict, row: dict, moment: datetime) -> dict:
    status = row.get("police_status")
    done = None
    if status == "filed" and row.get("police_filed_on"):
        done = end_of_day(row["police_filed_on"])
    elif status == "not_filed" and row.get("police_recorded_at"):
        done = parse(row["police_recorded_at"])
    due = deadlines.police_due(parse(incident["occurred_at"]))
    state = _deadline(due, done, moment, end_of_day=True)
    return {"done": done is not None, "filed": status == "filed"} | state


def items(incident: dict, row: dict, talk_count: int, moment: datetime) -> dict[str, dict]:
    """Return each checklist item's state for an incident's follow-up row."""
    damage_applies = bool(incident.get("property_damage")) or row.get("damage_cents") is not None
    return {
        "owner": {"done": row.get("owner_id") is not None},
        "response": _response(incident, row, moment),
        "police": _police(incident, row, moment),
        "damage": {
            "applies": damage_applies,
            "done": not damage_applies or row.get("damage_status") in DAMAGE_DONE,
        },
        "aftercare": {
            "done": talk_count >= AFTERCARE_TALKS,
            "talks": talk_count,
            "wish": bool(incident.get("wants_aftercare")),
        },
        "analysis": {"done": bool(row.get("analysis_recorded_at"))},
    }


def overdue(states: dict[str, dict]) -> list[str]:
    """Return the items past their deadline and still not done."""
    return [key for key in ("response", "police") if states[key]["state"] == "overdue"]


def open_items(states: dict[str, dict]) -> list[str]:
    """Name, in words, every item still open (shown before closing, and kept at closure)."""
    named = []
    for key, state in states.items():
        if state["done"]:
            continue
        label = str(terms.ITEMS[key])
        if key == "aftercare":
            label += " " + _(
                "(%(n)d van %(total)d gesprekken)", n=state["talks"], total=AFTERCARE_TALKS
            )
        elif state.get("state") == "overdue":
            label += " " + _("(te laat)")
        named.append(label)
    return named
