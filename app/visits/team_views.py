"""Team pages: planned visits, the editable protocol and conditions, the protocol card."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, users
from ..auth import role_required
from ..db import get_db
from . import bp, conditions, labels, listing, protocol
from . import defaults as d

EDITORS = (users.COORDINATOR, users.ADMIN)
TEXT_EDITORS = (users.OFFICE, users.COORDINATOR, users.ADMIN)
BLANK_ROWS = 2


@bp.get("/team")
@role_required(users.OFFICE, users.COORDINATOR)
def team():
    """List the team's running and planned visits for the office and the coordinator."""
    visits = listing.team_planned(get_db(), current_user.team_id)
    return render_template("visits/team.html", visits=visits)


def _team_id() -> int:
    """Return the team whose protocol is edited: one's own, or an administrator's choice."""
    if current_user.role == users.ADMIN:
        teams = {str(t["id"]): t["id"] for t in users.teams(get_db())}
        chosen = request.values.get("team") or str(current_user.team_id or "")
        if chosen in teams:
            return teams[chosen]
        if not teams:
            abort(404)
        return next(iter(teams.values()))
    return current_user.team_id


def _protocol_page(team_id: int, body: dict, errors: dict, status: int = 200):
    """Render the protocol editor with two blank rows for a new question and measure."""
    db = get_db()
    versions = db.execute(
        "select p.version, p.created_at, u.display_name from risk_protocols p "
        "left join users u on u.id = p.created_by where p.team_id = ? order by p.version desc",
        [team_id],
    ).fetchall()
    blank_q = {"key": "", "label": "", "weight": 1, "scope": d.ALL}
    blank_m = {"key": "", "label": "", "kind": d.CONFIRM, "scope": d.ALL, "levels": []}
    return render_template(
        "visits/protocol_edit.html",
        team_id=team_id,
        teams=users.teams(db) if current_user.role == users.ADMIN else [],
        body=body,
        questions=body["questions"] + [blank_q] * BLANK_ROWS,
        measures=body["measures"] + [blank_m] * BLANK_ROWS,
        versions=[dict(v) for v in versions],
        labels=labels,
        levels=d.LEVELS,
        errors=errors,
    ), status


@bp.route("/protocol", methods=["GET", "POST"])
@role_required(*EDITORS)
def protocol_edit():
    """Edit the team protocol; saving makes a new version, old assessments keep theirs."""
    db = get_db()
    team_id = _team_id()
    current = protocol.current(db, team_id)
    if request.method == "GET":
        return _protocol_page(team_id, current["body"], {})
    body, errors = protocol.parse_form(request.form)
    if request.form.get("based_on") != str(current["version"]):
        errors["based_on"] = _(
            "Iemand anders heeft het protocol intussen gewijzigd. Laad de pagina opnieuw."
        )
    if errors:
        return _protocol_page(team_id, body, errors, 422)
    saved = protocol.save_new_version(db, team_id, body, current_user.id)
    audit.record(
        "protocol.update",
        object_type="team",
        object_id=team_id,
        detail={"version": saved["version"]},
    )
    flash(_("Versie %(n)d van het protocol is opgeslagen.", n=saved["version"]), "success")
    return redirect(url_for("visits.protocol_edit", team=team_id), 303)


@bp.route("/voorwaarden", methods=["GET", "POST"])
@role_required(*TEXT_EDITORS)
def conditions_edit():
    """Edit the team's conditions for the citizen (shown with every visit)."""
    db = get_db()
    team_id = _team_id()
    if request.method == "GET":
        body, error = conditions.text(db, team_id), None
    else:
        body, error = conditions.check(request.form.get("body", ""))
        if error is None:
            conditions.save(db, team_id, body, current_user.id)
            audit.record("conditions.update", object_type="team", object_id=team_id)
            flash(_("De voorwaarden zijn opgeslagen."), "success")
            return redirect(url_for("visits.conditions_edit", team=team_id), 303)
    return render_template(
        "visits/conditions_edit.html",
        body=body,
        team_id=team_id,
        teams=users.teams(db) if current_user.role == users.ADMIN else [],
        errors={"body": error} if error else {},
    ), (422 if error else 200)


@bp.get("/protocolkaart")
def protocol_card():
    """Show the norm and what to do when it is crossed (no personal data: works offline too)."""
    # shell_only hides the user's name, so the page can be cached for use without signal.
    return render_template("visits/protocol_card.html", shell_only=True)
