"""The alarm lifecycle: open → acknowledged → resolved, and who an alarm reaches."""

import json
from datetime import timedelta

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..clock import iso, local_text, now, parse
from ..db import one, transaction
from ..users import COORDINATOR, OFFICE
from ..visits.access import get_visit, visit_or_404
from . import store
from .errors import ActionError

# How an alarm ended. Each outcome is a real, a false or a test alarm (OUTCOME_CLASS), so
# statistics can count false alarms; the resolve form groups them the same way.
OUTCOMES = {
    "help_sent": _l("Echt alarm: hulp gestuurd"),
    "police_called": _l("Echt alarm: politie gebeld"),
    "real_safe": _l("Echt alarm: medewerker was in gevaar en is nu veilig"),
    "worker_safe": _l(
        "Vals alarm: medewerker was veilig (vergeten uit te checken, telefoon leeg)"
    ),
    "false_alarm": _l("Vals alarm: per ongeluk ingedrukt of technische fout"),
    "test_alarm": _l("Testalarm of oefening"),
}
OUTCOME_CLASS = {
    "help_sent": "real",
    "police_called": "real",
    "real_safe": "real",
    "worker_safe": "false",
    "false_alarm": "false",
    "test_alarm": "test",
}
CLASSES = {"real": _l("Echt alarm"), "false": _l("Vals alarm"), "test": _l("Testalarm")}
# What happens to a visit that is still running when its alarm is resolved.
VISIT_CHOICES = {
    "keep": _l("Bezoek loopt door: timer en escalatie blijven aan"),
    "end": _l("Bezoek beëindigen: timer en escalatie stoppen"),
}
KEEP_MINUTES = 15  # an overdue visit that keeps running gets this long before its next alarm
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
# Alarms the phones at the scene never hear about: the duress PIN, and three wrong check-out
# PINs (whoever typed them may be standing next to the worker).
HIDDEN_AT_SCENE = ("duress", "wrong_pin")
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


def _name(db: Database, user_id: int | None) -> str:
    row = one(db, "select display_name from users where id = ?", [user_id])
    return row["display_name"] if row else "?"


def taken(db: Database, alarm: dict) -> str:
    """Say who already acknowledged or resolved an alarm, and when (for a later colleague)."""
    if alarm["status"] == "resolved":
        return _(
            "Dit alarm is al afgehandeld door %(name)s om %(t)s. Er is niets veranderd.",
            name=_name(db, alarm["resolved_by"]),
            t=local_text(alarm["resolved_at"], "HH:mm:ss"),
        )
    return _(
        "Dit alarm is al bevestigd door %(name)s om %(t)s.",
        name=_name(db, alarm["acknowledged_by"]),
        t=local_text(alarm["acknowledged_at"], "HH:mm:ss"),
    )


def _mark_acknowledged(db: Database, visit: dict, alarm: dict, user, moment) -> None:
    """Record the acknowledgement, and tell the worker (never for a duress alarm)."""
    from .notify import tell_worker  # notify needs this module's recipients()

    db.execute(
        "update alarms set acknowledged_by = ?, acknowledged_at = ? where id = ?",
        [user.id, iso(moment), alarm["id"]],
    )
    store.log_event(db, visit["id"], "acknowledged", alarm_id=alarm["id"], actor_id=user.id)
    tell_worker(db, visit, alarm, "alarm_seen", by=user.display_name, at=iso(moment))


