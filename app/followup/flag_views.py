"""The team's warning flags: list, new flag, the notice to the citizen, an early end."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit
from ..clock import now
from ..db import get_db, transaction
from ..visits.history import MEASURE_KINDS
from . import bp, demo_year, flags, terms
from .checks import local_date
from .views import coordinator_only


def _page(errors: dict | None = None, target: str | None = None, status: int = 200):
    """Render the flags page; `target` names the form whose messages to show."""
    db = get_db()
    today = local_date(now())
    return render_template(
        "followup/flags.html",
        flags=flags.for_team(db, current_user.team_id, today),
        kinds=MEASURE_KINDS,
        methods=terms.NOTICE_METHODS,
        errors=errors or {},
        target=target,
        form=request.form if errors else {},
        today=today.isoformat(),
        demo_rows=demo_year.count(db, current_user.team_id),
    ), status


def _refused(action: str, errors: dict, target: str, flag_id=None):
    audit.record(
        f"flag.{action}",
        "refused",
        object_type="flag",
        object_id=flag_id,
        detail={"fields": sorted(errors)},
    )
    return _page(errors, target, 422)


def _stored(action: str, flag_id: int, detail: dict | None = None):
    audit.record(f"flag.{action}", object_type="flag", object_id=flag_id, detail=detail)
    flash(_("Opgeslagen."), "success")
    return redirect(url_for("followup.flags_page", _anchor=f"flag-{flag_id}"), 303)


@bp.get("/signaleringen")
@coordinator_only
def flags_page():
    """Show the team's flags: in force (incomplete ones marked) and recently ended."""
    return _page()


@bp.post("/signaleringen")
@coordinator_only
def flag_create():
    """Put a new flag on an address or case reference."""
    today = local_date(now())
    fields, errors = flags.check_new(request.form, today)
    if errors:
        return _refused("create", errors, "new")
    with transaction(get_db()):
        flag_id = flags.create(get_db(), current_user.team_id, fields, current_user.id)
    detail = {k: fields.get(k) for k in ("kind", "starts_on", "ends_on", "notice_on")}
    return _stored("create", flag_id, detail)


@bp.post("/signaleringen/<int:flag_id>/kennisgeving")
@coordinator_only
def flag_notice(flag_id: int):
    """Record when and how the citizen was told of a flag."""
    db = get_db()
    flag = flags.flag_or_404(db, flag_id, current_user)
    with transaction(db):
        errors = flags.set_notice(db, flag, request.form, local_date(now()))
    if errors:
        return _refused("notice", errors, f"notice-{flag_id}", flag_id)
    return _stored("notice", flag_id, {"notice_on": request.form.get("notice_on")})


@bp.post("/signaleringen/<int:flag_id>/beeindigen")
@coordinator_only
def flag_end(flag_id: int):
    """End a flag before its expiry, with a reason."""
    db = get_db()
    flag = flags.flag_or_404(db, flag_id, current_user)
    reason = request.form.get("end_reason", "")
    with transaction(db):
        errors = flags.end_early(db, flag, reason, current_user.id, local_date(now()))
    if errors:
        return _refused("end", errors, f"end-{flag_id}", flag_id)
    return _stored("end", flag_id)
