"""The office's live board: alarms on top, running visits with their countdown, devices;
the page of one alarm, and acknowledging and resolving it (in place on the board)."""

from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlite_utils import Database

from ..auth import role_required
from ..clock import iso, now, parse
from ..db import get_db, one, write_probe
from ..security import safe_next
from ..users import COORDINATOR, OFFICE
from . import alarm_view, alarms, office_bp, store
from .engine import heartbeat
from .errors import ActionError
from .logtext import describe

KIND_ORDER = "case a.kind when 'panic' then 0 when 'duress' then 1 else 2 end"
LIVE = "board-live"  # the element htmx refreshes; an answer for it is the fragment only


def _companions(db: Database, visit_id: int) -> list[str]:
    rows = db.execute(
        "select coalesce(u.display_name, c.external_name) from visit_companions c "
        "left join users u on u.id = c.user_id where c.visit_id = ? order by c.id",
        [visit_id],
    )
    return [row[0] for row in rows if row[0]]


def _log(db: Database, visit_id: int | None, alarm_id: int) -> list[dict]:
    entries = store.visit_log(db, visit_id, alarm_id)
    return [{**entry, "text": describe(entry)} for entry in entries]


# The alarm's own columns but its worker and location, which come from the visit when it has
# one (a row must not name a column twice: the first would win).
ALARM_COLUMNS = (
    "a.id, a.visit_id, a.team_id, a.kind, a.status, a.level, a.opened_at, a.acknowledged_by, "
    "a.acknowledged_at, a.resolved_by, a.resolved_at, a.outcome, a.note, a.reopened, "
    "a.reached, a.policy"
)


def _alarm_rows(db: Database, where: str, params: list) -> list[dict]:
    # A panic without a visit has no visit row: its worker and location are the alarm's own.
    rows = db.query(
        f"select {ALARM_COLUMNS}, v.street, v.house_number, v.postcode, v.city, v.risk_level, "
        "v.due_at, "
        "v.status as visit_status, v.last_accuracy, "
        "coalesce(v.last_lat, a.last_lat) as last_lat, "
        "coalesce(v.last_lon, a.last_lon) as last_lon, "
        "coalesce(v.last_location_at, a.last_location_at) as last_location_at, "
        "coalesce(v.worker_id, a.worker_id) as worker_id, w.display_name as worker, "
        "w.phone as worker_phone, k.display_name as acknowledged_name from alarms a "
        "left join visits v on v.id = a.visit_id "
        "join users w on w.id = coalesce(v.worker_id, a.worker_id) "
        f"left join users k on k.id = a.acknowledged_by where {where}",
        params,
    )
    return [
        {
            **row,
            "companions": _companions(db, row["visit_id"]),
            "log": _log(db, row["visit_id"], row["id"]),
            "next": alarm_view.next_up(db, row),
            "trail": alarm_view.trail(db, row["id"]),
            "reach": alarm_view.reach(db, row["id"]),
            "location": alarm_view.location(row),
        }
        for row in rows
    ]


def open_alarms(db: Database, team_id: int) -> list[dict]:
    """Return the team's unresolved alarms, panic and duress first, with what the office needs."""
    return _alarm_rows(
        db,
        f"a.team_id = ? and a.status != 'resolved' order by {KIND_ORDER}, a.opened_at",
        [team_id],
    )


def running_visits(db: Database, team_id: int) -> list[dict]:
    """Return the team's running visits, the soonest due first, marking the overdue ones."""
    rows = db.query(
        "select v.*, w.display_name as worker, w.phone as worker_phone from visits v "
        "join users w on w.id = v.worker_id where v.team_id = ? and v.status = 'running' "
        "order by v.due_at",
        [team_id],
    )
    moment = now()
    return [
        {**row, "seconds_left": int((parse(row["due_at"]) - moment).total_seconds())}
        for row in rows
    ]


def devices(db: Database, team_id: int) -> list[dict]:
    """Return each device of the team with when its push service and the device last answered."""
    return list(
        db.query(
            "select s.id, s.host, s.user_agent, s.created_at, s.last_accepted_at, "
            "s.last_receipt_at, s.last_error, u.display_name from push_subscriptions s "
            "join users u on u.id = s.user_id where u.team_id = ? order by u.display_name, s.id",
            [team_id],
        )
    )


def recent_resolved(db: Database, team_id: int, limit: int = 10) -> list[dict]:
    """Return the team's last resolved alarms."""
    return list(
        db.query(
            "select a.*, w.display_name as worker from alarms a "
            "left join visits v on v.id = a.visit_id "
            "join users w on w.id = coalesce(v.worker_id, a.worker_id) "
            "where a.team_id = ? and a.status = 'resolved' "
            "order by a.resolved_at desc, a.id desc limit ?",
            [team_id, limit],
        )
    )