def acknowledge(db: Database, alarm_id: int, user) -> dict:
    """Acknowledge an alarm: the first acknowledgement wins; repeats stop until the timeout."""
    alarm = get_alarm(db, alarm_id)
    if alarm is not None and user.id == alarm["worker_id"]:
        raise ActionError(_("U kunt uw eigen alarm niet bevestigen."), status=403)
    alarm, visit = alarm_or_404(db, alarm_id, user)
    with transaction(db):
        alarm = get_alarm(db, alarm_id)
        if alarm["status"] != "open":
            raise ActionError(taken(db, alarm), status=409)
        moment = now()
        db.execute(
            "update alarms set status = 'acknowledged' where id = ? and status = 'open'",
            [alarm_id],
        )
        _mark_acknowledged(db, visit, alarm, user, moment)
        store.cancel_jobs(db, visit["id"], alarm_id=alarm_id)
        climbing = store.climbing_round(db, alarm_id)
        if alarm["kind"] in LADDER_KINDS and climbing:
            # Someone is on it: this deadline's ladder stops climbing. A later deadline (the
            # worker extended meanwhile) keeps its own ladder.
            store.cancel_round(db, visit["id"], climbing)
        timeout = json.loads(alarm["policy"] or "{}").get("ack_timeout", 900)
        store.add_job(
            db,
            visit["id"],
            f"a{alarm_id}:ack{alarm['reopened']}",
            "ack_timeout",
            moment + timedelta(seconds=timeout),
            alarm_id=alarm_id,
        )
    return get_alarm(db, alarm_id)


def _check_resolution(outcome: str, note: str) -> None:
    if outcome not in OUTCOMES:
        raise ActionError(_("Kies hoe het alarm is afgelopen."))
    if not note or len(note) > 1000:
        raise ActionError(_("Schrijf kort op wat er is gebeurd (hoogstens 1000 tekens)."))


def _settle_visit(db: Database, visit: dict, choice: str) -> dict:
    """End a running visit, or keep it running with its ladder armed; return what was done."""
    if choice == "end":  # its own ladder stops; another open alarm keeps its repeats
        store.cancel_jobs(db, visit["id"], kinds=("reminder", "step"))
        db.execute(
            "update visits set status = 'ended', ended_reason = 'alarm_resolved' "
            "where id = ? and status = 'running'",
            [visit["id"]],
        )
        db.execute(
            "update deliveries set status = 'cancelled' where visit_id = ? "
            "and kind in ('reminder', 'overdue') and status = 'pending'",
            [visit["id"]],
        )
        return {"visit": "ended"}
    moment = now()
    if parse(visit["due_at"]) > moment:
        return {"visit": "kept"}  # its timer and ladder stay as they are
    # Past its due time the ladder has done its work: it gets a new deadline, armed again.
    from .actions import schedule  # actions raises alarms through this module

    due = moment + timedelta(minutes=KEEP_MINUTES)
    db.execute("update visits set due_at = ? where id = ?", [iso(due), visit["id"]])
    schedule(db, {**visit, "due_at": iso(due)}, moment, due)
    return {"visit": "kept", "due_at": iso(due)}


def resolve(
    db: Database, alarm_id: int, user, outcome: str, note: str, visit_choice: str | None = None
) -> dict:
    """Resolve an alarm with an outcome and a note; a running visit ends only when chosen."""
    alarm, visit = alarm_or_404(db, alarm_id, user)
    note = (note or "").strip()
    _check_resolution(outcome, note)
    with transaction(db):
        alarm = get_alarm(db, alarm_id)
        if alarm["status"] == "resolved":
            raise ActionError(taken(db, alarm), status=409)
        visit = get_visit(db, visit["id"]) if alarm["visit_id"] else subject(db, alarm)
        running = visit.get("status") == "running"  # an alarm without a visit has none
        if running and visit_choice not in VISIT_CHOICES:
            raise ActionError(_("Kies of het bezoek doorloopt of wordt beëindigd."))
        moment = now()
        if alarm["status"] == "open":  # resolving counts as acknowledging first
            _mark_acknowledged(db, visit, alarm, user, moment)
        db.execute(
            "update alarms set status = 'resolved', resolved_by = ?, resolved_at = ?, "
            "outcome = ?, note = ? where id = ?",
            [user.id, iso(moment), outcome, note, alarm_id],
        )
        store.cancel_jobs(db, visit["id"], alarm_id=alarm_id)
        settled = _settle_visit(db, visit, visit_choice) if running else {}
        store.log_event(
            db,
            visit["id"],
            "resolved",
            alarm_id=alarm_id,
            actor_id=user.id,
            detail={"outcome": outcome, "class": OUTCOME_CLASS[outcome], "note": note, **settled},
        )
    return get_alarm(db, alarm_id)
