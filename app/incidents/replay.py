"""Replay visit actions the phone queued while offline, with their original times.

The actions themselves (check-in, check-out, extend, "Alles goed", the answer to the halfway
check, panic, also without a visit) belong to the
escalation capability (`app/escalation/actions.py`); this module only reads the queued
item, checks access to the visit and calls them with the time the worker tapped.
"""

from datetime import datetime

from flask_babel import gettext as _
from sqlite_utils import Database
from werkzeug.exceptions import NotFound

from ..escalation import actions, emergency
from ..visits.access import visit_or_404

ACTIONS = ("check_in", "check_out", "extend", "im_ok", "halfway_ok", "panic")


def _location(data: dict) -> tuple[float, float, float | None] | None:
    """Return (lat, lon, accuracy) from the item ({lat, lon, accuracy} or [lat, lon(, acc)])."""
    where = data.get("location")
    if isinstance(where, dict):
        where = [where.get("lat"), where.get("lon"), where.get("accuracy")]
    if not isinstance(where, list) or len(where) not in (2, 3):
        return None
    lat, lon, accuracy = (where + [None])[:3]
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (lat, lon))
    if not numbers or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    if not isinstance(accuracy, int | float) or isinstance(accuracy, bool):
        accuracy = None
    return float(lat), float(lon), accuracy


def _arguments(kind: str, data: dict) -> tuple[dict, dict]:
    """Return the action's keyword arguments from the item, and Dutch messages per field."""
    if kind in ("check_in", "panic"):
        return {"location": _location(data)}, {}
    if kind == "check_out":
        pin = data.get("pin")
        if pin in (None, ""):
            return {"pin": None}, {}
        if not isinstance(pin, str) or not pin.isdigit() or len(pin) > 12:
            return {}, {"pin": _("Een pincode bestaat uit cijfers.")}
        return {"pin": pin}, {}
    if kind == "extend":
        minutes, reason = data.get("minutes"), data.get("reason") or ""
        if isinstance(minutes, str) and minutes.isdigit():
            minutes = int(minutes)
        if not isinstance(minutes, int) or not 1 <= minutes <= actions.MAX_EXTEND_MINUTES:
            message = _("Verleng met 1 tot %(max)d minuten.", max=actions.MAX_EXTEND_MINUTES)
            return {}, {"minutes": message}
        if not isinstance(reason, str) or len(reason) > actions.MAX_REASON:
            message = _("Houd de reden kort (hoogstens %(n)d tekens).", n=actions.MAX_REASON)
            return {}, {"reason": message}
        return {"minutes": minutes, "reason": reason.strip()}, {}
    return {}, {}


def _visit_id(db: Database, data: dict, user) -> int | None:
    """Return the visit's id when the user may act on it."""
    try:
        raw = data.get("visit_id")
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            return None
        visit_id = int(raw)
        if not 0 < visit_id < 2**62:
            return None
        return visit_or_404(db, visit_id, user)["id"]
    except (NotFound, TypeError, ValueError, OverflowError):
        return None


def apply(
    db: Database,
    kind: str,
    data: dict,
    user,
    tapped: datetime | None,
    received: datetime,
    phone_time: object = None,
) -> dict:
    """Run one queued visit action at the time it was tapped; return its outcome.

    A panic gets the phone's time as sent (`phone_time`): whatever it says, the alarm goes
    out, and the alarm log records a clock the server cannot believe.
    """
    if kind == "panic" and data.get("visit_id") is None:
        return _panic_without_visit(db, data, user, phone_time if phone_time else tapped)
    visit_id = _visit_id(db, data, user)
    if visit_id is None:
        return {"outcome": "invalid", "errors": {"visit_id": _("Onbekend bezoek.")}}
    kwargs, errors = _arguments(kind, data)
    if errors:
        return {"outcome": "invalid", "errors": errors}
    # The phone's clock is trusted for when the worker tapped, but never into the future.
    at = min(tapped, received) if tapped else received
    if kind == "panic" and phone_time is not None:
        at = phone_time
    try:
        getattr(actions, kind)(db, visit_id, user, at=at, **kwargs)
    except actions.ActionError as refusal:
        return {"outcome": "refused", "visit_id": visit_id, "message": str(refusal.message)}
    return {"outcome": "stored", "visit_id": visit_id}


def _panic_without_visit(db: Database, data: dict, user, at: object) -> dict:
    """Raise a panic alarm the worker held while no visit ran (whatever its time says)."""
    try:
        alarm = emergency.panic_without_visit(db, user, at=at, location=_location(data))
    except actions.ActionError as refusal:
        return {"outcome": "refused", "message": str(refusal.message)}
    return {"outcome": "stored", "alarm_id": alarm["id"]}
