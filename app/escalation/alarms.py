"""The alarm lifecycle: open → acknowledged → resolved, and who an alarm reaches."""

import json
from datetime import timedelta

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..clock import iso, now
from ..db import one, transaction
from ..users import COORDINATOR, OFFICE
from ..visits.access import get_visit, visit_or_404
from . import store
from .errors import ActionError

OUTCOMES = {
    "worker_safe": _l("Medewerker is veilig"),
    "false_alarm": _l("Vals alarm"),
    "help_sent": _l("Hulp gestuurd"),
    "police_called": _l("Politie gebeld"),
}
KINDS = {
    "overdue": _l("Niet uitgecheckt"),
    "panic": _l("Paniekalarm"),
    "duress": _l("Stil alarm (dwang)"),
    "missed_check": _l("Halfwegcheck niet beantwoord"),
    "wrong_pin": _l("Drie keer een onjuiste pincode"),
}
REPEAT_RULES = ("renotify", "repeat_limit", "ack_timeout")
# Alarms raised by a ladder of steps (the others reach every level at once).
LADDER_KINDS = ("overdue", "missed_check")
# Someone counts as on duty at the office with a session opened within a shift.
DUTY_HOURS = 12


def _team_role(db: Database, team_id: int, roles: tuple[str, ...]) -> list[int]:
    marks = ", ".join("?" for _ in roles)
    rows = db.execute(
        f"select id from users where team_id = ? and active = 1 and role in ({marks}) order by id",
        [team_id, *roles],
    )
    return [row[0] for row in rows]


def office_on_duty(db: Database, team_id: int) -> list[int]:
    """Return the team's office users signed in during this shift; all of them when none is."""
    since = iso(now() - timedelta(hours=DUTY_HOURS))
    rows = db.execute(
        "select distinct u.id from users u join user_sessions s on s.user_id = u.id "
        "where u.team_id = ? and u.active = 1 and u.role = ? and s.ended_at is null "
        "and s.created_at >= ? order by u.id",
        [team_id, OFFICE, since],
    )
    on_duty = [row[0] for row in rows]
    return on_duty or _team_role(db, team_id, (OFFICE,))


def recipients(db: Database, visit: dict, who: list[str], *, silent: bool = False) -> list[int]:
    """Return the user ids a step reaches; a silent (duress) alarm never reaches the scene."""
    ids: list[int] = []
    for group in who:
        if group == "worker":
            found = [visit["worker_id"]]
        elif group == "companions":
            found = [
                row[0]
                for row in db.execute(
                    "select user_id from visit_companions where visit_id = ? "
                    "and user_id is not null",
                    [visit["id"]],
                )
            ]
        elif group == "office":
            found = office_on_duty(db, visit["team_id"])
        elif group == "coordinator":
            found = _team_role(db, visit["team_id"], (COORDINATOR,))
        else:  # everyone in the team's office and coordination roles
            found = _team_role(db, visit["team_id"], (OFFICE, COORDINATOR))
        ids += [i for i in found if i not in ids]
    if silent:
        at_scene = {visit["worker_id"]} | set(recipients(db, visit, ["companions"]))
        ids = [i for i in ids if i not in at_scene]
    return ids


def raise_alarm(
    db: Database, visit: dict, kind: str, policy: dict, *, actor_id: int | None = None
) -> dict:
    """Open an alarm for a visit under a policy's repeat rules and log it; return the row."""
    moment = now()
    alarm_id = (
        db["alarms"]
        .insert(
            {
                "visit_id": visit["id"],
                "team_id": visit["team_id"],
                "worker_id": visit["worker_id"],
                "kind": kind,
                "status": "open",
                "level": 0,
                "opened_at": iso(moment),
                "reopened": 0,
                "reached": "[]",
                "policy": json.dumps({k: policy[k] for k in REPEAT_RULES}),
            }
        )
        .last_pk
    )
    store.log_event(
        db,
        visit["id"],
        "alarm_raised",
        alarm_id=alarm_id,
        actor_id=actor_id,
        detail={"kind": kind},
    )
    return get_alarm(db, alarm_id)


def get_alarm(db: Database, alarm_id: int) -> dict | None:
    """Return an alarm row, or None."""
    return one(db, "select * from alarms where id = ?", [alarm_id])


def without_visit(team_id: int, worker_id: int, location: dict | None = None) -> dict:
    """Return what a panic without a visit is about, in the shape of a visit row.

    The pipeline (recipients, notify, payloads, the board) reads a visit; this one has no id,
    no address and no companions, only the worker, the team and the location the phone sent.
    """
    return {
        "id": None,
        "team_id": team_id,
        "worker_id": worker_id,
        "status": None,
        "voluntary": 1,
        **dict.fromkeys(("street", "house_number", "postcode", "city", "due_at", "risk_level")),
        **(location or dict.fromkeys(("last_lat", "last_lon", "last_location_at"))),
    }


