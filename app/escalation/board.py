"""The office's live board: alarms on top, running visits with their countdown, devices;
the page of one alarm, and acknowledging and resolving it."""

from urllib.parse import urlsplit

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlite_utils import Database

from ..auth import role_required
from ..clock import now, parse
from ..db import get_db
from ..security import safe_next
from ..users import COORDINATOR, OFFICE
from . import alarms, office_bp, store
from .errors import ActionError
from .logtext import describe

KIND_ORDER = "case a.kind when 'panic' then 0 when 'duress' then 1 else 2 end"


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


def _alarm_rows(db: Database, where: str, params: list) -> list[dict]:
    # A panic without a visit has no visit row: its worker and location are the alarm's own.
    rows = db.query(
        "select a.*, v.street, v.house_number, v.postcode, v.city, v.risk_level, v.due_at, "
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


def board_context(db: Database, user) -> dict:
    """Return everything the board shows for the user's team."""
    team = user.team_id
    return {
        "alarms": open_alarms(db, team),
        "visits": running_visits(db, team),
        "devices": devices(db, team),
        "resolved": recent_resolved(db, team),
        "outcomes": alarms.OUTCOMES,
        "kinds": alarms.KINDS,
        "back": _current_path(),
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
    card = {"outcomes": alarms.OUTCOMES, "kinds": alarms.KINDS, "back": request.path}
    return render_template("escalation/alarm.html", alarm=alarm, b=card, errors=errors)


@office_bp.get("/alarmen/<int:alarm_id>")
@login_required
def alarm(alarm_id: int):
    """Show one alarm with its whole log."""
    return _alarm_page(get_db(), alarm_id, {})


def _back(alarm_id: int) -> str:
    """Return the page the alarm's form was on (the board or the alarm page)."""
    return safe_next(request.form.get("next"), url_for("office.alarm", alarm_id=alarm_id))


@office_bp.post("/alarmen/<int:alarm_id>/bevestigen")
@login_required
def acknowledge(alarm_id: int):
    """Acknowledge an alarm ("ik pak dit op")."""
    try:
        alarms.acknowledge(get_db(), alarm_id, current_user)
    except ActionError as error:
        flash(error.message, "error")
        return redirect(_back(alarm_id), 303)
    flash(_("Alarm bevestigd. Handel het af zodra bekend is hoe het afliep."), "success")
    return redirect(_back(alarm_id), 303)


@office_bp.post("/alarmen/<int:alarm_id>/afhandelen")
@login_required
def resolve(alarm_id: int):
    """Resolve an alarm with an outcome and a note."""
    db = get_db()
    try:
        alarms.resolve(
            db,
            alarm_id,
            current_user,
            request.form.get("outcome", ""),
            request.form.get("note", ""),
        )
    except ActionError as error:
        if error.status == 409:
            flash(error.message, "error")
            return redirect(_back(alarm_id), 303)
        return _alarm_page(db, alarm_id, {"resolve": error.message}), 422
    flash(_("Alarm afgehandeld."), "success")
    return redirect(_back(alarm_id), 303)
