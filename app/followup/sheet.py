"""The information sheet a worker takes to the police: the report's facts, in the police's order.

Who, what, where, when, how, with what and why, built from the report and its visit; the
employer's address (VOP_EMPLOYER_ADDRESS) instead of the worker's home address, and the
public-task (VPT) marking so the police and prosecution agreements apply.
"""

from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlite_utils import Database

from ..clock import localtime
from ..incidents import taxonomy
from ..incidents.visibility import for_display
from . import register, store

# Behaviours that answer "with what": a weapon or an object.
WITH_WHAT = ("weapon", "throw_object", "vandalism")


def _with_what(report: dict) -> str:
    codes = [c for c in WITH_WHAT if c in (report.get("behaviours") or "")]
    if not codes:
        return _("Geen wapen of voorwerp gemeld.")
    return ", ".join(taxonomy.behaviour_label(code) for code in codes)


def _where(report: dict) -> str:
    address = " ".join(
        part
        for part in (
            report.get("street"),
            report.get("house_number"),
            report.get("postcode"),
            report.get("city"),
        )
        if part
    )
    return f"{report['place_label']}: {address}" if address else report["place_label"]


def sheet_context(db: Database, incident: dict) -> dict:
    """Return what the sheet shows for an incident."""
    report = for_display(incident, current_user)
    row = store.get(db, incident["id"])
    visit = db["visits"].get(incident["visit_id"]) if incident["visit_id"] else {}
    reporter = db["users"].get(incident["reporter_id"])
    team = db["teams"].get(incident["team_id"])
    who = report["perpetrator_label"]
    if report.get("case_ref"):
        who += f": {report['case_ref']}"
    if report.get("perpetrator_description"):
        who += f": {report['perpetrator_description']}"
    why = register.visit_kind_label(visit)
    if visit:
        kind = _("vrijwillig bezoek") if visit["voluntary"] else _("onvrijwillig bezoek")
        why = _("Tijdens het werk: %(purpose)s (%(kind)s).", purpose=why, kind=kind)
    return {
        "report": report,
        "facts": [
            (_("Wie (dader)"), who),
            (_("Wie (slachtoffer)"), f"{reporter['display_name']}, {team['name']}"),
            (_("Getuigen"), report.get("colleagues_present") or _("Geen genoemd")),
            (_("Wat"), ", ".join([report["form_label"], *report["behaviour_labels"]])),
            (_("Waar"), _where(report)),
            (_("Wanneer"), localtime(incident["occurred_at"], "date_time")),
            (_("Hoe (wat er gebeurde)"), report["description"]),
            (_("Waarmee"), _with_what(report)),
            (_("Waarom (context)"), why),
        ],
        "consequences": report.get("consequences_label"),
        "employer_address": current_app.config.get("VOP_EMPLOYER_ADDRESS"),
        "row": row,
    }
