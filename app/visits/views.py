"""Plan, show, change and cancel a visit, and choose who goes along."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit, users
from ..auth import role_required
from ..clock import iso, now
from ..db import get_db, transaction
from ..escalation.screen import with_timer
from . import approval, assessments, bp, conditions, history, listing, planning
from .access import visit_or_404
from .gate import blockers_for

PLANNERS = (users.FIELD_WORKER, users.OFFICE, users.COORDINATOR)


def can_change(visit: dict, user) -> bool:
    """Tell whether a user may change a visit: the worker, its planner, office, coordinator."""
    return user.role in (users.OFFICE, users.COORDINATOR) or user.id in (
        visit["worker_id"],
        visit["created_by"],
    )


def _changeable(visit_id: int) -> dict:
    """Return a visit the user may change (404 when unseen, 403 when only theirs to see)."""
    visit = visit_or_404(get_db(), visit_id, current_user)
    if not can_change(visit, current_user):
        abort(403)
    return visit


def _form_page(visit: dict | None, values: dict, errors: dict, companions=()):
    """Render the plan form (new or change), 422 when it carries messages."""
    db = get_db()
    return render_template(
        "visits/form.html",
        visit=visit,
        values=values,
        errors=errors,
        chosen=[str(c.get("user_id")) for c in companions],
        kinds=planning.kind_options(),
        location_types=planning.LOCATION_TYPES,
        workers=[
            (w["id"], w["display_name"]) for w in planning.field_workers(db, current_user.team_id)
        ],
        colleagues=planning.colleagues(db, current_user.team_id, exclude=current_user.id),
        external_kinds=planning.EXTERNAL_KINDS,
    ), (422 if errors else 200)


@bp.route("/nieuw", methods=["GET", "POST"])
@role_required(*PLANNERS)
def new():
    """Plan a visit (a field worker for themselves, the office on a worker's behalf)."""
    if request.method == "GET":
        defaults = {
            "kind": "1:kitchen_table",
            "location_type": "home",
            "planned_start": planning.default_start(),
            "expected_minutes": 60,
        }
        return _form_page(None, defaults, {})
    db = get_db()
    values, companions, errors = planning.parse(
        request.form, db, current_user.team_id, current_user
    )
    if errors:
        return _form_page(None, request.form.to_dict(), errors, companions)
    with transaction(db):
        row = {**values, "team_id": current_user.team_id, "created_by": current_user.id}
        visit_id = (
            db["visits"].insert({**row, "created_at": iso(now()), "status": "planned"}).last_pk
        )
        for person in companions:
            db["visit_companions"].insert({"visit_id": visit_id, **person})
    audit.record("visit.create", object_type="visit", object_id=visit_id)
    return redirect(url_for("visits.assess", visit_id=visit_id), 303)


@bp.get("/mijn")
@login_required
def mine():
    """List the user's running and planned visits, a page at a time."""
    page = request.args.get("pagina", 1, type=int)
    if page < 1 or page > 10_000:
        abort(404)
    visits, more = listing.worker_page(get_db(), current_user.id, page)
    return render_template("visits/mine.html", visits=visits, page=page, more=more)


@bp.get("/<int:visit_id>")
@login_required
def detail(visit_id: int):
    """Show a visit: address, who goes, the assessment and what blocks the check-in."""
    return _detail_page(visit_or_404(get_db(), visit_id, current_user))


def _detail_page(visit: dict, errors: dict | None = None):
    """Render the visit page, with messages next to the companion fields if any."""
    db = get_db()
    assessment = assessments.current(db, visit)
    shown = {**with_timer(db, visit, current_user), "blockers": []}  # the gate lists them
    shown["approval"] = approval.for_check_in(db, visit)["approval"]
    page = render_template(
        "visits/detail.html",
        visit=shown,
        worker=users.get_user(db, visit["worker_id"]),
        companions=assessments.companions(db, visit["id"]),
        assessment=assessment,
        confirmed=assessments.confirmed_keys(db, assessment["id"]) if assessment else set(),
        blockers=blockers_for(db, visit),
        approvals=assessments.approvals(db, visit["id"]),
        known=history.known(db, visit),
        conditions=conditions.text(db, visit["team_id"]),
        colleague_options=[(c["id"], c["display_name"]) for c in _addable(db, visit)],
        external_kinds=planning.EXTERNAL_KINDS,
        can_change=can_change(visit, current_user),
        can_approve=current_user.role == users.COORDINATOR,
        errors=errors or {},
        form=request.form if errors else {},
    )
    return page, (422 if errors else 200)


def _addable(db, visit: dict) -> list[dict]:
    """Return the team colleagues not yet on the visit."""
    taken = {c["user_id"] for c in assessments.companions(db, visit["id"])}
    team = planning.colleagues(db, visit["team_id"], exclude=visit["worker_id"])
    return [c for c in team if c["id"] not in taken]


@bp.route("/<int:visit_id>/wijzigen", methods=["GET", "POST"])
@login_required
def edit(visit_id: int):
    """Change a planned visit; a change to what drives the risk means a new assessment."""
    visit = _changeable(visit_id)
    if visit["status"] != "planned":
        flash(
            _("Dit bezoek is al begonnen of afgerond en kan niet meer worden gewijzigd."), "error"
        )
        return redirect(url_for("visits.detail", visit_id=visit_id), 303)
    if request.method == "GET":
        values = {**visit, "kind": f"{visit['voluntary']}:{visit['purpose']}"}
        values["planned_start"] = planning.local_input(visit["planned_start"])
        return _form_page(visit, values, {})
    db = get_db()
    values, _none, errors = planning.parse(request.form, db, visit["team_id"], current_user, visit)
    if errors:
        return _form_page(visit, request.form.to_dict(), errors)
    changed = [f for f in planning.RISK_FIELDS if values[f] != visit[f]]
    with transaction(db):
        if changed:
            values.update(assessment_id=None, risk_level=None)
            assessments.revoke_approvals(db, visit_id)
            approval.withdraw(db, visit_id)
        db["visits"].update(visit_id, values)
    audit.record("visit.update", object_type="visit", object_id=visit_id, detail={"risk": changed})
    if changed:
        flash(_("Het bezoek is gewijzigd. Maak de risico-inschatting opnieuw."), "info")
        return redirect(url_for("visits.assess", visit_id=visit_id), 303)
    flash(_("Het bezoek is gewijzigd."), "success")
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)


