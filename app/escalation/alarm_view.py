"""What one alarm shows the office at a glance: what goes out next, the notification trail
per person and channel, who could not be reached, and where the worker was last."""

import json

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from ..clock import local_text
from . import channels
from .alarms import LADDER_KINDS
from .logtext import KIND_WORDS, unreachable_text
from .policy import WHO

BADGES = {
    "panic": _l("PANIEK"),
    "duress": _l("STIL ALARM (dwang)"),
    "overdue": _l("NIET UITGECHECKT"),
}
MAP_URL = "https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"


def _time(stored: str | None) -> str:
    return local_text(stored, "HH:mm:ss")


def _step_text(spec: dict, step: int | None) -> str:
    who = ", ".join(str(WHO.get(w, w)) for w in spec.get("who", []))
    known = channels.all_channels()
    how = ", ".join(str(known[c].noun) for c in spec.get("channels", []) if c in known)
    return _("Stap %(n)d naar %(who)s (%(how)s)", n=(step or 0) + 1, who=who, how=how)


def next_up(db: Database, alarm: dict) -> list[dict]:
    """Return what goes out next for an alarm, soonest first: {"text", "at"}."""
    kinds = ["renotify", "ack_timeout"] + (["step"] if alarm["kind"] in LADDER_KINDS else [])
    # An alarm without a visit (a panic with no visit running) has only jobs of its own.
    rows = db.query(
        "select kind, step, spec, due_at from escalation_jobs where visit_id is ? "
        f"and status = 'pending' and kind in ({', '.join('?' for _ in kinds)}) "
        "and (alarm_id = ? or (kind = 'step' and alarm_id is null)) order by due_at, id",
        [alarm["visit_id"], *kinds, alarm["id"]],
    )
    found, seen = [], set()
    for row in rows:
        if row["kind"] in seen:
            continue  # only the next one of each kind
        seen.add(row["kind"])
        spec = json.loads(row["spec"] or "{}")
        if row["kind"] == "step":
            text = _step_text(spec, row["step"])
        elif row["kind"] == "renotify":
            text = _("Herhaling %(n)d aan iedereen die het alarm kreeg", n=spec.get("n", 1))
        else:
            text = _(
                "Niet afgehandeld? Dan gaat het weer open en wordt iedereen opnieuw gewaarschuwd"
            )
        found.append({"text": text, "at": row["due_at"]})
    return sorted(found, key=lambda item: item["at"])


def _state(row: dict) -> tuple[str, str]:
    """Return (state, words) of one delivery for the trail."""
    status, error = row["status"], (row["last_error"] or "").strip()
    code = f" [{row['last_status']}]" if row["last_status"] else ""
    if status == "sent" and row["receipt_at"]:
        return "delivered", _("afgeleverd op het apparaat %(t)s", t=_time(row["receipt_at"]))
    if status == "sent":
        channel = channels.all_channels().get(row["channel"])
        said = str(channel.accepted) if channel else _("verstuurd")
        return "sent", f"{said} {_time(row['sent_at'])}"
    if status == "pending" and row["attempts"]:
        return "retrying", _(
            "mislukt%(code)s %(error)s, volgende poging %(t)s",
            code=code,
            error=error,
            t=_time(row["next_attempt_at"]),
        )
    if status in ("pending", "sending"):
        return "waiting", _("wordt verstuurd")
    if status == "failed":
        return "failed", _("mislukt%(code)s: %(error)s", code=code, error=error or "-")
    if status == "gone":
        return "failed", _("apparaat niet meer bereikbaar, abonnement verwijderd")
    if status == "expired":
        return "failed", _("verlopen voordat het kon worden verstuurd")
    return "cancelled", _("niet meer nodig")


def trail(db: Database, alarm_id: int) -> list[dict]:
    """Return the notification trail of an alarm: the latest attempt per person, channel and
    device, with how many messages went that way."""
    rows = db.query(
        "select d.*, u.display_name, s.user_agent from deliveries d "
        "left join users u on u.id = d.user_id "
        "left join push_subscriptions s on s.id = d.subscription_id "
        "where d.alarm_id = ? order by d.id",
        [alarm_id],
    )
    known = channels.all_channels()
    lines: dict[tuple, dict] = {}
    for row in rows:
        key = (row["user_id"], row["channel"], row["subscription_id"], row["kind"])
        state, words = _state(row)
        line = lines.setdefault(key, {"count": 0})
        line.update(
            who=row["display_name"] or _("kantooradres"),
            channel=str(known[row["channel"]].noun) if row["channel"] in known else row["channel"],
            kind=str(KIND_WORDS.get(row["kind"], row["kind"])),
            state=state,
            text=words,
            count=line["count"] + 1,
        )
    return list(lines.values())


def reach(db: Database, alarm_id: int) -> dict:
    """Return who the alarm's steps could not reach and whether a step reached nobody."""
    rows = db.query(
        "select detail from alarm_log where alarm_id = ? and event = 'notified' order by id",
        [alarm_id],
    )
    missed: dict[str, dict] = {}
    nobody = False
    for row in rows:
        detail = json.loads(row["detail"] or "{}")
        if detail.get("repeat") or detail.get("kind") not in ("alarm", "panic", "duress"):
            continue
        for person in detail.get("unreachable", []):
            missed[person["name"]] = person
        nobody = bool(detail.get("nobody"))
    text = unreachable_text(list(missed.values())) if missed else ""
    return {"unreachable": text, "nobody": nobody}


def location(alarm: dict) -> dict | None:
    """Return the worker's last known location with its accuracy, age and a map link."""
    if alarm.get("last_lat") is None:
        return None
    lat, lon = alarm["last_lat"], alarm["last_lon"]
    return {
        "text": f"{lat:.5f}, {lon:.5f}",
        "accuracy": alarm.get("last_accuracy"),
        "at": alarm["last_location_at"],
        "map": MAP_URL.format(lat=lat, lon=lon),
    }
