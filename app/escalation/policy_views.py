"""Edit a team's escalation policy (coordinator for their team, administrator for any)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, users
from ..auth import role_required
from ..db import get_db
from . import office_bp, policy
from .channels import labels as channel_labels


def _team_id() -> int:
    """Return the team being edited: the coordinator's own, or the one an admin chose."""
    if current_user.role != users.ADMIN:
        return current_user.team_id
    raw = request.values.get("team", "")
    teams = users.teams(get_db())
    if not teams:
        abort(404)
    if not raw:
        return teams[0]["id"]
    if not raw.isdigit() or int(raw) not in {t["id"] for t in teams}:
        abort(404)
    return int(raw)


def _rows(current: dict) -> list[dict]:
    """Return the step rows of the form: the policy's steps and empty rows to add more."""
    rows = list(current["steps"])
    rows += [{"delay": "", "who": [], "channels": []}] * (policy.MAX_STEPS - len(rows))
    return rows[: policy.MAX_STEPS]


@office_bp.route("/escalatiebeleid", methods=["GET", "POST"])
@role_required(users.COORDINATOR, users.ADMIN)
def policy_edit():
    """Show and save the team's escalation ladder, in seconds."""
    db = get_db()
    team_id = _team_id()
    current = policy.load(db, team_id)
    errors: dict[str, str] = {}
    form = current
    if request.method == "POST":
        new, errors = policy.validate(request.form)
        if not errors:
            policy.save(db, team_id, new, current_user.id)
            audit.record("escalation.policy", object_type="team", object_id=team_id, detail=new)
            flash(
                _(
                    "Het escalatiebeleid is opgeslagen. Lopende bezoeken houden hun "
                    "ladder; nieuwe check-ins volgen het nieuwe beleid."
                ),
                "success",
            )
            return redirect(url_for("office.policy_edit", team=team_id), 303)
        audit.record("escalation.policy", "refused", object_type="team", object_id=team_id)
        form = _submitted()
    return render_template(
        "escalation/policy.html",
        form=form,
        rows=_rows(form),
        errors=errors,
        who_options=policy.WHO,
        channel_options=channel_labels(),
        team_id=team_id,
        teams=users.teams(db) if current_user.role == users.ADMIN else [],
        limits=policy.LIMITS,
    ), 422 if errors else 200


def _submitted() -> dict:
    """Return the posted form in the policy's shape, to show it again with its errors."""
    form = {name: request.form.get(name, "") for name in policy.LIMITS}
    steps = []
    for i in range(policy.MAX_STEPS):
        steps.append(
            {
                "delay": request.form.get(f"step-{i}-delay", ""),
                "who": request.form.getlist(f"step-{i}-who"),
                "channels": request.form.getlist(f"step-{i}-channels"),
            }
        )
    form["steps"] = steps
    return form