def subject(db: Database, alarm: dict) -> dict:
    """Return the visit an alarm is about, or its stand-in when it has no visit."""
    if alarm["visit_id"] is not None:
        return get_visit(db, alarm["visit_id"])
    where = {k: alarm[k] for k in ("last_lat", "last_lon", "last_location_at")}
    return without_visit(alarm["team_id"], alarm["worker_id"], where)


def add_reached(db: Database, alarm: dict, who: list[str]) -> list[str]:
    """Remember which groups an alarm has reached (repeats go to all of them)."""
    reached = json.loads(alarm["reached"] or "[]")
    reached += [w for w in who if w not in reached]
    db.execute("update alarms set reached = ? where id = ?", [json.dumps(reached), alarm["id"]])
    return reached


def alarm_or_404(db: Database, alarm_id: int, user) -> tuple[dict, dict]:
    """Return (alarm, visit) if the user may see the alarm; never the worker's own alarm."""
    alarm = get_alarm(db, alarm_id)
    if alarm is None:
        abort(404)
    if alarm["visit_id"] is None:  # a panic without a visit: for the team's office only
        if user.role not in (OFFICE, COORDINATOR) or user.team_id != alarm["team_id"]:
            abort(404)
        visit = subject(db, alarm)
    else:
        visit = visit_or_404(db, alarm["visit_id"], user)
    # A duress alarm must never show on a phone at the scene; the worker sees none of theirs.
    at_scene = user.id == visit["worker_id"] or (
        alarm["kind"] == "duress" and user.id in recipients(db, visit, ["companions"])
    )
    if at_scene:
        abort(404)
    return alarm, visit


def acknowledge(db: Database, alarm_id: int, user) -> dict:
    """Acknowledge an alarm: the first acknowledgement wins; repeats stop until the timeout."""
    alarm = get_alarm(db, alarm_id)
    if alarm is not None and user.id == alarm["worker_id"]:
        raise ActionError(_("U kunt uw eigen alarm niet bevestigen."), status=403)
    alarm, visit = alarm_or_404(db, alarm_id, user)
    with transaction(db):
        alarm = get_alarm(db, alarm_id)
        if alarm["status"] == "resolved":
            raise ActionError(_("Dit alarm is al afgehandeld."), status=409)
        if alarm["status"] == "acknowledged":
            raise ActionError(_("Dit alarm is al bevestigd door een collega."), status=409)
        moment = now()
        db.execute(
            "update alarms set status = 'acknowledged', acknowledged_by = ?, "
            "acknowledged_at = ? where id = ? and status = 'open'",
            [user.id, iso(moment), alarm_id],
        )
        store.cancel_jobs(db, visit["id"], alarm_id=alarm_id)
        if alarm["kind"] in LADDER_KINDS:  # someone is on it: the ladder stops climbing
            store.cancel_jobs(db, visit["id"], kinds=("step",))
        timeout = json.loads(alarm["policy"] or "{}").get("ack_timeout", 900)
        store.add_job(
            db,
            visit["id"],
            f"a{alarm_id}:ack{alarm['reopened']}",
            "ack_timeout",
            moment + timedelta(seconds=timeout),
            alarm_id=alarm_id,
        )
        store.log_event(db, visit["id"], "acknowledged", alarm_id=alarm_id, actor_id=user.id)
    return get_alarm(db, alarm_id)


def resolve(db: Database, alarm_id: int, user, outcome: str, note: str) -> dict:
    """Resolve an alarm with an outcome and a note; an overdue visit is ended with it."""
    alarm, visit = alarm_or_404(db, alarm_id, user)
    note = (note or "").strip()
    if outcome not in OUTCOMES:
        raise ActionError(_("Kies hoe het alarm is afgelopen."))
    if not note or len(note) > 1000:
        raise ActionError(_("Schrijf kort op wat er is gebeurd (hoogstens 1000 tekens)."))
    with transaction(db):
        alarm = get_alarm(db, alarm_id)
        if alarm["status"] == "resolved":
            raise ActionError(_("Dit alarm is al afgehandeld."), status=409)
        moment = iso(now())
        if alarm["status"] == "open":  # resolving counts as acknowledging first
            db.execute(
                "update alarms set acknowledged_by = ?, acknowledged_at = ? where id = ?",
                [user.id, moment, alarm_id],
            )
            store.log_event(db, visit["id"], "acknowledged", alarm_id=alarm_id, actor_id=user.id)
        db.execute(
            "update alarms set status = 'resolved', resolved_by = ?, resolved_at = ?, "
            "outcome = ?, note = ? where id = ?",
            [user.id, moment, outcome, note, alarm_id],
        )
        store.cancel_jobs(db, visit["id"], alarm_id=alarm_id)
        if alarm["kind"] == "overdue" and visit["status"] == "running":
            store.cancel_jobs(db, visit["id"])
            db.execute(
                "update visits set status = 'ended', ended_reason = 'alarm_resolved' "
                "where id = ? and status = 'running'",
                [visit["id"]],
            )
        store.log_event(
            db,
            visit["id"],
            "resolved",
            alarm_id=alarm_id,
            actor_id=user.id,
            detail={"outcome": outcome, "note": note},
        )
    return get_alarm(db, alarm_id)
