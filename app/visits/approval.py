"""Asking a coordinator for approval of a check-in, and the coordinator's answer.

From a refused check-in the worker asks with one tap; the team's coordinators get a push and
see the requests waiting first on their home screen; the decision (given with a reason, or
refused with one) goes back to the worker as a push and shows on the visit's screens. The
approval itself is recorded as before (assessments.approve); a request only asks for it.
"""

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import iso, now
from ..db import one, transaction
from ..escalation.messages import queue_push
from ..escalation.payloads import address, path_for
from ..users import COORDINATOR
from . import assessments
from . import defaults as d
from .gate import blockers_for
from .labels import LEVELS

# What only a coordinator can set aside: the worker cannot arrange these alone.
COORDINATOR_KINDS = (d.APPROVAL, d.COMPANION, d.POLICE_ESCORT)


def latest(db: Database, visit_id: int) -> dict | None:
    """Return the visit's newest request with the name of whoever decided it."""
    return one(
        db,
        "select r.*, u.display_name as decider from approval_requests r "
        "left join users u on u.id = r.decided_by where r.visit_id = ? order by r.id desc limit 1",
        [visit_id],
    )


def can_ask(db: Database, visit: dict) -> bool:
    """Tell whether the worker may ask: planned, refused for a reason only a coordinator lifts."""
    if visit["status"] != "planned" or assessments.approval_for(db, visit):
        return False
    assessment = assessments.current(db, visit)
    kinds = {kind for kind, _text in assessments.unmet_measures(db, visit, assessment)}
    return bool(kinds & set(COORDINATOR_KINDS))


def for_check_in(db: Database, visit: dict) -> dict:
    """Return the visit with what blocks its check-in and the state of an approval request."""
    if visit["status"] != "planned":
        return {**visit, "blockers": [], "approval": None}
    request = latest(db, visit["id"])
    ask = can_ask(db, visit) and not (request and request["status"] == "pending")
    shown = request if request and request["status"] != "withdrawn" else None
    return {
        **visit,
        "blockers": blockers_for(db, visit),
        "approval": {"request": shown, "can_ask": ask} if (shown or ask) else None,
    }


def pending(db: Database, team_id: int) -> list[dict]:
    """Return the team's requests waiting for a decision, the oldest first."""
    return list(
        db.query(
            "select r.id, r.visit_id, r.requested_at, v.street, v.house_number, v.city, "
            "v.planned_start, v.risk_level, w.display_name as worker from approval_requests r "
            "join visits v on v.id = r.visit_id join users w on w.id = r.requested_by "
            "where v.team_id = ? and r.status = 'pending' order by r.requested_at, r.id",
            [team_id],
        )
    )


def _coordinators(db: Database, team_id: int) -> list[int]:
    rows = db.execute(
        "select id from users where team_id = ? and role = ? and active = 1 order by id",
        [team_id, COORDINATOR],
    )
    return [row[0] for row in rows]


def _payload(kind: str, recipient: dict, visit: dict, title: str, body: str) -> dict:
    return {
        "type": kind,
        "title": title,
        "body": body,
        "url": path_for("visits.detail", visit_id=visit["id"]),
        "visit_id": visit["id"],
        "tag": f"vop-approval-{visit['id']}",
    }


def _request_payload(recipient: dict, visit: dict, name: str) -> dict:
    with force_locale(recipient.get("language") or "nl"):
        level = str(LEVELS.get(visit.get("risk_level"), "-"))
        body = _(
            "%(name)s vraagt toestemming om in te checken bij %(address)s (risico: %(level)s).",
            name=name,
            address=address(visit),
            level=level,
        )
        return _payload("approval_request", recipient, visit, _("Toestemming gevraagd"), body)


def ask(db: Database, visit: dict, user) -> dict:
    """Record the request (once while one waits) and tell the team's coordinators."""
    with transaction(db):
        waiting = one(
            db,
            "select * from approval_requests where visit_id = ? and status = 'pending'",
            [visit["id"]],
        )
        if waiting is None:
            db["approval_requests"].insert(
                {
                    "visit_id": visit["id"],
                    "assessment_id": visit.get("assessment_id"),
                    "requested_by": user.id,
                    "requested_at": iso(now()),
                    "status": "pending",
                }
            )
            queue_push(
                db,
                _coordinators(db, visit["team_id"]),
                "approval_request",
                lambda r: _request_payload(r, visit, user.display_name),
                visit_id=visit["id"],
            )
    return latest(db, visit["id"])


def _decision_payload(recipient: dict, visit: dict, given: bool, name: str, reason: str):
    with force_locale(recipient.get("language") or "nl"):
        words = {"name": name, "address": address(visit), "reason": reason}
        if given:
            title = _("Toestemming gegeven")
            body = _("%(name)s: u mag inchecken bij %(address)s. %(reason)s", **words)
        else:
            title = _("Toestemming geweigerd")
            body = _("%(name)s: niet inchecken bij %(address)s. %(reason)s", **words)
        return _payload("approval_decision", recipient, visit, title, body)


def decide(db: Database, visit: dict, user, *, given: bool, reason: str) -> None:
    """Close the waiting request with the coordinator's decision and tell the worker."""
    with transaction(db):
        waiting = one(
            db,
            "select * from approval_requests where visit_id = ? and status = 'pending' "
            "order by id desc limit 1",
            [visit["id"]],
        )
        if waiting is None and not given:  # a refusal answers a request; nothing to refuse
            return
        if waiting is not None:
            db.execute(
                "update approval_requests set status = ?, decided_by = ?, decided_at = ?, "
                "reason = ? where id = ?",
                ["given" if given else "refused", user.id, iso(now()), reason, waiting["id"]],
            )
        worker = waiting["requested_by"] if waiting else visit["worker_id"]
        queue_push(
            db,
            [worker],
            "approval_decision",
            lambda r: _decision_payload(r, visit, given, user.display_name, reason),
            visit_id=visit["id"],
        )


def withdraw(db: Database, visit_id: int) -> None:
    """Withdraw a waiting request: the visit changed or was called off."""
    db.execute(
        "update approval_requests set status = 'withdrawn' where visit_id = ? "
        "and status = 'pending'",
        [visit_id],
    )
