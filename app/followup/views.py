"""The register and each incident's follow-up checklist; every change goes into the audit trail."""

import json

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import audit, users
from ..auth import role_required
from ..clock import iso, now
from ..db import get_db, transaction
from ..incidents import taxonomy
from ..incidents.visibility import for_display, incident_or_404
from ..visits.planning import kind_options
from . import bp, checklist, checks, demo_year, flags, register, store, terms, values
from .checks import local_date
from .sheet import sheet_context

coordinator_only = role_required(users.COORDINATOR)


def _incident(incident_id: int) -> dict:
    """Return an incident of the coordinator's team (404 for another team's)."""
    return incident_or_404(get_db(), incident_id, current_user)


@bp.get("/")
@coordinator_only
def index():
    """Show the team's incidents with their follow-up, filtered."""
    db, moment = get_db(), now()
    filters, errors = register.read_filters(request.args, local_date(moment))
    rows = register.rows(db, current_user.team_id, filters, moment)
    owners = store.names(db, {r["followup"].get("owner_id") for r in rows})
    page = render_template(
        "followup/register.html",
        rows=[{**for_display(r, current_user), **_register_extra(r, owners)} for r in rows],
        filters=filters,
        errors=errors,
        forms=taxonomy.FORMS,
        places=taxonomy.PLACE_KINDS,
        visit_kinds=kind_options(),
        demo_rows=demo_year.count(db, current_user.team_id),
    )
    return page, (400 if errors else 200)


def _register_extra(row: dict, owners: dict) -> dict:
    return {
        "states": row["states"],
        "closed": row["closed"],
        "overdue": row["overdue"],
        "owner_name": owners.get(row["followup"].get("owner_id")),
        "visit_kind_label": register.visit_kind_label(row),
    }


def _page(incident: dict, errors: dict | None = None, item: str | None = None, status=200):
    """Render the checklist of one incident, with the messages of one item's form if any."""
    db, moment = get_db(), now()
    row = store.get(db, incident["id"])
    talks = store.talks(db, incident["id"])
    states = checklist.items(incident, row, len(talks), moment)
    people = store.names(
        db,
        {row.get(k) for k in ("owner_id", "response_by", "police_by", "damage_by")}
        | {row.get("analysis_by"), row.get("closed_by"), incident["reporter_id"]},
    )
    visit = db["visits"].get(incident["visit_id"]) if incident["visit_id"] else None
    return render_template(
        "followup/checklist.html",
        report=for_display(incident, current_user),
        visit_kind=register.visit_kind_label(visit or {}),
        row=row,
        states=states,
        open_items=checklist.open_items(states),
        talks=talks,
        flags=flags.for_incident(db, incident["id"], local_date(moment)),
        people=people,
        coordinators=[
            (c["id"], c["display_name"]) for c in store.coordinators(db, incident["team_id"])
        ],
        choices=store.analysis_choices(db, incident["team_id"]),
        v=values.shown(row, incident, moment, current_user.display_name, item, request.form),
        closed_open=json.loads(row.get("closed_open") or "[]"),
        terms=terms,
        errors=errors or {},
        item=item,
        demo_rows=demo_year.count(db, incident["team_id"]),
    ), status


@bp.get("/<int:incident_id>")
@coordinator_only
def detail(incident_id: int):
    """Show an incident's follow-up checklist."""
    incident = _incident(incident_id)
    audit.record("followup.view", object_type="incident", object_id=incident_id)
    return _page(incident)


def _done(incident_id: int, item: str, detail: dict | None = None):
    """Record a stored change in the audit trail and go back to the checklist."""
    audit.record(f"followup.{item}", object_type="incident", object_id=incident_id, detail=detail)
    flash(_("Opgeslagen."), "success")
    return redirect(url_for("followup.detail", incident_id=incident_id, _anchor=item), 303)


def _refused(incident: dict, item: str, errors: dict):
    """Record a refused change (which fields) and show the form again with its messages."""
    audit.record(
        f"followup.{item}",
        "refused",
        object_type="incident",
        object_id=incident["id"],
        detail={"fields": sorted(errors)},
    )
    return _page(incident, errors, item, 422)


@bp.post("/<int:incident_id>/eigenaar")
@coordinator_only
def owner(incident_id: int):
    """Assign the follow-up to a coordinator of the team."""
    incident = _incident(incident_id)
    db = get_db()
    chosen = request.form.get("owner_id", type=int)
    if chosen not in {c["id"] for c in store.coordinators(db, incident["team_id"])}:
        return _refused(incident, "owner", {"owner_id": _("Kies een coördinator van het team.")})
    with transaction(db):
        store.save(db, incident, {"owner_id": chosen}, current_user.id)
    return _done(incident_id, "owner", {"owner_id": chosen})


