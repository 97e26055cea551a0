"""Say each alarm-log line in words, for the board and the alarm page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..clock import local_text

KIND_WORDS = {
    "reminder": _l("herinnering"),
    "overdue": _l("te-laatmelding"),
    "alarm": _l("alarm"),
    "panic": _l("paniekalarm"),
    "duress": _l("stil alarm"),
    "missed_check": _l("alarm: halfwegcheck niet beantwoord"),
    "wrong_pin": _l("alarm: onjuiste pincode"),
    "halfway": _l("halfwegcheck"),
    "approval_request": _l("verzoek om toestemming"),
    "approval_decision": _l("besluit over toestemming"),
    "test": _l("testmelding"),
}
OUTCOME_WORDS = {
    "accepted": _l("aangenomen door de pushdienst"),
    "gone": _l("apparaat niet meer bereikbaar, abonnement verwijderd"),
    "retry": _l("mislukt, wordt opnieuw geprobeerd"),
    "refused": _l("geweigerd"),
}


def _time(text: str | None) -> str:
    return local_text(text, "HH:mm:ss")


def _notified(detail: dict) -> str:
    kind = str(KIND_WORDS.get(detail.get("kind"), _l("melding")))
    if detail.get("repeat"):
        text = _("Herhaling %(n)d van het %(kind)s", n=detail["repeat"], kind=kind)
    elif detail.get("step") is not None:
        text = _("Stap %(n)d: %(kind)s", n=detail["step"] + 1, kind=kind)
    else:
        text = _("Verstuurd: %(kind)s", kind=kind)
    text += " " + ngettext(
        "aan %(num)d persoon (%(pushes)d push, %(emails)d e-mail)",
        "aan %(num)d personen (%(pushes)d push, %(emails)d e-mail)",
        detail.get("recipients", 0),
        pushes=detail.get("pushes", 0),
        emails=detail.get("emails", 0),
    )
    if detail.get("late_seconds"):
        text += " · " + _("%(s)d s te laat (escalator lag stil)", s=detail["late_seconds"])
    if detail.get("no_device"):
        text += " · " + _("zonder apparaat: %(names)s", names=", ".join(detail["no_device"]))
    return text


def _delivery(detail: dict) -> str:
    channel = _("e-mail") if detail.get("channel") == "email" else _("push")
    text = _(
        "%(channel)s (%(kind)s), poging %(n)d: %(outcome)s",
        channel=channel,
        kind=str(KIND_WORDS.get(detail.get("kind"), _l("melding"))),
        n=detail.get("attempt", 1),
        outcome=str(OUTCOME_WORDS.get(detail.get("outcome"), _l("onbekend"))),
    )
    if detail.get("channel") == "email" and detail.get("outcome") == "accepted":
        text = _(
            "e-mail (%(kind)s), poging %(n)d: aangenomen door de mailserver",
            kind=str(KIND_WORDS.get(detail.get("kind"), _l("melding"))),
            n=detail.get("attempt", 1),
        )
    if detail.get("status"):
        text += f" [{detail['status']}]"
    if detail.get("retry_at"):
        text += " · " + _("volgende poging %(t)s", t=_time(detail["retry_at"]))
    return text


def describe(entry: dict) -> str:
    """Return one log line as a sentence."""
    detail, event = entry["detail"], entry["event"]
    who = entry.get("actor_name") or ""
    if event == "notified":
        return _notified(detail)
    if event == "delivery":
        return _delivery(detail)
    if event == "checked_in":
        return _("%(who)s checkte in; eindtijd %(t)s", who=who, t=_time(detail.get("due_at")))
    if event == "extended":
        return _(
            "%(who)s verlengde met %(m)d min (%(reason)s); nieuwe eindtijd %(t)s",
            who=who,
            m=detail.get("minutes", 0),
            reason=detail.get("reason") or "-",
            t=_time(detail.get("due_at")),
        )
    if event == "im_ok":
        return _(
            "%(who)s meldde: ik ben oké; eindtijd %(t)s", who=who, t=_time(detail.get("due_at"))
        )
    if event == "checked_out":
        return _("%(who)s checkte uit", who=who)
    if event == "panic":
        return _("%(who)s drukte op de paniekknop", who=who)
    if event == "wrong_pin":
        return _("%(who)s toetste een onjuiste pincode bij het uitchecken", who=who)
    if event == "halfway_ok":
        return _("%(who)s antwoordde op de halfwegcheck: alles goed", who=who)
    if event == "alarm_raised":
        return _("Alarm gestart")
    if event == "acknowledged":
        return _("Bevestigd door %(who)s", who=who)
    if event == "resolved":
        return _("Afgehandeld door %(who)s: %(note)s", who=who, note=detail.get("note", ""))
    if event == "reopened":
        return _("Opnieuw geopend: niet op tijd afgehandeld of nieuwe deadline gemist")
    if event == "email_not_configured":
        return _("Geen e-mail verstuurd: er is geen SMTP-server of kantooradres ingesteld")
    return event
