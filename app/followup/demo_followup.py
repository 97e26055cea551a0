"""The follow-up of the demo year's incidents: responses, police reports, damage, aftercare.

Most incidents get a response within two days and most physical violence a police report
within two working days; older incidents are analysed and closed, recent ones still run.
"""

import json
from datetime import datetime, timedelta

from ..clock import LOCAL, iso
from .demo_alarms import MARK, pick

RESPONSES = [("incident_talk", 50), ("written_warning", 24), ("building_ban", 5)]
RESPONSES += [("contact_ban", 5), ("service_stopped", 3), ("none", 13)]
FLAGGED = {
    "written_warning": "warning",
    "building_ban": "building_ban",
    "contact_ban": "contact_ban",
}
MISSING = ["pair", "inform_colleague", "training", "information"]


def _day(moment: datetime) -> str:
    return moment.astimezone(LOCAL).date().isoformat()


def followup(incident: dict, when: datetime, seeder) -> None:
    """Write the follow-up of one demo incident as the coordinator would have recorded it."""
    rng, age, me = seeder.rng, seeder.moment - when, seeder.coordinator
    if age < timedelta(hours=6):
        return
    row = {"incident_id": incident["id"], "team_id": seeder.team, "owner_id": me}
    row |= {"created_at": iso(when + timedelta(hours=2)), "updated_at": iso(seeder.moment)}
    given = when + timedelta(hours=rng.lognormvariate(3.0, 0.8))
    if given < seeder.moment and rng.random() < 0.92:
        kind = pick(rng, RESPONSES)
        row |= {"response_kind": kind, "response_at": iso(given)}
        row |= {"response_by": me, "response_recorded_at": iso(given)}
        if kind == "none":
            row["response_note"] = f"{MARK} Burger is niet aanspreekbaar op het gedrag."
        if kind in FLAGGED:
            flag(incident, FLAGGED[kind], given, seeder)
    row |= police(incident, when, seeder)
    if incident["property_damage"]:
        paid, cents = rng.random() < 0.5, rng.randrange(5000, 150000)
        row |= {"damage_cents": cents, "damage_status": "paid" if paid else "claimed"}
        row |= {"damage_claim_sent_on": _day(when + timedelta(days=7))}
        if paid:
            row |= {"damage_paid_cents": cents, "damage_paid_on": _day(when + timedelta(days=30))}
    if age > timedelta(days=14) and rng.random() < 0.7:
        keys = rng.sample(MISSING, rng.randrange(0, 3))
        missing = [{"key": k, "label": seeder.choices[k]} for k in keys]
        row |= {"analysis_missing": json.dumps(missing, ensure_ascii=False)}
        row |= {"analysis_lessons": f"{MARK} Besproken in het teamoverleg."}
        row |= {"analysis_protocol_change": int(rng.random() < 0.15), "analysis_by": me}
        row |= {"analysis_recorded_at": iso(when + timedelta(days=10))}
    if age > timedelta(days=60) and rng.random() < 0.85:
        row |= {"closed_at": iso(when + timedelta(days=45)), "closed_by": me, "closed_open": "[]"}
    seeder.db["followups"].insert(row)
    talks(incident, when, seeder)


def police(incident: dict, when: datetime, seeder) -> dict:
    """Return the police-report columns: filed for most physical violence, else a decision."""
    rng, me = seeder.rng, seeder.coordinator
    if not incident["wants_aangifte"] and incident["form"] != "physical":
        if rng.random() > 0.8:
            return {}
        reason = f"{MARK} Geen strafbaar feit volgens de medewerker."
        decided = iso(when + timedelta(days=1))
        return {"police_status": "not_filed", "police_reason": reason, "police_by": me} | {
            "police_recorded_at": decided
        }
    filed = when + timedelta(days=rng.choice([0, 1, 1, 2, 2, 3, 5]))
    if filed > seeder.moment:
        return {"police_status": "wanted"}
    by = rng.choice(["worker", "employer"])
    return {
        "police_status": "filed",
        "police_filed_on": _day(filed),
        "police_filed_by": by,
        "police_vpt": 1,
        "police_employer_address": 1,
        "police_reference": f"DEMO-PL-{incident['id']:05d}",
        "police_by": me,
        "police_recorded_at": iso(filed),
    }


def talks(incident: dict, when: datetime, seeder) -> None:
    """Write up to three aftercare talks for a worker who felt the consequences."""
    rng = seeder.rng
    for talk in range(rng.randrange(0, 4) if incident["consequences"] != "none" else 0):
        held = when + timedelta(days=[1, 7, 30][talk])
        if held >= seeder.moment:
            return
        referral = "company_doctor" if talk == 2 and rng.random() < 0.3 else "none"
        row = {"incident_id": incident["id"], "held_on": _day(held), "held_by": "Cor Coördinator"}
        row |= {"referral": referral, "created_by": seeder.coordinator, "created_at": iso(held)}
        seeder.db["aftercare_talks"].insert(row)


def flag(incident: dict, kind: str, given: datetime, seeder) -> None:
    """Put the warning flag of a warning or ban on the incident's address and case."""
    rng, start = seeder.rng, given.astimezone(LOCAL).date()
    row = {"team_id": seeder.team, "kind": kind, "incident_id": incident["id"]}
    row |= {"address_key": incident["address_key"], "case_ref": incident["case_ref"]}
    row |= {"starts_on": start.isoformat()}
    row |= {"ends_on": (start + timedelta(days=rng.choice([90, 180, 365]))).isoformat()}
    row |= {"reason": f"{MARK} Na het incident van {start.isoformat()}."}
    row |= {"created_by": seeder.coordinator, "created_at": iso(given)}
    # The citizen is usually told within days; a flag of the last fortnight may still wait.
    recent = seeder.moment - given < timedelta(days=14)
    if rng.random() < (0.5 if recent else 0.92):
        told = min(given + timedelta(days=rng.randrange(0, 5)), seeder.moment)
        row |= {"notice_on": _day(told), "notice_method": rng.choice(["letter", "in_person"])}
    seeder.db["address_measures"].insert(row)
