"""Administration: teams and users, and a view of the audit trail."""

import re

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from . import audit, sessions, two_factor, users
from .auth import role_required
from .db import get_db

bp = Blueprint("admin", __name__, url_prefix="/beheer")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
PHONE = re.compile(r"^\+?[0-9 ()-]{6,20}$")


@bp.get("/")
@role_required(users.ADMIN)
def index():
    """List teams and users."""
    db = get_db()
    rows = db.query(
        "select u.*, t.name as team_name from users u left join teams t on t.id = u.team_id "
        "order by u.active desc, u.display_name"
    )
    return render_template(
        "admin/index.html", users=list(rows), teams=users.teams(db), roles=users.ROLES
    )


def _user_form(db, existing: dict | None) -> tuple[dict, dict[str, str]]:
    """Read and check the user form; return the values and messages per field."""
    form = request.form
    values = {
        "display_name": form.get("display_name", "").strip(),
        "role": form.get("role", ""),
        "team_id": form.get("team_id", "").strip(),
        "phone": form.get("phone", "").strip() or None,
        "language": form.get("language") or None,
    }
    errors = {}
    if existing is None:
        values["username"] = form.get("username", "").strip().lower()
        if not USERNAME.match(values["username"]):
            errors["username"] = _(
                "Gebruik 3 tot 50 kleine letters, cijfers, punt, streepje of liggend streepje."
            )
        elif users.find_by_username(db, values["username"]):
            errors["username"] = _("Deze gebruikersnaam bestaat al.")
        values["password"] = form.get("password", "")
        problem = users.password_problem(values["password"], values["username"])
        if problem:
            errors["password"] = problem
    if not values["display_name"] or len(values["display_name"]) > 100:
        errors["display_name"] = _("Vul een naam in (hoogstens 100 tekens).")
    if values["role"] not in users.ROLES:
        errors["role"] = _("Kies een rol uit de lijst.")
    team_ids = {str(t["id"]) for t in users.teams(db, active_only=True)}
    if existing and existing["team_id"]:
        team_ids.add(str(existing["team_id"]))
    # Only an administrator may be without a team.
    if values["team_id"] not in team_ids and (values["team_id"] or values["role"] != users.ADMIN):
        errors["team_id"] = _("Kies een team uit de lijst.")
    values["team_id"] = int(values["team_id"]) if values["team_id"] in team_ids else None
    if values["phone"] and not PHONE.match(values["phone"]):
        errors["phone"] = _("Vul een telefoonnummer in, bijvoorbeeld 06 12345678.")
    if values["language"] not in (None, *users.LANGUAGES):
        errors["language"] = _("Kies een taal uit de lijst.")
    return values, errors


def _render_user_form(user: dict | None, values: dict, errors: dict[str, str]):
    return render_template(
        "admin/user_form.html",
        user=user,
        values=values,
        errors=errors,
        roles=users.ROLES,
        teams=[(t["id"], t["name"]) for t in users.teams(get_db())],
        languages=users.LANGUAGES,
    ), (422 if errors else 200)


@bp.route("/gebruikers/nieuw", methods=["GET", "POST"])
@role_required(users.ADMIN)
def create_user():
    """Create a user."""
    if request.method == "GET":
        return _render_user_form(None, {"role": users.FIELD_WORKER}, {})
    db = get_db()
    values, errors = _user_form(db, None)
    if errors:
        return _render_user_form(None, values, errors)
    user_id = users.create_user(db, **values)
    audit.record(
        "admin.user.create",
        object_type="user",
        object_id=user_id,
        detail={"username": values["username"], "role": values["role"]},
    )
    flash(_("Gebruiker %(name)s is aangemaakt.", name=values["display_name"]), "success")
    return redirect(url_for("admin.index"), 303)


def _get_user_or_404(user_id: int) -> dict:
    row = users.get_user(get_db(), user_id)
    if row is None:
        abort(404)
    return row


@bp.route("/gebruikers/<int:user_id>", methods=["GET", "POST"])
@role_required(users.ADMIN)
def edit_user(user_id: int):
    """Edit a user's name, role, team, phone and language."""
    row = _get_user_or_404(user_id)
    if request.method == "GET":
        return _render_user_form(row, row, {})
    db = get_db()
    values, errors = _user_form(db, row)
    if errors:
        return _render_user_form(row, {**row, **values}, errors)
    changed = {k: v for k, v in values.items() if row[k] != v}
    db["users"].update(user_id, values)
    audit.record("admin.user.update", object_type="user", object_id=user_id, detail=changed)
    flash(_("De gegevens zijn opgeslagen."), "success")
    return redirect(url_for("admin.index"), 303)


