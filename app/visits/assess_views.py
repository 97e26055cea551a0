"""The risk assessment before a visit, confirming its measures, a coordinator's approval."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit, users
from ..auth import role_required
from ..db import get_db
from . import assessments, bp, history, planning, protocol, risk
from .access import visit_or_404
from .gate import check_in_blockers
from .views import _changeable, _detail_page

MAX_REASON = 500


def _planned_or_back(visit: dict):
    """Send the user back to the visit when it is no longer planned; None when it is."""
    if visit["status"] == "planned":
        return None
    flash(_("Dit bezoek is al begonnen of afgerond."), "error")
    return redirect(url_for("visits.detail", visit_id=visit["id"]), 303)


def _assess_page(visit, proto, known, answers, confirmed, errors, status=200):
    """Render the assessment form with the outcome the current answers give."""
    body = proto["body"]
    return render_template(
        "visits/assess.html",
        visit=visit,
        protocol=proto,
        questions=risk.applicable_questions(body, bool(visit["voluntary"])),
        answers=answers,
        forced=risk.locked(known),
        known=known,
        outcome=risk.score(body, answers, bool(visit["voluntary"])),
        confirmed=set(confirmed),
        purpose=planning.purpose_label(visit["voluntary"], visit["purpose"]),
        errors=errors,
    ), status


@bp.route("/<int:visit_id>/inschatting", methods=["GET", "POST"])
@login_required
def assess(visit_id: int):
    """Show and save the risk assessment (dreigingsanalyse) of a planned visit."""
    visit = _changeable(visit_id)
    back = _planned_or_back(visit)
    if back:
        return back
    db = get_db()
    proto = protocol.current(db, visit["team_id"])
    known = history.known(db, visit)
    if request.method == "GET":
        return _assess_page(visit, proto, known, risk.prefill(db, visit, known), [], {})
    voluntary = bool(visit["voluntary"])
    answers, missing = risk.read_answers(
        request.form, proto["body"], voluntary, risk.locked(known)
    )
    confirmed = request.form.getlist("measure")
    errors = {f"a-{key}": _("Beantwoord deze vraag met ja of nee.") for key in missing}
    if request.form.get("protocol_id") != str(proto["id"]):
        errors["protocol"] = _("Het protocol is zojuist gewijzigd. Controleer de vragen opnieuw.")
    if errors:
        return _assess_page(visit, proto, known, answers, confirmed, errors, 422)
    outcome = risk.score(proto["body"], answers, voluntary)
    assessment_id = assessments.save(
        db, visit, proto["id"], answers, outcome, current_user.id, confirmed
    )
    audit.record(
        "visit.assess",
        object_type="visit",
        object_id=visit_id,
        detail={
            "assessment": assessment_id,
            "level": outcome["level"],
            "protocol_version": proto["version"],
        },
    )
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)


@bp.post("/<int:visit_id>/inschatting/uitkomst")
@login_required
def assess_preview(visit_id: int):
    """Return the outcome fragment for the answers so far (htmx), saving nothing."""
    visit = _changeable(visit_id)
    db = get_db()
    proto = protocol.current(db, visit["team_id"])
    known = history.known(db, visit)
    voluntary = bool(visit["voluntary"])
    answers, _missing = risk.read_answers(
        request.form, proto["body"], voluntary, risk.locked(known)
    )
    return render_template(
        "visits/_outcome.html",
        outcome=risk.score(proto["body"], answers, voluntary),
        confirmed=set(request.form.getlist("measure")),
        editable=True,
    )


@bp.post("/<int:visit_id>/maatregelen")
@login_required
def confirm_measures(visit_id: int):
    """Confirm measures of the current assessment (e.g. after arranging them)."""
    visit = _changeable(visit_id)
    db = get_db()
    assessment = assessments.current(db, visit)
    errors = {}
    if visit["status"] != "planned":
        errors["measure"] = _("Dit bezoek is al begonnen of afgerond.")
    elif assessment is None:
        errors["measure"] = _("Maak eerst de risico-inschatting.")
    else:
        added = assessments.confirm(
            db, assessment, request.form.getlist("measure"), current_user.id
        )
        if not added:
            errors["measure"] = _("Vink de maatregelen aan die geregeld zijn.")
    if errors:
        return _detail_page(visit, errors)
    audit.record("visit.measures", object_type="visit", object_id=visit_id, detail={"keys": added})
    return redirect(url_for("visits.detail", visit_id=visit_id, _anchor="risico"), 303)


@bp.post("/<int:visit_id>/toestemming")
@role_required(users.COORDINATOR)
def approve(visit_id: int):
    """Record a coordinator's approval (who, why, when) that lets the check-in go ahead."""
    db = get_db()
    visit = visit_or_404(db, visit_id, current_user)
    reason = " ".join(request.form.get("reason", "").split())
    blockers = check_in_blockers(db, visit_id)
    errors = {}
    if visit["status"] != "planned":
        errors["reason"] = _("Dit bezoek is al begonnen of afgerond.")
    elif not blockers:
        errors["reason"] = _("Er staat niets in de weg: toestemming is niet nodig.")
    elif not 5 <= len(reason) <= MAX_REASON:
        errors["reason"] = _("Schrijf kort waarom u toestemming geeft (5 tot 500 tekens).")
    if errors:
        return _detail_page(visit, errors)
    approval_id = assessments.approve(db, visit, current_user.id, reason, blockers)
    audit.record(
        "visit.approve",
        object_type="visit",
        object_id=visit_id,
        detail={"approval": approval_id, "waived": blockers},
    )
    flash(_("Uw toestemming is vastgelegd."), "success")
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)
