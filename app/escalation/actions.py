"""What a field worker does during a visit: check in, extend, check out, "Alles goed", panic.

Each action takes `at`, the moment on the phone (an offline outbox replays actions later
with their original time); the server's receipt time goes beside it in the alarm log. A
refused action raises ActionError and changes nothing.
"""

import json
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import iso, now, parse
from ..db import transaction
from ..textinput import clean_text
from ..visits.access import get_visit, is_on_visit, visit_or_404
from ..visits.gate import check_in_blockers
from . import halfway, pins, store
from . import policy as policies
from .alarms import REPEAT_RULES, raise_alarm
from .errors import ActionError

__all__ = [
    "ActionError",
    "check_in",
    "check_out",
    "extend",
    "halfway_ok",
    "im_ok",
    "panic",
]

IM_OK_MINUTES = 15  # "Alles goed" gives the worker at least this long before the next alarm
MAX_EXTEND_MINUTES = 240  # one extension; a longer visit is planned as such
MAX_REASON = 200  # the reason given for an extension
CLIENT_PAST = timedelta(hours=24)
CLIENT_FUTURE = timedelta(minutes=5)


def phone_moment(at: object, received: datetime) -> tuple[datetime, str | None]:
    """Return the phone's moment of an action, or the receipt time and why the phone's time
    cannot be right: unreadable, no time zone, out of range, ahead or behind."""
    if at is None or at == "":
        return received, None
    if isinstance(at, datetime):
        moment = at
    elif isinstance(at, str) and len(at) <= 40:
        try:
            moment = datetime.fromisoformat(at.strip().replace("Z", "+00:00"))
        except ValueError:
            return received, "unreadable"
    else:
        return received, "unreadable"
    if moment.tzinfo is None:
        return received, "no_time_zone"
    try:
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError):
        return received, "out_of_range"
    if moment > received + CLIENT_FUTURE:
        return received, "ahead"
    if moment < received - CLIENT_PAST:
        return received, "behind"
    return min(moment, received), None


def _moment(at: object, received: datetime) -> datetime:
    """Return the phone's moment of an action, refusing one that cannot be right."""
    moment, problem = phone_moment(at, received)
    if problem:
        raise ActionError(_("Het tijdstip van deze actie klopt niet."))
    return moment


def _phone_text(at: object) -> str:
    """Return what the phone sent as its time, short and printable, for the alarm log."""
    if isinstance(at, datetime):
        return at.isoformat()
    text = at if isinstance(at, str) else json.dumps(at, default=str)
    return clean_text(text)[:80]


def _location(location) -> tuple[float, float, float | None] | None:
    """Return (lat, lon, accuracy in metres or None) from a location given with consent."""
    if not location:
        return None
    try:
        lat, lon = float(location[0]), float(location[1])
        accuracy = (
            float(location[2]) if len(location) > 2 and location[2] not in (None, "") else None
        )
    except (TypeError, ValueError, IndexError, KeyError):
        raise ActionError(_("De locatie klopt niet.")) from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ActionError(_("De locatie klopt niet."))
    if accuracy is not None and not 0 <= accuracy <= 100_000:
        accuracy = None  # a nonsense accuracy is dropped, the location is still useful
    return lat, lon, accuracy


def _own_visit(db: Database, visit_id: int, user) -> dict:
    """Return the visit if the user goes on it (worker or companion); others are refused."""
    visit = visit_or_404(db, visit_id, user)
    if not is_on_visit(db, visit, user.id):
        raise ActionError(
            _("Alleen wie op dit bezoek gaat, kan dit doen."),
            status=403,
        )
    return visit


def _running(db: Database, visit_id: int, user, message: str) -> dict:
    visit = _own_visit(db, visit_id, user)
    if visit["status"] != "running":
        raise ActionError(message, status=409)
    return visit


def _set_location(db: Database, visit_id: int, where: tuple | None) -> None:
    if where:
        db.execute(
            "update visits set last_lat = ?, last_lon = ?, last_accuracy = ?, "
            "last_location_at = ? where id = ?",
            [where[0], where[1], where[2], iso(now()), visit_id],
        )


def schedule(db: Database, visit: dict, start: datetime, due: datetime) -> None:
    """Plan the team's ladder for a visit due at `due` (earlier pending steps are cancelled)."""
    store.cancel_jobs(db, visit["id"], kinds=("reminder", "step"))
    policy = policies.load(db, visit["team_id"])
    rules = {k: policy[k] for k in REPEAT_RULES}
    run = store.new_round(db)
    for job in policies.plan(policy, visit, start, due):
        key = f"t{run}:{job['kind']}{'' if job['step'] is None else job['step']}"
        store.add_job(
            db,
            visit["id"],
            key,
            job["kind"],
            job["due"],
            step=job["step"],
            spec={**job["spec"], "policy": rules},
        )


