"""Pages and endpoints of incident reporting: the form, the offline shell, lists, sync."""

import uuid

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from .. import audit
from ..clock import form_value, iso, now
from ..db import get_db
from ..visits.access import visit_or_404
from . import bp, reports, sync, sync_bp, taxonomy, texts, visibility

SYNC_MAX_BYTES = 512 * 1024


def _team_member() -> None:
    """Allow reporting only to team members who meet citizens (not the administrator)."""
    if not visibility.can_report(current_user):
        abort(403)


def _form_page(values: dict, errors: dict, visit: dict | None, status: int = 200):
    """Render the report form with its values and messages."""
    page = render_template(
        "incidents/form.html",
        values=values,
        errors=errors,
        visit=visit,
        taxonomy=taxonomy,
        shell=False,
    )
    return page, status


@bp.get("/nieuw")
@login_required
def new():
    """Show the report form, prefilled from a visit when `?visit_id=` names one."""
    _team_member()
    visit = None
    if request.args.get("visit_id"):
        visit_id = request.args.get("visit_id", type=int)
        if visit_id is None:
            abort(404)
        visit = visit_or_404(get_db(), visit_id, current_user)
    values = {
        **reports.prefill(get_db(), visit),
        "client_id": str(uuid.uuid4()),
        "occurred_at": form_value(now()),
    }
    return _form_page(values, {}, visit)


@bp.post("/nieuw")
@login_required
def create():
    """Store a report sent by the plain form (the script sends through the outbox)."""
    _team_member()
    data = request.form.to_dict()
    data["behaviours"] = request.form.getlist("behaviours")
    client_id = data.pop("client_id", "")
    data.pop("csrf_token", None)
    if not sync.UUID.match(client_id):
        client_id = str(uuid.uuid4())
    # No phone time in the body: sending the same form twice is a repeat, not a conflict.
    item = {"id": client_id, "kind": "incident", "created_at": None, "data": data}
    result = sync.process_item(get_db(), 0, item, current_user, now())
    if result["outcome"] == "stored":
        return redirect(url_for("incidents.detail", incident_id=result["incident_id"]), 303)
    errors = result.get("errors") or {"form": result.get("message", "")}
    visit = None
    if "visit_id" not in errors and data.get("visit_id", "").isdigit():
        visit = visit_or_404(get_db(), int(data["visit_id"]), current_user)
    return _form_page({**data, "client_id": str(uuid.uuid4())}, errors, visit, 422)


@bp.get("/formulier")
def shell():
    """Serve the empty report form the service worker keeps for use without network.

    It holds no personal data and needs no login: the script files a report into the
    phone's outbox, and the outbox sends it once the worker is signed in and online.
    """
    page = render_template(
        "incidents/form.html", values={}, errors={}, visit=None, taxonomy=taxonomy, shell=True
    )
    return page


@bp.get("/")
@login_required
def index():
    """List the reports this user may see."""
    rows = visibility.reports_for(get_db(), current_user)
    return render_template("incidents/list.html", reports=rows)


@bp.get("/<int:incident_id>")
@login_required
def detail(incident_id: int):
    """Show one report to someone who may see it."""
    db = get_db()
    row = visibility.incident_or_404(db, incident_id, current_user)
    audit.record("incident.view", object_type="incident", object_id=incident_id)
    reporter = db["users"].get(row["reporter_id"])
    shown = visibility.for_display(row, current_user)
    return render_template(
        "incidents/detail.html", report=shown, reporter=reporter["display_name"]
    )


@sync_bp.get("/status")
@login_required
def status():
    """Tell the outbox who is signed in, with a CSRF token for sending."""
    return {
        "user_id": current_user.id,
        "csrf_token": generate_csrf(),
        "office_phone": texts.office_phone(get_db(), current_user.team_id).replace(" ", ""),
    }


@sync_bp.post("")
@login_required
def items():
    """Receive a batch of outbox items; answer one result per item, in order."""
    if (request.content_length or 0) > SYNC_MAX_BYTES:
        return {"error": _("Dit verzoek is te groot.")}, 413
    payload = request.get_json(silent=True)
    items = payload.get("items") if isinstance(payload, dict) else None
    if not isinstance(items, list):
        return {"error": _("Dit verzoek klopt niet: verwacht een lijst met items.")}, 400
    if len(items) > sync.MAX_ITEMS:
        message = _("Te veel items in één keer (hoogstens %(n)d).", n=sync.MAX_ITEMS)
        return {"error": message}, 413
    received = now()
    results = sync.process_batch(get_db(), items, current_user, received)
    return {"results": results, "received_at": iso(received)}
