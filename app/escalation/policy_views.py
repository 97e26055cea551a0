"""Edit a team's escalation policy (coordinator for their team, administrator for any)."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, users
from ..auth import role_required
from ..db import get_db
from . import office_bp, policy, reach
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
    rows += [{"delay": policy.split(""), "who": [], "channels": []}] * (
        policy.MAX_STEPS - len(rows)
    )
    return rows[: policy.MAX_STEPS]


def _shown(saved: dict) -> dict:
    """Return a saved policy as the form shows it: durations in minutes and seconds."""
    form = {
        name: policy.split(value) if name in policy.DURATIONS else value
        for name, value in saved.items()
        if name != "steps"
    }
    form["steps"] = [{**step, "delay": policy.split(step["delay"])} for step in saved["steps"]]
    return form


def _warnings(db, team_id: int, saved: dict) -> dict[int, list[str]]:
    """Return, per step of the saved ladder, who it cannot reach and what is not set up."""
    app = current_app._get_current_object()
    return {
        i: reach.step_warnings(app, db, team_id, step) for i, step in enumerate(saved["steps"])
    }


@office_bp.route("/escalatiebeleid", methods=["GET", "POST"])
@role_required(users.COORDINATOR, users.ADMIN)
def policy_edit():
    """Show and save the team's escalation ladder (durations in minutes and seconds)."""
    db = get_db()
    team_id = _team_id()
    current = policy.load(db, team_id)
    errors: dict[str, str] = {}
    form = _shown(current)
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
        warnings=_warnings(db, team_id, current),
        who_options=policy.WHO,
        channel_options=channel_labels(),
        team_id=team_id,
        teams=users.teams(db) if current_user.role == users.ADMIN else [],
        limits=policy.LIMITS,
    ), 422 if errors else 200


def _typed(name: str) -> dict | str:
    """Return a field as it was posted: a duration's minutes and seconds, or the text."""
    if f"{name}-min" in request.form or f"{name}-sec" in request.form:
        return {part: request.form.get(f"{name}-{part}", "") for part in ("min", "sec")}
    raw = request.form.get(name, "")
    return policy.split(raw) if raw.strip().isdigit() else {"min": "", "sec": raw}


def _submitted() -> dict:
    """Return the posted form in the policy's shape, to show it again with its errors."""
    form = {
        name: _typed(name) if name in policy.DURATIONS else request.form.get(name, "")
        for name in policy.LIMITS
    }
    steps = []
    for i in range(policy.MAX_STEPS):
        steps.append(
            {
                "delay": _typed(f"step-{i}-delay"),
                "who": request.form.getlist(f"step-{i}-who"),
                "channels": request.form.getlist(f"step-{i}-channels"),
            }
        )
    form["steps"] = steps
    return form
