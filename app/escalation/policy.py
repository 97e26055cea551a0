"""A team's escalation policy: ordered steps after a visit's due time, in seconds."""

import copy
import json
from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..clock import iso, now
from .channels import all_channels

WHO = {
    "worker": _l("De medewerker zelf"),
    "companions": _l("Meegaande collega's"),
    "office": _l("Kantoor (dienstdoende)"),
    "coordinator": _l("Coördinator agressie en geweld"),
    "everyone": _l("Iedereen van kantoor en coördinatie"),
}
MAX_STEPS = 8
# Each steps's delay is counted from the visit's due time. The first step that reaches
# anyone besides the worker raises the alarm; its delay is the grace period.
DEFAULT_POLICY = {
    "reminder_before": 300,
    "high_risk_grace": 120,
    "renotify": 120,
    "repeat_limit": 10,
    "ack_timeout": 900,
    "halfway_from": 0,  # visits at least this long get a halfway check; 0: only by measure
    "steps": [
        {"delay": 0, "who": ["worker"], "channels": ["push"]},
        {"delay": 300, "who": ["office", "companions"], "channels": ["push", "email"]},
        {"delay": 1200, "who": ["coordinator"], "channels": ["push", "email"]},
        {"delay": 2100, "who": ["everyone"], "channels": ["push", "email"]},
    ],
}
# Panic and duress skip the ladder: every level at once, on every channel.
ALL_LEVELS = {
    "who": ["office", "companions", "coordinator", "everyone"],
    "channels": ["push", "email", "sms"],
}
# The numbers that are durations: the editor shows them as minutes and seconds.
DURATIONS = ("reminder_before", "high_risk_grace", "renotify", "ack_timeout", "halfway_from")
# (field, lowest, highest) for the numbers of a policy.
LIMITS = {
    "reminder_before": (0, 7200),
    "high_risk_grace": (0, 86400),
    "renotify": (5, 3600),
    "repeat_limit": (0, 100),
    "ack_timeout": (30, 86400),
    "halfway_from": (0, 86400),
}
# Fields a form from before they existed may lack: left blank, they take the default.
OPTIONAL = {"halfway_from": 0}


def default_policy() -> dict:
    """Return a fresh copy of the default ladder."""
    return copy.deepcopy(DEFAULT_POLICY)


def load(db: Database, team_id: int | None) -> dict:
    """Return the team's policy, or the default when the team has none."""
    row = db.execute(
        "select policy from escalation_policies where team_id = ?", [team_id]
    ).fetchone()
    return {**OPTIONAL, **json.loads(row[0])} if row else default_policy()


def save(db: Database, team_id: int, policy: dict, user_id: int | None) -> None:
    """Store a validated policy for a team (running visits keep the ladder they started with)."""
    db["escalation_policies"].upsert(
        {
            "team_id": team_id,
            "policy": json.dumps(policy, sort_keys=True),
            "updated_at": iso(now()),
            "updated_by": user_id,
        },
        pk="team_id",
    )


def is_alarm_step(step: dict) -> bool:
    """Tell whether a step reaches anyone besides the worker (and so raises the alarm)."""
    return any(who != "worker" for who in step["who"])


def alarm_index(policy: dict) -> int:
    """Return the index of the step that raises the alarm."""
    return next(i for i, step in enumerate(policy["steps"]) if is_alarm_step(step))


def is_high_risk(visit: dict) -> bool:
    """Tell whether a visit gets the short grace: high risk, police, or involuntary."""
    return visit.get("risk_level") in ("high", "police") or not visit.get("voluntary", 1)


def step_delays(policy: dict, visit: dict) -> list[int]:
    """Return each step's delay after the due time for this visit (short grace if high risk)."""
    first = alarm_index(policy)
    shift = 0
    if is_high_risk(visit):
        shift = max(0, policy["steps"][first]["delay"] - policy["high_risk_grace"])
    return [step["delay"] - (shift if i >= first else 0) for i, step in enumerate(policy["steps"])]


def plan(policy: dict, visit: dict, start: datetime, due: datetime) -> list[dict]:
    """Return the jobs of one run of the ladder: the reminder and every step."""
    jobs = []
    reminder_at = due - timedelta(seconds=policy["reminder_before"])
    if policy["reminder_before"] and reminder_at > start:
        jobs.append({"kind": "reminder", "step": None, "spec": {}, "due": reminder_at})
    for index, (step, delay) in enumerate(
        zip(policy["steps"], step_delays(policy, visit), strict=True)
    ):
        spec = {"who": step["who"], "channels": step["channels"], "alarm": is_alarm_step(step)}
        jobs.append(
            {"kind": "step", "step": index, "spec": spec, "due": due + timedelta(seconds=delay)}
        )
    return jobs