@bp.post("/<int:visit_id>/annuleren")
@login_required
def cancel(visit_id: int):
    """Cancel a planned visit."""
    visit = _changeable(visit_id)
    if visit["status"] == "planned":
        with transaction(get_db()) as db:
            db["visits"].update(visit_id, {"status": "cancelled", "ended_reason": "cancelled"})
            approval.withdraw(db, visit_id)
        audit.record("visit.cancel", object_type="visit", object_id=visit_id)
        flash(_("Het bezoek is geannuleerd."), "success")
        return redirect(url_for("home.index"), 303)
    flash(_("Alleen een gepland bezoek kan worden geannuleerd."), "error")
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)


@bp.post("/<int:visit_id>/begeleiders")
@login_required
def add_companion(visit_id: int):
    """Add a colleague or an external companion (such as the police) to a planned visit."""
    visit = _changeable(visit_id)
    db = get_db()
    errors: dict[str, str] = {}
    person = None
    if request.form.get("companion"):
        ids = {str(c["id"]): c["id"] for c in _addable(db, visit)}
        if request.form["companion"] not in ids:
            errors["companion"] = _("Kies collega's uit de lijst.")
        else:
            person = {"user_id": ids[request.form["companion"]]}
    else:
        person = planning.external_companion(request.form, errors)
        if person is None:
            errors["companion"] = _("Kies een collega of vul een externe begeleider in.")
    if visit["status"] != "planned":
        errors["companion"] = _("Dit bezoek is al begonnen of afgerond.")
    if errors:
        return _detail_page(visit, errors)
    companion_id = db["visit_companions"].insert({"visit_id": visit_id, **person}).last_pk
    audit.record(
        "visit.companion.add",
        object_type="visit",
        object_id=visit_id,
        detail={"companion": companion_id},
    )
    return redirect(url_for("visits.detail", visit_id=visit_id, _anchor="begeleiders"), 303)


@bp.post("/<int:visit_id>/begeleiders/<int:companion_id>/verwijderen")
@login_required
def remove_companion(visit_id: int, companion_id: int):
    """Take a companion off a planned visit."""
    visit = _changeable(visit_id)
    db = get_db()
    if visit["status"] != "planned":
        return _detail_page(visit, {"companion": _("Dit bezoek is al begonnen of afgerond.")})
    removed = db.execute(
        "delete from visit_companions where id = ? and visit_id = ?", [companion_id, visit_id]
    ).rowcount
    if not removed:
        abort(404)
    audit.record(
        "visit.companion.remove",
        object_type="visit",
        object_id=visit_id,
        detail={"companion": companion_id},
    )
    return redirect(url_for("visits.detail", visit_id=visit_id, _anchor="begeleiders"), 303)
