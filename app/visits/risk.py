"""Scoring a risk assessment against a protocol, and what the app fills in for the worker."""

from datetime import timedelta

from sqlite_utils import Database

from ..clock import LOCAL, parse
from . import defaults as d

EVENING_FROM, MORNING_UNTIL = 18, 7  # local hours: a visit in between counts as evening
INVOLUNTARY_REASON = d.N_("Onvrijwillig bezoek")
# Answers the worker can add to but not take away: they come from the register.
LOCKED_KEYS = ("earlier_incidents", "active_measures")


def applicable_questions(body: dict, voluntary: bool) -> list[dict]:
    """Return the protocol's questions that apply to this kind of visit."""
    return [q for q in body["questions"] if q["scope"] == d.ALL or not voluntary]


def _measure_applies(measure: dict, level: str, voluntary: bool) -> bool:
    """Tell whether a measure is required at this level for this kind of visit."""
    scope_ok = measure["scope"] == d.ALL or measure["scope"] == (
        d.VOLUNTARY_ONLY if voluntary else d.INVOLUNTARY_ONLY
    )
    return scope_ok and level in measure["levels"]


def level_for(body: dict, score: int) -> str:
    """Return the level a score reaches under the protocol's thresholds."""
    level = d.LOW
    for candidate in (d.MEDIUM, d.HIGH, d.POLICE):
        if score >= body["thresholds"][candidate]:
            level = candidate
    return level


def score(body: dict, answers: dict[str, bool], voluntary: bool) -> dict:
    """Return the outcome: score, level, the reasons behind it and the measures it needs."""
    reasons = []
    if not voluntary and body["involuntary_weight"]:
        reasons.append(
            {
                "key": "involuntary",
                "label": INVOLUNTARY_REASON,
                "weight": body["involuntary_weight"],
            }
        )
    for question in applicable_questions(body, voluntary):
        if answers.get(question["key"]) and question["weight"]:
            reasons.append(
                {"key": question["key"], "label": question["label"], "weight": question["weight"]}
            )
    total = sum(r["weight"] for r in reasons)
    level = level_for(body, total)
    measures = [
        {"key": m["key"], "label": m["label"], "kind": m["kind"]}
        for m in body["measures"]
        if _measure_applies(m, level, voluntary)
    ]
    return {"score": total, "level": level, "reasons": reasons, "measures": measures}


def is_evening(visit: dict) -> bool:
    """Tell whether the visit starts or ends in the evening or at night (local time)."""
    start = parse(visit["planned_start"]).astimezone(LOCAL)
    end = start + timedelta(minutes=visit["expected_minutes"])
    return any(t.hour >= EVENING_FROM or t.hour < MORNING_UNTIL for t in (start, end)) or (
        end.date() > start.date()
    )


def _first_visit(db: Database, visit: dict) -> bool:
    """Tell whether the team has no earlier visit to this address (or case) on record."""
    row = db.execute(
        "select 1 from visits where team_id = ? and id != ? and status != 'cancelled' "
        "and planned_start < ? and (address_key = ? or (case_ref = ? and case_ref != '')) "
        "limit 1",
        [
            visit["team_id"],
            visit["id"],
            visit["planned_start"],
            visit["address_key"],
            visit["case_ref"],
        ],
    ).fetchone()
    return row is None


REGISTER, PLANNING = "register", "planning"
NONE_APPLY = "none_apply"  # the voluntary checklist's explicit "none of these apply"


def known_facts(db: Database, visit: dict, known: dict) -> dict[str, str]:
    """Return the questions the app knows a "yes" to, with where it knows it from.

    Only facts are filled in, never a "no": a question the app cannot answer stays open for
    the worker (an unanswered question is not a "no"). The register's facts (earlier
    incidents, active measures) and the planning's (evening, first visit, going alone) count
    as answered and cannot be taken back on the form.
    """
    companions = db.execute(
        "select count(*) from visit_companions where visit_id = ?", [visit["id"]]
    ).fetchone()[0]
    facts = {
        "earlier_incidents": (REGISTER, bool(known["incidents"])),
        "active_measures": (REGISTER, bool(known["measures"])),
        "evening": (PLANNING, is_evening(visit)),
        "first_visit": (PLANNING, _first_visit(db, visit)),
        "alone": (PLANNING, companions == 0),
    }
    return {key: source for key, (source, true) in facts.items() if true}


def read_answers(form, body: dict, voluntary: bool, facts: dict) -> tuple[dict, set[str]]:
    """Read the answers from the form; return them and the keys left unanswered.

    An involuntary visit needs an explicit yes or no for every question it does not know. A
    voluntary visit gets a checklist answered as a whole: the worker ticks what applies, or
    ticks "Geen van deze" (one tap); a list left untouched is unanswered, not a "no".
    """
    answers, missing = {}, set()
    open_questions = [q for q in applicable_questions(body, voluntary) if q["key"] not in facts]
    if voluntary:
        ticked = {q["key"] for q in open_questions if form.get(f"a-{q['key']}") == "yes"}
        none = form.get(NONE_APPLY) == "yes"
        if (ticked and none) or (not ticked and not none):
            missing.add(NONE_APPLY)
        answers = {q["key"]: q["key"] in ticked for q in open_questions}
    else:
        for question in open_questions:
            raw = form.get(f"a-{question['key']}")
            if raw in ("yes", "no"):
                answers[question["key"]] = raw == "yes"
            else:
                missing.add(question["key"])
    answers.update(dict.fromkeys(facts, True))
    return answers, missing
