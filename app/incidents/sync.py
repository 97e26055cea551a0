"""The outbox's sync protocol: idempotent by the phone's id, each item on its own.

Every item carries a client-generated UUID. The first body received under an id is
applied once and its result kept (`sync_receipts`); the same id again answers that first
result, and the same id with a different body is refused (422) so the phone keeps it in
view. Each item runs in its own write transaction, so one bad or failing item never takes
the others of its batch with it. Times from the phone are kept beside the server's.

Outcomes per item, and what the phone does with them:
  stored (201, 200 when a repeat)   applied: the item leaves the outbox
  refused (409)                     a visit action the server turned down: shown, kept
  invalid / conflict (422)          bad item, or same id with another body: shown, kept
  error (500) / deferred (503)      try again later: kept, order preserved
"""

import hashlib
import json
import re
from datetime import datetime

from flask import current_app
from sqlite_utils import Database

from .. import audit, metrics
from ..clock import iso
from ..db import one, storage_problem, transaction
from ..textinput import bad_json, text_problem
from . import replay, reports, visibility

MAX_ITEMS = 100
MAX_ITEM_BYTES = 16 * 1024
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
KINDS = {"incident", *replay.ACTIONS}
STATUS = {"stored": 201, "refused": 409, "invalid": 422, "conflict": 422, "error": 500}