def check_in(db: Database, visit_id: int, user, *, at, location=None) -> dict:
    """Start a visit: its due time is the check-in plus the expected duration."""
    visit = _own_visit(db, visit_id, user)
    if visit["status"] != "planned":
        raise ActionError(_("Dit bezoek is al gestart of afgelopen."), status=409)
    blockers = check_in_blockers(db, visit_id)
    if blockers:
        raise ActionError(" ".join(blockers), messages=blockers)
    where = _location(location)
    start = _moment(at, now())
    due = start + timedelta(minutes=visit["expected_minutes"])
    with transaction(db):
        changed = db.execute(
            "update visits set status = 'running', checked_in_at = ?, due_at = ? "
            "where id = ? and status = 'planned'",
            [iso(start), iso(due), visit_id],
        ).rowcount
        if not changed:
            raise ActionError(_("Dit bezoek is al gestart of afgelopen."), status=409)
        _set_location(db, visit_id, where)
        visit = get_visit(db, visit_id)
        schedule(db, visit, now(), due)
        halfway.plan(db, visit, start, due)
        store.log_event(
            db,
            visit_id,
            "checked_in",
            actor_id=user.id,
            client_at=start,
            detail={"due_at": iso(due), "location": bool(where)},
        )
    return visit


def check_out(db: Database, visit_id: int, user, *, at, pin=None) -> dict:
    """End a visit ("Ik ben veilig"); with the duress PIN it also raises a silent alarm.

    With PINs set, any other PIN is refused and changes nothing but the count of wrong PINs:
    the third raises an alarm (the phone shows the same refusal every time).
    """
    visit = _running(db, visit_id, user, _("Dit bezoek loopt niet; uitchecken kan niet."))
    moment = _moment(at, now())
    verdict = pins.verdict(db, user.id, pin)
    if verdict == pins.WRONG:
        _wrong_pin(db, visit, user, moment)
        raise ActionError(_("Onjuiste pincode."))
    duress = verdict == pins.DURESS
    with transaction(db):
        changed = db.execute(
            "update visits set status = 'ended', checked_out_at = ?, ended_reason = 'checked_out'"
            " where id = ? and status = 'running'",
            [iso(moment), visit_id],
        ).rowcount
        if not changed:
            raise ActionError(_("Dit bezoek loopt niet; uitchecken kan niet."), status=409)
        store.cancel_jobs(db, visit_id)
        # Reminders still waiting to go out to the phone have nothing to say any more.
        db.execute(
            "update deliveries set status = 'cancelled' where visit_id = ? "
            "and kind in ('reminder', 'overdue') and status = 'pending'",
            [visit_id],
        )
        visit = get_visit(db, visit_id)
        overdue = store.open_alarm(db, visit_id, "overdue")
        store.log_event(
            db,
            visit_id,
            "checked_out",
            actor_id=user.id,
            client_at=moment,
            alarm_id=overdue["id"] if overdue else None,
        )
        if duress:
            _silent_alarm(db, visit, user)
    return visit


WRONG_PINS = 3  # wrong PINs at check-out before the office is alarmed


def _wrong_pin(db: Database, visit: dict, user, moment: datetime) -> None:
    """Count a wrong PIN; every third raises an alarm, unless one is still open."""
    with transaction(db):
        store.log_event(db, visit["id"], "wrong_pin", actor_id=user.id, client_at=moment)
        wrong = db.execute(
            "select count(*) from alarm_log where visit_id = ? and event = 'wrong_pin'",
            [visit["id"]],
        ).fetchone()[0]
        if wrong % WRONG_PINS or store.open_alarm(db, visit["id"], "wrong_pin"):
            return
        policy = policies.load(db, visit["team_id"])
        alarm = raise_alarm(db, visit, "wrong_pin", policy, actor_id=user.id)
        _all_levels_now(db, visit, alarm, policy, silent=False)


def _silent_alarm(db: Database, visit: dict, user) -> None:
    """Raise the duress alarm: every level at once, nothing on the phones at the scene."""
    policy = policies.load(db, visit["team_id"])
    alarm = raise_alarm(db, visit, "duress", policy, actor_id=user.id)
    _all_levels_now(db, visit, alarm, policy, silent=True)


def _all_levels_now(db: Database, visit: dict, alarm: dict, policy: dict, *, silent: bool) -> None:
    spec = {
        **policies.ALL_LEVELS,
        "silent": silent,
        "alarm": True,
        "policy": {k: policy[k] for k in REPEAT_RULES},
    }
    run = store.new_round(db)
    store.add_job(
        db,
        visit["id"],
        f"a{alarm['id']}:all{run}",
        "alarm_all",
        now(),
        spec=spec,
        alarm_id=alarm["id"],
    )


