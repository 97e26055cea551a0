"""The worker's visit buttons as plain form posts: check in, extend, "Alles goed", the answer
to the halfway check, check out, panic (also without a visit). The page script sends the same
actions through the outbox (/sync), which is the API; these views are what the buttons do
without script, and the pages they lead to.
"""

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..db import get_db
from ..incidents.texts import office_phone
from ..security import safe_next
from ..visits.access import visit_or_404
from ..visits.approval import for_check_in
from . import actions, bp, emergency, panic_report
from .errors import ActionError
from .screen import with_timer


def form_location(form) -> tuple[str, str, str | None] | None:
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
    visit = {**for_check_in(db, visit), "timer": with_timer(db, visit, current_user)["timer"]}
    page = render_template("escalation/actions_page.html", visit=visit, errors=errors)
    return page, status


def _refused(error: ActionError, visit_id: int):
    """Show why an action was refused, next to the buttons; nothing was changed."""
    return _page(visit_or_404(get_db(), visit_id, current_user), error.messages, error.status)


@bp.get("/zonder-verbinding")
def offline_visit():
    """Serve the running visit's screen the service worker keeps for use without signal.

    It names nobody and needs no login: the phone fills it in from its device record.
    """
    return render_template("escalation/offline_visit.html")


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
            get_db(), visit_id, current_user, at=form.get("at"), location=form_location(form)
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


@bp.post("/<int:visit_id>/halfweg")
@login_required
def halfway_ok(visit_id: int):
    """Answer the halfway check with "Alles goed"."""
    try:
        actions.halfway_ok(get_db(), visit_id, current_user, at=request.form.get("at"))
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(_back(visit_id), 303)


@bp.post("/<int:visit_id>/oke")
@login_required
def im_ok(visit_id: int):
    """Answer a reminder with "Alles goed — 15 min erbij"."""
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
            get_db(), visit_id, current_user, at=form.get("at"), location=form_location(form)
        )
    except ActionError as error:
        return _refused(error, visit_id)
    return redirect(url_for("timer.panic_sent", visit_id=visit_id), 303)


@bp.post("/alarm")
@login_required
def panic_without_visit():
    """Raise the panic alarm while no visit runs (held, or confirmed without script)."""
    form = request.form
    if form.get("held") != "1":
        return render_template("escalation/panic_confirm.html", visit=None)
    try:
        emergency.panic_without_visit(
            get_db(), current_user, at=form.get("at"), location=form_location(form)
        )
    except ActionError as error:
        return render_template("error.html", status=error.status, message=error.message), (
            error.status
        )
    return redirect(url_for("timer.panic_sent_without_visit"), 303)


def _report(visit_id: int | None) -> dict:
    """Return what the phone may say about the worker's last panic alarm (of this visit)."""
    db = get_db()
    if visit_id is not None:
        visit_or_404(db, visit_id, current_user)
    return panic_report.report(db, panic_report.latest(db, current_user, visit_id))


@bp.get("/<int:visit_id>/alarm-verstuurd")
@bp.get("/alarm-verstuurd", defaults={"visit_id": None}, endpoint="panic_sent_without_visit")
@login_required
def panic_sent(visit_id: int | None):
    """Say, discreetly and truly, what became of the alarm; 112 and the office one tap away."""
    return render_template(
        "escalation/panic_sent.html",
        visit_id=visit_id,
        report=_report(visit_id),
        office_phone=office_phone(get_db(), current_user.team_id).replace(" ", ""),
    )


@bp.get("/<int:visit_id>/alarm-verstuurd/stand")
@bp.get(
    "/alarm-verstuurd/stand", defaults={"visit_id": None}, endpoint="panic_status_without_visit"
)
@login_required
def panic_status(visit_id: int | None):
    """Return the alarm's state for the confirmation page to refresh (htmx)."""
    return render_template(
        "escalation/_panic_status.html", visit_id=visit_id, report=_report(visit_id)
    )
