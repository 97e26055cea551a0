"""The risk assessment before a visit, confirming its measures, a coordinator's approval."""

from datetime import timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import audit, users
from ..auth import role_required
from ..clock import now, parse
from ..db import get_db
from ..security import safe_next
from . import approval, assessments, bp, history, planning, protocol, risk
from .access import is_on_visit, visit_or_404
from .gate import check_in_blockers
from .views import _changeable, _detail_page

MAX_REASON = 500


def _planned_or_back(visit: dict):
    """Send the user back to the visit when it is no longer planned; None when it is."""
    if visit["status"] == "planned":
        return None
    flash(_("Dit bezoek is al begonnen of afgerond."), "error")
    return redirect(url_for("visits.detail", visit_id=visit["id"]), 303)


CHECK_IN_AHEAD = timedelta(hours=1)  # "Opslaan en inchecken" for a visit about to start


def _assess_page(visit, proto, known, facts, answers, confirmed, errors, status=200):
    """Render the assessment form with the outcome the current answers give."""
    body = proto["body"]
    soon = parse(visit["planned_start"]) - now() <= CHECK_IN_AHEAD
    return render_template(
        "visits/assess.html",
        visit=visit,
        protocol=proto,
        questions=risk.applicable_questions(body, bool(visit["voluntary"])),
        answers=answers,
        facts=facts,
        none_apply=answers.get(risk.NONE_APPLY, False),
        known=known,
        outcome=risk.score(body, answers, bool(visit["voluntary"])),
        confirmed=set(confirmed),
        purpose=planning.purpose_label(visit["voluntary"], visit["purpose"]),
        can_check_in=soon and is_on_visit(get_db(), visit, current_user.id),
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
    facts = risk.known_facts(db, visit, known)
    if request.method == "GET":
        return _assess_page(visit, proto, known, facts, dict.fromkeys(facts, True), [], {})
    voluntary = bool(visit["voluntary"])
    answers, missing = risk.read_answers(request.form, proto["body"], voluntary, facts)
    confirmed = request.form.getlist("measure")
    errors = {f"a-{key}": _("Beantwoord deze vraag met ja of nee.") for key in missing}
    if risk.NONE_APPLY in missing:
        errors = {
            "a-none_apply": _(
                "Vink aan wat van toepassing is, of alleen ‘Geen van deze’. "
                "Een lege lijst is geen nee."
            )
        }
    if request.form.get("protocol_id") != str(proto["id"]):
        errors["protocol"] = _("Het protocol is zojuist gewijzigd. Controleer de vragen opnieuw.")
    if errors:
        shown = {**answers, risk.NONE_APPLY: request.form.get(risk.NONE_APPLY) == "yes"}
        return _assess_page(visit, proto, known, facts, shown, confirmed, errors, 422)
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
    if request.form.get("check_in"):
        return _check_in_after(db, visit_id)
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)


def _check_in_after(db, visit_id: int):
    """Check in straight after saving the assessment, when nothing stands in the way."""
    from ..escalation import actions
    from ..escalation.views import form_location

    try:
        where = form_location(request.form)
        actions.check_in(db, visit_id, current_user, at=None, location=where)
    except actions.ActionError:
        flash(_("De inschatting is opgeslagen. Inchecken kan nog niet: zie hieronder."), "error")
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
    facts = risk.known_facts(db, visit, known)
    answers, _missing = risk.read_answers(request.form, proto["body"], voluntary, facts)
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
    approval.decide(db, visit, current_user, given=True, reason=reason)
    audit.record(
        "visit.approve",
        object_type="visit",
        object_id=visit_id,
        detail={"approval": approval_id, "waived": blockers},
    )
    flash(_("Uw toestemming is vastgelegd."), "success")
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)


@bp.post("/<int:visit_id>/toestemming/vragen")
@login_required
def ask_approval(visit_id: int):
    """Ask the team's coordinators, with one tap, for the approval a check-in is waiting on."""
    visit = _changeable(visit_id)
    db = get_db()
    if not approval.can_ask(db, visit):
        flash(_("Voor dit bezoek is geen toestemming van de coördinator nodig."), "error")
        return redirect(url_for("visits.detail", visit_id=visit_id), 303)
    request_row = approval.ask(db, visit, current_user)
    audit.record(
        "visit.approval.ask",
        object_type="visit",
        object_id=visit_id,
        detail={"request": request_row["id"]},
    )
    flash(_("Uw verzoek is naar de coördinator gestuurd. U krijgt bericht."), "success")
    back = url_for("visits.detail", visit_id=visit_id)
    return redirect(safe_next(request.form.get("next"), back), 303)


@bp.post("/<int:visit_id>/toestemming/weigeren")
@role_required(users.COORDINATOR)
def refuse_approval(visit_id: int):
    """Refuse a worker's request for approval, with a reason they will read."""
    db = get_db()
    visit = visit_or_404(db, visit_id, current_user)
    reason = " ".join(request.form.get("refusal", "").split())
    request_row = approval.latest(db, visit_id)
    errors = {}
    if request_row is None or request_row["status"] != "pending":
        errors["refusal"] = _("Er wacht geen verzoek om toestemming.")
    elif not 5 <= len(reason) <= MAX_REASON:
        errors["refusal"] = _("Schrijf kort waarom u weigert (5 tot 500 tekens).")
    if errors:
        return _detail_page(visit, errors)
    approval.decide(db, visit, current_user, given=False, reason=reason)
    audit.record(
        "visit.approval.refuse",
        object_type="visit",
        object_id=visit_id,
        detail={"request": request_row["id"]},
    )
    flash(_("De medewerker krijgt bericht dat u geen toestemming geeft."), "success")
    return redirect(url_for("visits.detail", visit_id=visit_id), 303)