@bp.post("/<int:incident_id>/reactie")
@coordinator_only
def response(incident_id: int):
    """Record the response to the perpetrator; a ban with an end date becomes a flag."""
    incident = _incident(incident_id)
    db = get_db()
    columns, errors, flag = checks.response(request.form, incident, now())
    if errors:
        return _refused(incident, "response", errors)
    with transaction(db):
        store.save(db, incident, columns, current_user.id, "response")
        flag_id = None
        if flag and (incident["address_key"] or incident["case_ref"]):
            where = {"address_key": incident["address_key"], "case_ref": incident["case_ref"]}
            flag_id = flags.create(
                db, incident["team_id"], flag | where, current_user.id, incident_id
            )
    detail = {"kind": columns["response_kind"], "at": columns["response_at"], "flag": flag_id}
    return _done(incident_id, "response", detail)


def _record(incident_id: int, item: str, check, audited):
    """Check an item's form, store its columns with who and when, and audit the choices.

    `audited` names the columns the audit line keeps, or turns the columns into its detail.
    """
    incident = _incident(incident_id)
    columns, errors = check(request.form, incident)
    if errors:
        return _refused(incident, item, errors)
    with transaction(get_db()):
        store.save(get_db(), incident, columns, current_user.id, item)
    detail = audited(columns) if callable(audited) else {key: columns[key] for key in audited}
    return _done(incident_id, item, detail)


@bp.post("/<int:incident_id>/aangifte")
@coordinator_only
def police(incident_id: int):
    """Record the police report: wanted, filed (by whom, when, reference) or not and why."""
    audited = ("police_status", "police_filed_by", "police_filed_on", "police_vpt")
    return _record(incident_id, "police", lambda f, i: checks.police(f, i, now()), audited)


@bp.get("/<int:incident_id>/aangifte/informatieblad")
@coordinator_only
def police_sheet(incident_id: int):
    """Show the printable sheet to take to the police: who, what, where, when, how, why."""
    incident = _incident(incident_id)
    audit.record("followup.police_sheet", object_type="incident", object_id=incident_id)
    return render_template("followup/police_sheet.html", **sheet_context(get_db(), incident))


@bp.post("/<int:incident_id>/schade")
@coordinator_only
def damage(incident_id: int):
    """Record the damage and its recovery."""
    return _record(
        incident_id, "damage", lambda f, i: checks.damage(f, i, now()), ("damage_status",)
    )


@bp.post("/<int:incident_id>/nazorg")
@coordinator_only
def aftercare(incident_id: int):
    """Record one aftercare talk."""
    incident = _incident(incident_id)
    columns, errors = checks.talk(request.form, incident, now())
    if errors:
        return _refused(incident, "aftercare", errors)
    with transaction(get_db()):
        talk_id = store.add_talk(get_db(), incident, columns, current_user.id)
    detail = {"talk": talk_id, "held_on": columns["held_on"], "referral": columns["referral"]}
    return _done(incident_id, "aftercare", detail)


@bp.post("/<int:incident_id>/analyse")
@coordinator_only
def analysis(incident_id: int):
    """Record the analysis: what was missing or failed, the lessons, the protocol question."""

    def check(form, incident):
        return checks.analysis(form, store.analysis_choices(get_db(), incident["team_id"]))

    def audited(columns: dict) -> dict:
        missing = [m["key"] for m in store.missing_measures(columns)]
        return {"missing": missing, "protocol_change": columns["analysis_protocol_change"]}

    return _record(incident_id, "analysis", check, audited)


@bp.post("/<int:incident_id>/afsluiten")
@coordinator_only
def close(incident_id: int):
    """Close the follow-up, naming everything still open; with open items a note is needed."""
    incident = _incident(incident_id)
    db = get_db()
    row = store.get(db, incident_id)
    if row.get("closed_at"):
        return _refused(incident, "close", {"closure_note": _("Deze opvolging is al afgesloten.")})
    states = checklist.items(incident, row, len(store.talks(db, incident_id)), now())
    still_open = checklist.open_items(states)
    note = request.form.get("closure_note", "").strip()
    if len(note) > 1000:
        return _refused(incident, "close", {"closure_note": _("Te lang: hoogstens 1000 tekens.")})
    if still_open and not note:
        message = _("Er staat nog iets open: schrijf waarom u toch afsluit.")
        return _refused(incident, "close", {"closure_note": message})
    columns = {
        "closed_at": iso(now()),
        "closed_by": current_user.id,
        "closed_open": json.dumps(still_open, ensure_ascii=False),
        "closure_note": note or None,
    }
    with transaction(db):
        store.save(db, incident, columns, current_user.id)
    return _done(incident_id, "close", {"open_items": len(still_open)})


@bp.post("/<int:incident_id>/heropenen")
@coordinator_only
def reopen(incident_id: int):
    """Open a closed follow-up again."""
    incident = _incident(incident_id)
    db = get_db()
    if not store.get(db, incident_id).get("closed_at"):
        return _refused(
            incident, "close", {"closure_note": _("Deze opvolging is niet afgesloten.")}
        )
    columns = {"closed_at": None, "closed_by": None, "closed_open": None, "closure_note": None}
    with transaction(db):
        store.save(db, incident, columns, current_user.id)
    return _done(incident_id, "reopen")
