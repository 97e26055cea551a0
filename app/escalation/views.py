"""The worker's visit actions: check in, extend, "Ik ben oké", check out, panic."""

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..clock import local_text, now, parse
from ..db import get_db
from ..visits.access import visit_or_404
from . import actions, bp
from .errors import ActionError


def _data() -> dict:
    """Return the submitted fields, from a form or a JSON body (scripts; the outbox uses /sync)."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return request.form.to_dict()


def _location(data: dict):
    if data.get("lat") not in (None, "") and data.get("lon") not in (None, ""):
        return (data["lat"], data["lon"])
    return data.get("location") or None


def _next(visit_id: int, data: dict) -> str:
    """Return where to go after an action: the page it came from, if it is one of ours."""
    target = data.get("next") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("escalation.visit_actions", visit_id=visit_id)


def _answer(visit: dict, target: str):
    if request.is_json:
        return jsonify(
            {
                "ok": True,
                "visit_id": visit["id"],
                "status": visit["status"],
                "due_at": visit["due_at"],
            }
        )
    return redirect(target, 303)


def _refused(error: ActionError, visit_id: int):
    """Show why an action was refused, next to the buttons; nothing was changed."""
    if request.is_json:
        return jsonify({"ok": False, "error": error.message, "errors": error.messages}), (
            error.status
        )
    visit = visit_or_404(get_db(), visit_id, current_user)
    page = render_template("escalation/actions_page.html", visit=visit, errors=error.messages)
    return page, error.status


@bp.get("/bezoeken/<int:visit_id>/acties")
@login_required
def visit_actions(visit_id: int):
    """Show a visit's timer and the big buttons for it."""
    visit = visit_or_404(get_db(), visit_id, current_user)
    return render_template("escalation/actions_page.html", visit=visit, errors=[])


@bp.post("/bezoeken/<int:visit_id>/inchecken")
@login_required
def check_in(visit_id: int):
    """Check in: the visit's timer starts."""
    data = _data()
    try:
        visit = actions.check_in(
            get_db(), visit_id, current_user, at=data.get("at"), location=_location(data)
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return _answer(visit, _next(visit_id, data))


@bp.post("/bezoeken/<int:visit_id>/uitchecken")
@login_required
def check_out(visit_id: int):
    """Check out ("Ik ben veilig"); the answer is the same with the duress PIN."""
    data = _data()
    try:
        visit = actions.check_out(
            get_db(), visit_id, current_user, at=data.get("at"), pin=data.get("pin") or None
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return _answer(visit, url_for("escalation.checked_out", visit_id=visit_id))


@bp.get("/bezoeken/<int:visit_id>/uitgecheckt")
@login_required
def checked_out(visit_id: int):
    """Confirm the check-out and ask whether there was an incident."""
    visit = visit_or_404(get_db(), visit_id, current_user)
    incident_url = None
    if "incidents.new" in current_app.view_functions:
        incident_url = url_for("incidents.new", visit_id=visit_id)
    return render_template("escalation/checked_out.html", visit=visit, incident_url=incident_url)


@bp.post("/bezoeken/<int:visit_id>/verlengen")
@login_required
def extend(visit_id: int):
    """Extend a running visit by 15, 30 or a chosen number of minutes."""
    data = _data()
    minutes = data.get("minutes") or data.get("custom_minutes")
    reason = data.get("reason", "")
    if data.get("custom") and not str(reason).strip():
        return _refused(ActionError(_("Geef een reden voor de verlenging.")), visit_id)
    try:
        visit = actions.extend(
            get_db(), visit_id, current_user, minutes=minutes, reason=reason, at=data.get("at")
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return _answer(visit, _next(visit_id, data))


@bp.post("/bezoeken/<int:visit_id>/oke")
@login_required
def im_ok(visit_id: int):
    """Answer a reminder with "Ik ben oké"."""
    data = _data()
    try:
        visit = actions.im_ok(get_db(), visit_id, current_user, at=data.get("at"))
    except ActionError as error:
        return _refused(error, visit_id)
    return _answer(visit, _next(visit_id, data))


@bp.post("/bezoeken/<int:visit_id>/alarm")
@login_required
def panic(visit_id: int):
    """Raise the panic alarm (after holding the button; without script, after a confirm)."""
    data = _data()
    visit = visit_or_404(get_db(), visit_id, current_user)
    if not request.is_json and data.get("held") != "1":
        return render_template("escalation/panic_confirm.html", visit=visit)
    try:
        visit = actions.panic(
            get_db(), visit_id, current_user, at=data.get("at"), location=_location(data)
        )
    except ActionError as error:
        return _refused(error, visit_id)
    if request.is_json:
        return _answer(visit, "")
    return redirect(url_for("escalation.panic_sent", visit_id=visit_id), 303)


@bp.get("/bezoeken/<int:visit_id>/alarm-verstuurd")
@login_required
def panic_sent(visit_id: int):
    """Tell the worker the alarm went out, and offer to call 112 and the office."""
    visit = visit_or_404(get_db(), visit_id, current_user)
    return render_template("escalation/panic_sent.html", visit=visit)


def _countdown(seconds: int) -> str:
    """Say how long until (or since) the due time, as the countdown shows it."""
    minutes = abs(seconds) // 60
    if seconds >= 0:
        return _("nog %(m)d min", m=minutes)
    return _("%(m)d min te laat", m=minutes)


def ui_state(visit: dict) -> dict:
    """Return what the visit-actions fragment needs to draw itself."""
    state = {
        "has_pin": False,
        "can_act": False,
        "seconds_left": None,
        "overdue": False,
        "show_ok": False,
        "due_text": "",
        "countdown": "",
    }
    if current_user.is_authenticated:
        db = get_db()
        state["has_pin"] = (
            db.execute("select 1 from duress_pins where user_id = ?", [current_user.id]).fetchone()
            is not None
        )
        companion = db.execute(
            "select 1 from visit_companions where visit_id = ? and user_id = ?",
            [visit["id"], current_user.id],
        ).fetchone()
        state["can_act"] = current_user.id == visit["worker_id"] or companion is not None
    if visit.get("status") == "running" and visit.get("due_at"):
        left = int((parse(visit["due_at"]) - now()).total_seconds())
        state.update(
            seconds_left=left,
            overdue=left < 0,
            show_ok=left <= 600,
            due_text=local_text(visit["due_at"], "HH:mm"),
            countdown=_countdown(left),
        )
    return state
