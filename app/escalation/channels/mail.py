"""The alarm e-mail to the office's mailbox (app/escalation/mailer.py speaks SMTP)."""

from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from .. import mailer
from ..payloads import ALARM_KINDS, email_payload
from ..push import Result
from . import Channel, Step


class Mail(Channel):
    """One e-mail per alarm step to VOP_OFFICE_EMAIL, never repeated."""

    name = "email"
    label = _l("E-mail naar het kantooradres")
    noun = _l("e-mail")
    accepted = _l("aangenomen door de mailserver")
    personal = False
    unavailable = _l("er is geen SMTP-server of kantooradres ingesteld")

    def available(self, app: Flask) -> bool:
        """E-mail needs an SMTP server and the office's address."""
        return mailer.configured(app)

    def deliveries(self, step: Step) -> list[dict]:
        """The alarm e-mail, for the first notice of an alarm step only."""
        if step.kind not in ALARM_KINDS or step.repeat:
            return []
        to = current_app.config["VOP_OFFICE_EMAIL"]
        payload = email_payload(
            step.kind, step.visit, step.worker, step.alarm_id, to, step=step.step
        )
        return [step.row(self.name, user_id=None, host="smtp", payload=payload)]

    def send(self, app: Flask, row: dict, payload: dict) -> Result:
        """Hand the e-mail to the SMTP server."""
        return mailer.send(app, payload)
