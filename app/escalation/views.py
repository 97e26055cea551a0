"""The worker's visit buttons as plain form posts: check in, extend, "Ik ben oké", check out,
panic. The page script sends the same actions through the outbox (/sync), which is the API;
these views are what the buttons do without script.
"""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_db
from ..security import safe_next
from ..visits.access import visit_or_404
from . import actions, bp
from .errors import ActionError
from .screen import with_timer


def _location(form) -> tuple[str, str, str | None] | None:
    """Return the location the page filled in (only with the worker's consent), or None."""
    if form.get("lat") and form.get("lon"):
        return (form["lat"], form["lon"], form.get("accuracy") or None)
    return None


def _back(visit_id: int) -> str:
    """Return where to go after an action: the page it came from, if it is one of ours."""
    return safe_next(request.form.get("next"), url_for("timer.visit", visit_id=visit_id))


def _page(visit: dict, errors: list[str], status: int = 200):
    """Render a visit's timer and buttons, with the reasons an action was refused."""
    db = get_db()
    page = render_template(
        "escalation/actions_page.html", visit=with_timer(db, visit, current_user), errors=errors
    )
    return page, status


def _refused(error: ActionError, visit_id: int):
    """Show why an action was refused, next to the buttons; nothing was changed."""
    return _page(visit_or_404(get_db(), visit_id, current_user), error.messages, error.status)


@bp.get("/<int:visit_id>")
@login_required
def visit(visit_id: int):
    """Show a visit's timer and the big buttons for it."""
    return _page(visit_or_404(get_db(), visit_id, current_user), [])


@bp.post("/<int:visit_id>/inchecken")
@login_required
def check_in(visit_id: int):
    """Check in: the visit's timer starts."""
    form = request.form
    try:
        actions.check_in(
            get_db(), visit_id, current_user, at=form.get("at"), location=_location(form)
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(_back(visit_id), 303)


@bp.post("/<int:visit_id>/uitchecken")
@login_required
def check_out(visit_id: int):
    """Check out ("Ik ben veilig"); the answer is the same with the duress PIN."""
    form = request.form
    try:
        actions.check_out(
            get_db(), visit_id, current_user, at=form.get("at"), pin=form.get("pin") or None
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(url_for("timer.checked_out", visit_id=visit_id), 303)


@bp.get("/<int:visit_id>/uitgecheckt")
@login_required
def checked_out(visit_id: int):
    """Confirm the check-out and ask whether there was an incident."""
    visit = visit_or_404(get_db(), visit_id, current_user)
    return render_template(
        "escalation/checked_out.html",
        visit=visit,
        incident_url=url_for("incidents.new", visit_id=visit_id),
    )


@bp.post("/<int:visit_id>/verlengen")
@login_required
def extend(visit_id: int):
    """Extend a running visit by 15, 30 or a chosen number of minutes."""
    form = request.form
    reason = form.get("reason", "")
    if form.get("custom") and not reason.strip():
        return _refused(ActionError(_("Geef een reden voor de verlenging.")), visit_id)
    try:
        actions.extend(
            get_db(),
            visit_id,
            current_user,
            minutes=form.get("minutes"),
            reason=reason,
            at=form.get("at"),
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(_back(visit_id), 303)


@bp.post("/<int:visit_id>/oke")
@login_required
def im_ok(visit_id: int):
    """Answer a reminder with "Ik ben oké"."""
    try:
        actions.im_ok(get_db(), visit_id, current_user, at=request.form.get("at"))
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(_back(visit_id), 303)


@bp.post("/<int:visit_id>/alarm")
@login_required
def panic(visit_id: int):
    """Raise the panic alarm (after holding the button; without script, after a confirm)."""
    form = request.form
    visit = visit_or_404(get_db(), visit_id, current_user)
    if form.get("held") != "1":
        return render_template("escalation/panic_confirm.html", visit=visit)
    try:
        actions.panic(
            get_db(), visit_id, current_user, at=form.get("at"), location=_location(form)
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(url_for("timer.panic_sent", visit_id=visit_id), 303)


@bp.get("/<int:visit_id>/alarm-verstuurd")
@login_required
def panic_sent(visit_id: int):
    """Tell the worker the alarm went out, and offer to call 112 and the office."""
    visit = visit_or_404(get_db(), visit_id, current_user)
    return render_template("escalation/panic_sent.html", visit=visit)
