"""SMS to each recipient's phone number (app/escalation/cm_gateway.py speaks CM.com's API)."""

from datetime import datetime
from urllib.parse import urlsplit

from flask import Flask
from flask_babel import lazy_gettext as _l

from .. import cm_gateway
from ..payloads import ALARM_KINDS, sms_payload
from ..push import Result
from . import Channel, Step

SMS_KINDS = (*ALARM_KINDS, "overdue")  # an SMS is for alarms and a missed check-out


class Sms(Channel):
    """One SMS per recipient with a phone number, for the first notice of a step."""

    name = "sms"
    label = _l("Sms naar het telefoonnummer")
    noun = _l("sms")
    accepted = _l("aangenomen door de sms-dienst")
    unavailable = _l("er is geen sms-dienst ingesteld (VOP_SMS_TOKEN)")
    missing_words = {
        "no_phone": _l("geen telefoonnummer"),
        "sms_off": _l("geen sms (niet ingesteld)"),
    }

    def available(self, app: Flask) -> bool:
        """SMS needs the provider's product token and an allowed gateway address."""
        return cm_gateway.configured(app)

    def _number(self, app: Flask, person: dict) -> str | None:
        return cm_gateway.msisdn(person.get("phone"), app.config.get("VOP_SMS_COUNTRY"))

    def missing(self, app: Flask, person: dict, moment: datetime) -> str | None:
        """A person is reached by SMS with a valid phone number, once SMS is set up."""
        if not self._number(app, person):
            return "no_phone"
        return None if self.available(app) else "sms_off"

    def deliveries(self, step: Step) -> list[dict]:
        """One SMS per recipient with a number: the alarm, the address and the local time."""
        if step.kind not in SMS_KINDS or step.repeat:
            return []
        # Its own sender queue, apart from any push service on the same host.
        host = "sms:" + (urlsplit(cm_gateway.gateway_url(step.app)).hostname or "")
        ttl = step.app.config["VOP_PUSH_TTL_SECONDS"]
        rows = []
        for person in step.people:
            number = self._number(step.app, person)
            if not number:
                continue
            payload = sms_payload(
                step.kind, step.visit, step.worker, person, step.alarm_id, number
            )
            rows.append(
                step.row(self.name, user_id=person["id"], host=host, payload=payload, ttl=ttl)
            )
        return rows

    def send(self, app: Flask, row: dict, payload: dict) -> Result:
        """Post the SMS to the gateway, with the delivery as the provider's reference."""
        return cm_gateway.send(app, payload, reference=f"vop-{row['id']}")