def session_ends(db: Database, user) -> str | None:
    """Return when the user's session reaches its absolute limit (the board warns before)."""
    row = one(db, "select created_at from user_sessions where id = ?", [user.session_id])
    if row is None:
        return None
    hours = current_app.config["VOP_ABSOLUTE_HOURS"]
    return iso(parse(row["created_at"]) + timedelta(hours=hours))


def _labels() -> dict:
    """The words every alarm card needs."""
    return {
        "outcomes": alarms.OUTCOMES,
        "classes": alarms.CLASSES,
        "outcome_class": alarms.OUTCOME_CLASS,
        "visit_choices": alarms.VISIT_CHOICES,
        "keep_minutes": alarms.KEEP_MINUTES,
        "kinds": alarms.KINDS,
        "badges": alarm_view.BADGES,
    }


def board_context(db: Database, user, notice: dict | None = None) -> dict:
    """Return everything the board shows for the user's team."""
    team = user.team_id
    found = open_alarms(db, team)
    return {
        **_labels(),
        "alarms": found,
        "open_ids": [a["id"] for a in found if a["status"] == "open"],
        "visits": running_visits(db, team),
        "devices": devices(db, team),
        "resolved": recent_resolved(db, team),
        "escalator": heartbeat(db),
        "storage": write_probe(db),  # "ok", "busy", or why the disk takes no writes
        "session_ends": session_ends(db, user),
        "server_now": iso(now()),
        "csrf": generate_csrf(),
        "back": _current_path(),
        "live": True,
        "notice": notice,
        "errors": {},
    }


def _current_path() -> str:
    """Return the page the board is shown on (htmx polls from the board or the home page)."""
    current = request.headers.get("HX-Current-URL", "")
    return safe_next(urlsplit(current).path, request.path) if current else request.path


@office_bp.get("/")
@role_required(OFFICE, COORDINATOR)
def board():
    """Show the live board (it refreshes its own contents every few seconds)."""
    return render_template("escalation/board.html", b=board_context(get_db(), current_user))


@office_bp.get("/live")
@role_required(OFFICE, COORDINATOR)
def board_live():
    """Return the board's contents for htmx polling."""
    return render_template("escalation/_board_live.html", b=board_context(get_db(), current_user))


def _alarm_page(db: Database, alarm_id: int, errors: dict):
    """Render one alarm with its whole log."""
    alarms.alarm_or_404(db, alarm_id, current_user)
    alarm = _alarm_rows(db, "a.id = ?", [alarm_id])[0]
    card = {**_labels(), "back": request.path, "live": False, "errors": errors}
    return render_template("escalation/alarm.html", alarm=alarm, b=card, errors=errors)


@office_bp.get("/alarmen/<int:alarm_id>")
@login_required
def alarm(alarm_id: int):
    """Show one alarm with its whole log."""
    return _alarm_page(get_db(), alarm_id, {})


def _on_board() -> bool:
    """Tell whether an action came from the live board through htmx (answer in place)."""
    return bool(request.headers.get("HX-Request")) and request.headers.get("HX-Target") == LIVE


def _answer(alarm_id: int, message: str, kind: str, status: int = 200, errors=None):
    """Answer an acknowledgement or resolution: the board in place, or a page after a 303."""
    if _on_board():
        b = board_context(get_db(), current_user, {"text": message, "kind": kind})
        b["errors"] = errors or {}
        return render_template("escalation/_board_live.html", b=b), status
    flash(message, kind)
    target = safe_next(request.form.get("next"), url_for("office.alarm", alarm_id=alarm_id))
    return redirect(target, 303)


@office_bp.post("/alarmen/<int:alarm_id>/bevestigen")
@login_required
def acknowledge(alarm_id: int):
    """Acknowledge an alarm ("ik pak dit op")."""
    try:
        alarms.acknowledge(get_db(), alarm_id, current_user)
    except ActionError as error:
        if error.status == 403:  # the worker's own alarm: refused, not a page to go back to
            return render_template("error.html", status=403, message=error.message), 403
        return _answer(alarm_id, error.message, "error", error.status)
    return _answer(
        alarm_id, _("Alarm bevestigd. Handel het af zodra bekend is hoe het afliep."), "success"
    )


@office_bp.post("/alarmen/<int:alarm_id>/afhandelen")
@login_required
def resolve(alarm_id: int):
    """Resolve an alarm with an outcome, a note and, for a running visit, what happens to it."""
    db = get_db()
    try:
        alarms.resolve(
            db,
            alarm_id,
            current_user,
            request.form.get("outcome", ""),
            request.form.get("note", ""),
            request.form.get("visit"),
        )
    except ActionError as error:
        if error.status == 409:
            return _answer(alarm_id, error.message, "error", 409)
        if _on_board():
            errors = {alarm_id: error.message}
            return _answer(alarm_id, error.message, "error", 422, errors)
        return _alarm_page(db, alarm_id, {"resolve": error.message}), 422
    return _answer(alarm_id, _("Alarm afgehandeld."), "success")
