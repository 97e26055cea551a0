"""Incident follow-up along the eight VPT measures, warning flags, trends, export and report.

One blueprint, `followup` (/opvolging/...), for the team's coordinators only: the register of
the team's incidents, each incident's follow-up checklist, the warning flags on addresses and
case references, the trends for the team's evaluation, the CSV exports and the printable
period report. Another team's incident or flag does not exist here (404).

Glossary (Dutch term of art → identifier): opvolging → followup; hoor en wederhoor /
incidentgesprek → incident_talk; schriftelijke waarschuwing → written_warning; pandverbod →
building_ban; contactverbod → contact_ban; aangifte → police report (police_*); VPT (Veilige
Publieke Taak) → police_vpt; domicilie bij de werkgever → police_employer_address;
schadeverhaal → damage; opvang en nazorg → aftercare; bedrijfsarts → company_doctor;
Slachtofferhulp → victim_support; signalering → flag (a row of address_measures).
"""

from flask import Blueprint

bp = Blueprint("followup", __name__, url_prefix="/opvolging")


def blueprints() -> tuple[Blueprint, ...]:
    """Return the blueprint with its routes (the view modules attach them when imported)."""
    from . import flag_views, trend_views, views  # noqa: F401

    return (bp,)