def extend(db: Database, visit_id: int, user, *, minutes, reason, at) -> dict:
    """Move a running visit's due time, and with it every pending step."""
    try:
        minutes = int(minutes)
    except (TypeError, ValueError):
        minutes = 0
    if not 1 <= minutes <= MAX_EXTEND_MINUTES:
        raise ActionError(_("Verleng met 1 tot %(max)d minuten.", max=MAX_EXTEND_MINUTES))
    reason = (reason or "").strip()
    if len(reason) > MAX_REASON:
        raise ActionError(_("Houd de reden kort (hoogstens %(n)d tekens).", n=MAX_REASON))
    visit = _running(db, visit_id, user, _("Dit bezoek loopt niet; verlengen kan niet."))
    moment = _moment(at, now())
    due = max(parse(visit["due_at"]), moment) + timedelta(minutes=minutes)
    with transaction(db):
        db.execute("update visits set due_at = ? where id = ?", [iso(due), visit_id])
        halfway.answered(db, visit_id)  # planned again below: the halfway steps go too
        visit = get_visit(db, visit_id)
        schedule(db, visit, now(), due)
        store.log_event(
            db,
            visit_id,
            "extended",
            actor_id=user.id,
            client_at=moment,
            detail={"minutes": minutes, "reason": reason, "due_at": iso(due)},
        )
    return visit


def im_ok(db: Database, visit_id: int, user, *, at) -> dict:
    """Answer a reminder: the worker is fine and gets at least 15 more minutes."""
    visit = _running(db, visit_id, user, _("Dit bezoek loopt niet meer."))
    moment = _moment(at, now())
    due = max(parse(visit["due_at"]), moment + timedelta(minutes=IM_OK_MINUTES))
    with transaction(db):
        if halfway.answered(db, visit_id):
            schedule(db, visit, now(), parse(visit["due_at"]))  # the halfway steps go
        if due != parse(visit["due_at"]):
            db.execute("update visits set due_at = ? where id = ?", [iso(due), visit_id])
            visit = get_visit(db, visit_id)
            schedule(db, visit, now(), due)
        overdue = store.open_alarm(db, visit_id, "overdue")
        store.log_event(
            db,
            visit_id,
            "im_ok",
            actor_id=user.id,
            client_at=moment,
            alarm_id=overdue["id"] if overdue else None,
            detail={"due_at": iso(due)},
        )
    return visit


def panic(db: Database, visit_id: int, user, *, at, location=None) -> dict:
    """Raise the panic alarm at once, to every level, with the address and last location.

    Nothing the phone sends stops a panic: a time its clock got wrong, or a location that
    makes no sense, only changes what the alarm log records (and the log says so).
    """
    visit = _own_visit(db, visit_id, user)
    if visit["status"] == "cancelled":
        raise ActionError(_("Dit bezoek is geannuleerd."), status=409)
    detail: dict = {}
    try:
        where = _location(location)
    except ActionError:
        where, detail["location_problem"] = None, _phone_text(location)
    moment, problem = phone_moment(at, now())
    if problem:
        detail.update(clock_problem=problem, phone_time=_phone_text(at))
    with transaction(db):
        _set_location(db, visit_id, where)
        visit = get_visit(db, visit_id)
        policy = policies.load(db, visit["team_id"])
        alarm = store.open_alarm(db, visit_id, "panic")
        fresh = alarm is None or alarm["status"] == "acknowledged"
        store.log_event(
            db,
            visit_id,
            "panic",
            alarm_id=None if fresh else alarm["id"],
            actor_id=user.id,
            client_at=None if problem else moment,
            detail={"location": list(where[:2]) if where else None, **detail},
        )
        if fresh:
            alarm = raise_alarm(db, visit, "panic", policy, actor_id=user.id)
        _all_levels_now(db, visit, alarm, policy, silent=False)
    return visit


def halfway_ok(db: Database, visit_id: int, user, *, at) -> dict:
    """Answer the halfway check ("Alles goed?"): the alarm it would raise is called off."""
    visit = _running(db, visit_id, user, _("Dit bezoek loopt niet meer."))
    if not visit["check_due_at"]:
        raise ActionError(_("Dit bezoek heeft geen halfwegcheck."), status=409)
    moment = _moment(at, now())
    with transaction(db):
        if halfway.answered(db, visit_id):
            schedule(db, visit, now(), parse(visit["due_at"]))  # the halfway steps go
        alarm = store.open_alarm(db, visit_id, "missed_check")
        store.log_event(
            db,
            visit_id,
            "halfway_ok",
            actor_id=user.id,
            client_at=moment,
            alarm_id=alarm["id"] if alarm else None,
        )
    return get_visit(db, visit_id)