def duration_words(seconds: int) -> str:
    """Say a number of seconds as minutes and seconds: "5 min", "30 s", "2 min 30 s"."""
    minutes, rest = divmod(abs(int(seconds)), 60)
    sign = "-" if seconds < 0 else ""
    if minutes and rest:
        return _("%(sign)s%(m)d min %(s)d s", sign=sign, m=minutes, s=rest)
    if minutes:
        return _("%(sign)s%(m)d min", sign=sign, m=minutes)
    return _("%(sign)s%(s)d s", sign=sign, s=rest)


def split(seconds) -> dict:
    """Return a duration as the editor's two fields: {"min": m, "sec": s} (blank stays blank)."""
    if seconds in (None, ""):
        return {"min": "", "sec": ""}
    minutes, rest = divmod(int(seconds), 60)
    return {"min": minutes, "sec": rest}


def _raw_seconds(form, name: str) -> str | None:
    """Return a duration as typed, in seconds: minutes and seconds fields, or plain seconds.

    Scripts may post plain seconds (`name`); the editor posts `name-min` and `name-sec`.
    Returns None when a field is not a whole number.
    """
    if f"{name}-min" not in form and f"{name}-sec" not in form:
        return (form.get(name) or "").strip()
    parts = [(form.get(f"{name}-{part}") or "").strip() for part in ("min", "sec")]
    if not any(parts):
        return ""
    if not all(p.isdigit() for p in parts if p):
        return None
    return str(int(parts[0] or 0) * 60 + int(parts[1] or 0))


def _number(form, name: str, errors: dict, low: int, high: int) -> int | None:
    plain = name not in DURATIONS and not name.endswith("-delay")
    raw = (form.get(name) or "").strip() if plain else _raw_seconds(form, name)
    if raw == "" and name in OPTIONAL:
        return OPTIONAL[name]
    if plain:
        if not raw.isdigit():
            errors[name] = _("Vul een heel getal in.")
            return None
        value = int(raw)
        if value < low or value > high:
            errors[name] = _("Kies een aantal tussen %(low)d en %(high)d.", low=low, high=high)
            return None
        return value
    try:
        value = int(raw)
    except (TypeError, ValueError):
        errors[name] = _("Vul hele minuten en seconden in.")
        return None
    if value < low or value > high:
        errors[name] = _(
            "Kies een tijd tussen %(low)s en %(high)s.",
            low=duration_words(max(low, 0)),
            high=duration_words(high),
        )
        return None
    return value


def _steps(form, errors: dict) -> list[dict]:
    """Read the step rows of the form; blank rows are skipped."""
    steps = []
    for i in range(MAX_STEPS):
        raw = _raw_seconds(form, f"step-{i}-delay")
        who = [w for w in form.getlist(f"step-{i}-who") if w in WHO]
        channels = [c for c in form.getlist(f"step-{i}-channels") if c in all_channels()]
        if not raw and not who:
            continue
        delay = _number(form, f"step-{i}-delay", errors, -(10**6), 86400)
        if delay is not None and delay < 0:
            errors[f"step-{i}-delay"] = _("Een stap kan niet vóór het eindtijdstip liggen.")
        if not who:
            errors[f"step-{i}-who"] = _("Kies wie deze stap bereikt.")
        if not channels:
            errors[f"step-{i}-channels"] = _("Kies minstens één kanaal.")
        steps.append({"delay": delay, "who": who, "channels": channels, "row": i})
    return steps


def _check_order(steps: list[dict], errors: dict) -> None:
    """Steps must follow each other in time; the ladder must raise an alarm."""
    for before, after in zip(steps, steps[1:], strict=False):
        if None not in (before["delay"], after["delay"]) and after["delay"] <= before["delay"]:
            errors.setdefault(
                f"step-{after['row']}-delay", _("Elke stap moet later komen dan de stap ervoor.")
            )
    if not steps:
        errors["steps"] = _("Geef minstens één stap op.")
    elif not any(is_alarm_step(s) for s in steps if s["who"]):
        errors["steps"] = _("Minstens één stap moet iemand anders dan de medewerker bereiken.")


def validate(form) -> tuple[dict | None, dict[str, str]]:
    """Read a policy from a submitted form; return (policy, {}) or (None, errors)."""
    errors: dict[str, str] = {}
    values = {name: _number(form, name, errors, *limits) for name, limits in LIMITS.items()}
    steps = _steps(form, errors)
    _check_order(steps, errors)
    if errors:
        return None, errors
    policy = {**values, "steps": [{k: s[k] for k in ("delay", "who", "channels")} for s in steps]}
    first = alarm_index(policy)
    grace = policy["steps"][first]["delay"]
    earlier = max((s["delay"] for s in policy["steps"][:first]), default=0)
    if not earlier <= policy["high_risk_grace"] <= grace:
        errors["high_risk_grace"] = _(
            "De korte uitloop moet tussen %(low)s en %(high)s liggen "
            "(niet langer dan de gewone uitloop).",
            low=duration_words(earlier),
            high=duration_words(grace),
        )
        return None, errors
    return policy, {}
