"""The ALARM bar on every page of a field worker, a panic without a visit, and what the phone
keeps for use offline.

A context processor (on the timer blueprint, for every page) finds the worker's running visit:
the bar's ALARM is then that visit's panic, otherwise a panic without a visit. The same data
goes to the phone as the device record (static/js/outbox-actions.js keeps it in IndexedDB), so
the visit screen opens without signal (templates/escalation/offline_visit.html). It holds only
what that screen needs: the visit's id, its address line, its due time and halfway check,
whether check-out asks for a PIN, the office's number and the language. Check-out and logout
remove it.
"""

from flask import g, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlite_utils import Database

from ..clock import iso, now
from ..db import get_db, one, transaction
from ..incidents.texts import office_phone
from ..users import FIELD_WORKER
from . import actions, bp, store
from . import policy as policies
from .alarms import get_alarm, raise_alarm, subject, without_visit
from .errors import ActionError
from .payloads import address
from .pins import has_duress_pin


def running_visit(db: Database, user_id: int) -> dict | None:
    """Return the visit the worker (or a colleague going along) is on now, the newest first."""
    return one(
        db,
        "select * from visits where status = 'running' and (worker_id = ? or id in "
        "(select visit_id from visit_companions where user_id = ?)) "
        "order by checked_in_at desc limit 1",
        [user_id, user_id],
    )


def device_record(db: Database, user, visit: dict | None) -> dict:
    """Return what the phone keeps so the visit screen works without signal."""
    record = {
        "worker": True,
        "language": str(get_locale() or "nl"),
        "office_phone": office_phone(db, user.team_id).replace(" ", ""),
        "visit": None,
    }
    if visit is not None:
        record["visit"] = {
            "id": visit["id"],
            "address": address(visit),
            "due_at": visit["due_at"],
            "check_due_at": visit["check_due_at"],
            "check_answered": bool(visit["check_answered_at"]),
            "has_pin": has_duress_pin(db, user.id),
        }
    return record


def _bar() -> dict | None:
    """Return the bar of this request's field worker (once per request), or None."""
    if "vop_alarm_bar" not in g:
        g.vop_alarm_bar = None
        if current_user and current_user.is_authenticated and current_user.role == FIELD_WORKER:
            db = get_db()
            visit = running_visit(db, current_user.id)
            done = (
                url_for("timer.panic_sent", visit_id=visit["id"])
                if visit
                else url_for("timer.panic_sent_without_visit")
            )
            g.vop_alarm_bar = {
                "visit": visit,
                "action": url_for("timer.panic", visit_id=visit["id"])
                if visit
                else url_for("timer.panic_without_visit"),
                "done_url": done,
                "record": device_record(db, current_user, visit),
            }
    return g.vop_alarm_bar


@bp.app_context_processor
def alarm_bar() -> dict:
    """Give every page the ALARM bar of its field worker (None for everyone else)."""
    return {"alarm_bar": _bar()}


def _open_panic_without_visit(db: Database, user) -> dict | None:
    """Return the worker's unresolved panic alarm without a visit, if there is one."""
    return one(
        db,
        "select * from alarms where visit_id is null and worker_id = ? and kind = 'panic' "
        "and status != 'resolved' order by id desc limit 1",
        [user.id],
    )


def panic_without_visit(db: Database, user, *, at, location=None) -> dict:
    """Raise a field worker's panic alarm while no visit runs: every level, with the location
    the phone sent (if the worker shares it); return the alarm."""
    if user.role != FIELD_WORKER or user.team_id is None:
        message = _("Alleen een veldmedewerker kan zonder bezoek alarm slaan.")
        raise ActionError(message, status=403)
    # As with every panic, nothing the phone sends stops it: a wrong clock or a nonsense
    # location only changes what the alarm log records (and the log says so).
    detail: dict = {}
    try:
        where = actions._location(location)
    except ActionError:
        where, detail["location_problem"] = None, actions._phone_text(location)
    moment, problem = actions.phone_moment(at, now())
    if problem:
        detail.update(clock_problem=problem, phone_time=actions._phone_text(at))
    with transaction(db):
        policy = policies.load(db, user.team_id)
        alarm = _open_panic_without_visit(db, user)
        if alarm is None or alarm["status"] == "acknowledged":
            alarm = raise_alarm(db, without_visit(user.team_id, user.id), "panic", policy)
        if where:
            db.execute(
                "update alarms set last_lat = ?, last_lon = ?, last_location_at = ? where id = ?",
                [where[0], where[1], iso(now()), alarm["id"]],
            )
        store.log_event(
            db,
            None,
            "panic",
            alarm_id=alarm["id"],
            actor_id=user.id,
            client_at=None if problem else moment,
            detail={"location": list(where[:2]) if where else None, **detail},
        )
        alarm = get_alarm(db, alarm["id"])
        actions._all_levels_now(db, subject(db, alarm), alarm, policy, silent=False)
    return alarm
