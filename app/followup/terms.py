"""The follow-up's fixed choices with their Dutch labels (the translation catalog's sources)."""

from flask_babel import lazy_gettext as _l

# Measure 5: the response chosen towards the perpetrator.
RESPONSES = {
    "incident_talk": _l("Incidentgesprek met hoor en wederhoor"),
    "written_warning": _l("Schriftelijke waarschuwing"),
    "building_ban": _l("Pandverbod"),
    "contact_ban": _l("Contactverbod"),
    "service_stopped": _l("Dienstverlening gestopt (escalatiemodel sociale diensten)"),
    "none": _l("Geen reactie (met reden)"),
}
# A response that is a measure with an end date becomes a warning flag of this kind.
RESPONSE_FLAG = {
    "written_warning": "warning",
    "building_ban": "building_ban",
    "contact_ban": "contact_ban",
}

# Measure 6: the police report (aangifte).
POLICE_STATUSES = {
    "wanted": _l("Gewenst, nog niet gedaan"),
    "filed": _l("Aangifte gedaan"),
    "not_filed": _l("Geen aangifte (met reden)"),
}
FILED_BY = {
    "worker": _l("Door de medewerker zelf"),
    "employer": _l("Door de werkgever namens de medewerker"),
}

# Measure 7: recovering the damage.
DAMAGE_STATUSES = {
    "open": _l("Nog niet verhaald"),
    "claimed": _l("Vordering verstuurd"),
    "partly_paid": _l("Deels betaald"),
    "paid": _l("Betaald"),
    "not_recoverable": _l("Niet te verhalen"),
}
DAMAGE_DONE = ("paid", "not_recoverable")

# Measure 8: aftercare talks and where the worker was referred to.
REFERRALS = {
    "none": _l("Geen doorverwijzing"),
    "company_doctor": _l("Bedrijfsarts"),
    "victim_support": _l("Slachtofferhulp"),
    "other": _l("Andere hulp"),
}
AFTERCARE_TALKS = 3  # the practice: shortly after, after about a week, after about a month

# Safety aspects an analysis may name besides the team protocol's own measures (Werkwijzer,
# chapter 5: which safety aspects were absent or did not work).
GENERAL_MEASURES = {
    "risk_assessment": _l("Risico-inschatting vooraf"),
    "alarm_followup": _l("Alarmering en alarmopvolging"),
    "training": _l("Training en instructie"),
    "house_rules": _l("Huisregels en gedragsregels"),
    "information": _l("Informatie over de burger of het adres"),
}

# Warning flags: how the citizen was told.
NOTICE_METHODS = {
    "letter": _l("Brief"),
    "registered_letter": _l("Aangetekende brief"),
    "in_person": _l("Persoonlijk meegedeeld"),
    "email": _l("E-mail"),
    "phone": _l("Telefonisch"),
}

# The items of the checklist, in the order of the eight measures.
ITEMS = {
    "owner": _l("Eigenaar"),
    "response": _l("Reactie naar de dader (binnen 48 uur)"),
    "police": _l("Aangifte (binnen twee werkdagen)"),
    "damage": _l("Schadeverhaal"),
    "aftercare": _l("Opvang en nazorg"),
    "analysis": _l("Analyse: wat ontbrak of werkte niet"),
}