@bp.post("/gebruikers/<int:user_id>/actief")
@role_required(users.ADMIN)
def set_active(user_id: int):
    """Deactivate (ending every session at once) or reactivate a user."""
    from flask_login import current_user

    row = _get_user_or_404(user_id)
    active = request.form.get("active") == "1"
    if user_id == current_user.id and not active:
        flash(_("U kunt uw eigen account niet deactiveren."), "error")
        return redirect(url_for("admin.index"), 303)
    db = get_db()
    db["users"].update(user_id, {"active": int(active)})
    ended = 0 if active else sessions.end_all(db, user_id, "deactivated")
    action = "admin.user.activate" if active else "admin.user.deactivate"
    audit.record(action, object_type="user", object_id=user_id, detail={"sessions_ended": ended})
    if active:
        flash(_("%(name)s is weer actief.", name=row["display_name"]), "success")
    else:
        flash(
            _("%(name)s is gedeactiveerd en overal uitgelogd.", name=row["display_name"]),
            "success",
        )
    return redirect(url_for("admin.index"), 303)


@bp.post("/gebruikers/<int:user_id>/tweestaps")
@role_required(users.ADMIN)
def reset_two_factor(user_id: int):
    """Switch a user's second factor off (a lost phone), ending every session, audited."""
    row = _get_user_or_404(user_id)
    db = get_db()
    two_factor.reset(db, user_id)
    ended = sessions.end_all(db, user_id, "two_factor_reset")
    audit.record(
        "admin.user.two_factor_reset",
        object_type="user",
        object_id=user_id,
        detail={"sessions_ended": ended},
    )
    flash(
        _(
            "De tweestapsverificatie van %(name)s is hersteld; bij de volgende keer inloggen "
            "stelt die haar opnieuw in.",
            name=row["display_name"],
        ),
        "success",
    )
    return redirect(url_for("admin.index"), 303)


@bp.post("/teams")
@role_required(users.ADMIN)
def create_team():
    """Create a team."""
    db = get_db()
    name = request.form.get("name", "").strip()
    if not name or len(name) > 100:
        flash(_("Vul een teamnaam in (hoogstens 100 tekens)."), "error")
    elif any(t["name"].lower() == name.lower() for t in users.teams(db)):
        flash(_("Er is al een team met deze naam."), "error")
    else:
        team_id = users.create_team(db, name)
        audit.record(
            "admin.team.create", object_type="team", object_id=team_id, detail={"name": name}
        )
        flash(_("Team %(name)s is aangemaakt.", name=name), "success")
    return redirect(url_for("admin.index"), 303)


@bp.post("/teams/<int:team_id>")
@role_required(users.ADMIN)
def update_team(team_id: int):
    """Rename, deactivate or reactivate a team."""
    db = get_db()
    team = next((t for t in users.teams(db) if t["id"] == team_id), None)
    if team is None:
        abort(404)
    name = request.form.get("name", team["name"]).strip()
    active = 1 if request.form.get("active", str(team["active"])) == "1" else 0
    # A checkbox after a hidden "0": the last value sent counts.
    chosen = request.form.getlist("two_factor_workers") or [str(team["two_factor_workers"])]
    workers_2fa = 1 if chosen[-1] == "1" else 0
    if not name or len(name) > 100:
        flash(_("Vul een teamnaam in (hoogstens 100 tekens)."), "error")
        return redirect(url_for("admin.index"), 303)
    if any(t["name"].lower() == name.lower() and t["id"] != team_id for t in users.teams(db)):
        flash(_("Er is al een team met deze naam."), "error")
        return redirect(url_for("admin.index"), 303)
    db["teams"].update(
        team_id, {"name": name, "active": active, "two_factor_workers": workers_2fa}
    )
    audit.record(
        "admin.team.update",
        object_type="team",
        object_id=team_id,
        detail={"name": name, "active": active, "two_factor_workers": workers_2fa},
    )
    flash(_("Team %(name)s is opgeslagen.", name=name), "success")
    return redirect(url_for("admin.index"), 303)


@bp.get("/audit")
@role_required(users.ADMIN)
def audit_log():
    """Show the latest lines of the audit trail."""
    rows = get_db().query("select * from audit_log order by id desc limit 200")
    return render_template("admin/audit.html", rows=list(rows))
