"""Web push to each device of each recipient (app/escalation/push.py speaks the protocol)."""

from datetime import datetime

import aiohttp
from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from .. import push
from ..payloads import push_payload, receipt_token
from . import RECENT_RECEIPT, Channel, Step


class WebPush(Channel):
    """A push message to every device a recipient subscribed."""

    name = "push"
    label = _l("Pushbericht")
    noun = _l("push")
    accepted = _l("aangenomen door de pushdienst")
    missing_words = {
        "no_device": _l("geen apparaat"),
        "no_receipt": _l("geen apparaat dat onlangs een melding ontving"),
    }

    def missing(self, app: Flask, person: dict, moment: datetime) -> str | None:
        """A person is reached by push through a device that confirmed a push lately."""
        devices = person.get("devices") or []
        if not devices:
            return "no_device"
        since = (moment - RECENT_RECEIPT).isoformat(timespec="seconds")
        if any(d["last_receipt_at"] and d["last_receipt_at"] >= since for d in devices):
            return None
        return "no_receipt"

    def deliveries(self, step: Step) -> list[dict]:
        """One push per device of each recipient, in the recipient's language."""
        ttl = step.app.config["VOP_PUSH_TTL_SECONDS"]
        rows = []
        for person in step.people:
            for device in person["devices"]:
                payload = push_payload(
                    step.kind,
                    step.visit,
                    step.worker,
                    person,
                    alarm_id=step.alarm_id,
                    repeat=step.repeat,
                    about=step.about,
                    session_id=device["session_id"],
                )
                rows.append(
                    step.row(
                        self.name,
                        user_id=person["id"],
                        host=device["host"],
                        payload=payload,
                        subscription_id=device["id"],
                        ttl=ttl,
                    )
                )
        return rows

    def send(self, app: Flask, row: dict, payload: dict) -> push.Result:
        """Encrypt and post one push; its receipt token lets the device confirm it."""
        if row.get("endpoint") is None:
            return push.Result("gone", error="subscription removed")
        payload = _with_receipt(app, row, payload)
        return push.send(app, row, payload, ttl=row["ttl"], urgency=row["urgency"])

    async def send_async(
        self, app: Flask, session: aiohttp.ClientSession, row: dict, payload: dict
    ) -> push.Result:
        """The same as `send`, on the push sender process's loop (escalation/sender.py)."""
        if row.get("endpoint") is None:
            return push.Result("gone", error="subscription removed")
        payload = _with_receipt(app, row, payload)
        return await push.send_async(
            app, session, row, payload, ttl=row["ttl"], urgency=row["urgency"]
        )

    def record(self, db: Database, row: dict, result: push.Result, moment: str) -> None:
        """Forget a subscription the push service says is gone; note the others' answers."""
        if not row["subscription_id"]:
            return
        if result.outcome == "gone":  # the browser dropped this subscription
            db.execute("delete from push_subscriptions where id = ?", [row["subscription_id"]])
        elif result.outcome == "accepted":
            db.execute(
                "update push_subscriptions set last_accepted_at = ?, last_error = null "
                "where id = ?",
                [moment, row["subscription_id"]],
            )
        else:
            db.execute(
                "update push_subscriptions set last_error = ? where id = ?",
                [f"{result.status or ''} {result.error or ''}".strip(), row["subscription_id"]],
            )


def _with_receipt(app: Flask, row: dict, payload: dict) -> dict:
    """The payload with the delivery's id and the token the device confirms its receipt with."""
    with app.app_context():
        return {**payload, "id": row["id"], "receipt": receipt_token(row["id"])}