def body_hash(item: dict) -> str:
    """Hash what an item says (everything but its id), independent of key order."""
    body = {key: item.get(key) for key in ("kind", "created_at", "data")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _result(index: int, client_id: str | None, outcome: str, **extra) -> dict:
    """Build one item's answer."""
    status = 503 if outcome == "deferred" else STATUS[outcome]
    return {"index": index, "id": client_id, "outcome": outcome, "status": status, **extra}


def _malformed(item: object) -> dict | None:
    """Return Dutch messages when an item is not a well-formed outbox item."""
    from flask_babel import gettext as _

    if not isinstance(item, dict):
        return {"item": _("Dit is geen geldig item.")}
    problems = {}
    if not isinstance(item.get("id"), str) or not UUID.match(item["id"]):
        problems["id"] = _("Het item heeft geen geldige id.")
    if not isinstance(item.get("kind"), str) or item["kind"] not in KINDS:
        problems["kind"] = _("Onbekende soort item.")
    data = item.get("data")
    if not isinstance(data, dict):
        problems["data"] = _("Het item heeft geen gegevens.")
    elif bad_json(item) == "depth":
        problems["item"] = _("Dit item is te diep genest.")
    elif bad_json(item):
        # Name the field, so the phone shows where; text nobody typed is never stored.
        field = next((key for key, value in data.items() if bad_json({key: value})), "item")
        problems[field if isinstance(field, str) and not text_problem(field) else "item"] = str(
            reports.TEXT_MESSAGE
        )
    elif len(json.dumps(item, ensure_ascii=False)) > MAX_ITEM_BYTES:
        problems["item"] = _("Dit item is te groot.")
    return problems or None


def _receipt(db: Database, client_id: str) -> dict | None:
    """Return the kept result for a client id, if any."""
    return one(db, "select * from sync_receipts where client_id = ?", [client_id])


def _repeat(index: int, receipt: dict, digest: str, user) -> dict:
    """Answer an id seen before: its first result, or a conflict when the body differs."""
    from flask_babel import gettext as _

    if receipt["user_id"] != user.id or receipt["body_hash"] != digest:
        message = _("Dit item is al eerder met andere inhoud ontvangen. Het is niet opgeslagen.")
        return _result(index, receipt["client_id"], "conflict", message=message)
    first = json.loads(receipt["result"])
    return {**first, "index": index, "status": 200, "duplicate": True}


def _apply(db: Database, item: dict, user, received: datetime) -> dict:
    """Apply a new item; return its outcome fields (not yet numbered)."""
    from flask_babel import gettext as _

    client_created = reports.parse_moment(item.get("created_at"))
    if item["kind"] == "incident":
        if not visibility.can_report(user):
            return {"outcome": "invalid", "errors": {"item": _("Alleen teamleden kunnen melden.")}}
        row, errors = reports.validate(db, item["data"], user, received)
        if errors:
            return {"outcome": "invalid", "errors": errors}
        incident_id = reports.insert(
            db,
            row,
            client_id=item["id"],
            body_hash=body_hash(item),
            client_created_at=iso(client_created) if client_created else None,
            received_at=iso(received),
        )
        audit.record("incident.create", object_type="incident", object_id=incident_id)
        return {"outcome": "stored", "incident_id": incident_id}
    return replay.apply(
        db,
        item["kind"],
        item["data"],
        user,
        client_created,
        received,
        phone_time=item.get("created_at"),
    )


def _keep(db: Database, item: dict, outcome: dict, user, received: datetime) -> dict:
    """Record an applied item's result under its id; return the result."""
    result = {"id": item["id"], **outcome, "received_at": iso(received)}
    result["status"] = STATUS[outcome["outcome"]]
    phone_time = item.get("created_at")
    db["sync_receipts"].insert(
        {
            "client_id": item["id"],
            "user_id": user.id,
            "kind": item["kind"],
            "body_hash": body_hash(item),
            "outcome": outcome["outcome"],
            "result": json.dumps(result, ensure_ascii=False),
            "client_created_at": phone_time if isinstance(phone_time, str) else None,
            "received_at": iso(received),
        }
    )
    return result


class _Refused(Exception):
    """Bad input: its transaction is rolled back, so it changes nothing and is not kept."""

    def __init__(self, outcome: dict):
        super().__init__(outcome["outcome"])
        self.outcome = outcome


def process_item(db: Database, index: int, item: dict, user, received: datetime) -> dict:
    """Apply one well-formed item exactly once, in its own write transaction."""
    # The transaction takes the write lock first, so two tabs sending the same item at the
    # same moment are served one after the other and the second sees the first's receipt.
    try:
        with transaction(db):
            receipt = _receipt(db, item["id"])
            if receipt:
                return _repeat(index, receipt, body_hash(item), user)
            outcome = _apply(db, item, user, received)
            if outcome["outcome"] == "invalid":
                raise _Refused(outcome)
            result = _keep(db, item, outcome, user, received)
    except _Refused as refused:
        return _result(index, item["id"], "invalid", errors=refused.outcome["errors"])
    return {**result, "index": index}


def process_batch(db: Database, items: list, user, received: datetime) -> list[dict]:
    """Apply a batch in order; return one result per item, in the same order."""
    from flask_babel import gettext as _

    results = []
    waiting_visits: set = set()  # a visit whose action failed: its later actions wait
    for index, item in enumerate(items):
        problems = _malformed(item)
        well_formed_id = isinstance(item, dict) and "id" not in (problems or {})
        client_id = item["id"] if well_formed_id else None
        if problems:
            results.append(_result(index, client_id, "invalid", errors=problems))
            continue
        visit = item["data"].get("visit_id") if item["kind"] in replay.ACTIONS else None
        if visit is not None and str(visit) in waiting_visits:
            message = _("Wacht op een eerdere actie voor dit bezoek.")
            results.append(_result(index, client_id, "deferred", message=message))
            continue
        try:
            results.append(process_item(db, index, item, user, received))
        except Exception as error:
            if storage_problem(error):  # the disk: nothing wrong with the item, try later
                current_app.logger.error("Sync: storage takes no writes: %s", error)
                message = _(
                    "De server kan nu niets opslaan. Het item blijft op dit toestel bewaard "
                    "en gaat later vanzelf."
                )
                results.append(_result(index, client_id, "deferred", message=message))
            else:
                current_app.logger.exception("Sync: item %s failed", client_id)
                message = _(
                    "Er ging iets mis aan onze kant. Het item blijft bewaard en gaat later."
                )
                results.append(_result(index, client_id, "error", message=message))
            if visit is not None:
                waiting_visits.add(str(visit))
    for item, result in zip(items, results, strict=True):
        kind = item.get("kind") if isinstance(item, dict) else None
        known = isinstance(kind, str) and kind in KINDS
        metrics.SYNC_ITEMS.labels(kind if known else "unknown", result["outcome"]).inc()
    return results
