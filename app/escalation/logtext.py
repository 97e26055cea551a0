"""Say each alarm-log line in words, for the board and the alarm page."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from ..clock import local_text
from . import channels

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
    "office_alerted": _l("melding 'kantoor gewaarschuwd'"),
    "alarm_seen": _l("melding 'alarm gezien'"),
}
OUTCOME_WORDS = {
    "gone": _l("apparaat niet meer bereikbaar, abonnement verwijderd"),
    "retry": _l("mislukt, wordt opnieuw geprobeerd"),
    "refused": _l("geweigerd"),
}


def _time(text: str | None) -> str:
    return local_text(text, "HH:mm:ss")


def _counts(detail: dict) -> str:
    """Say how many messages went out per channel: "3 push, 1 e-mail, 2 sms"."""
    sent = detail.get("sent")
    if sent is None:  # logged before channels: push and e-mail only
        sent = {"push": detail.get("pushes", 0), "email": detail.get("emails", 0)}
    known = channels.all_channels()
    return ", ".join(
        f"{count} {known[name].noun if name in known else name}" for name, count in sent.items()
    )


def unreachable_text(missed: list[dict]) -> str:
    """Say who a step could not reach and why: "Cor Coördinator heeft geen apparaat en …"."""
    return "; ".join(
        _(
            "%(name)s heeft %(what)s",
            name=person["name"],
            what=_(" en ").join(channels.missing_text(code) for code in person["missing"]),
        )
        for person in missed
    )


def _notified(detail: dict) -> str:
    kind = str(KIND_WORDS.get(detail.get("kind"), _l("melding")))
    if detail.get("repeat"):
        text = _("Herhaling %(n)d van het %(kind)s", n=detail["repeat"], kind=kind)
    elif detail.get("step") is not None:
        text = _("Stap %(n)d: %(kind)s", n=detail["step"] + 1, kind=kind)
    else:
        text = _("Verstuurd: %(kind)s", kind=kind)
    text += " " + ngettext(
        "aan %(num)d persoon (%(counts)s)",
        "aan %(num)d personen (%(counts)s)",
        detail.get("recipients", 0),
        counts=_counts(detail) or "-",
    )
    if detail.get("late_seconds"):
        text += " · " + _("%(s)d s te laat (escalator lag stil)", s=detail["late_seconds"])
    if detail.get("no_device"):
        text += " · " + _("zonder apparaat: %(names)s", names=", ".join(detail["no_device"]))
    if detail.get("unreachable"):
        text += " · " + _("niet bereikt: %(who)s", who=unreachable_text(detail["unreachable"]))
    if detail.get("nobody"):
        text += " · " + _("niemand bereikt buiten dit bord")
    return text


def _delivery(detail: dict) -> str:
    known = channels.all_channels()
    channel = known.get(detail.get("channel") or "push")
    outcome = detail.get("outcome")
    if outcome == "accepted" and channel is not None:
        said = str(channel.accepted)
    else:
        said = str(OUTCOME_WORDS.get(outcome, _l("onbekend")))
    text = _(
        "%(channel)s (%(kind)s), poging %(n)d: %(outcome)s",
        channel=str(channel.noun) if channel else detail.get("channel"),
        kind=str(KIND_WORDS.get(detail.get("kind"), _l("melding"))),
        n=detail.get("attempt", 1),
        outcome=said,
    )
    if detail.get("status"):
        text += f" [{detail['status']}]"
    if detail.get("error") and outcome != "accepted":
        text += f" {detail['error']}"
    if detail.get("retry_at"):
        text += " · " + _("volgende poging %(t)s", t=_time(detail["retry_at"]))
    return text


def _resolved(who: str, detail: dict) -> str:
    text = _("Afgehandeld door %(who)s: %(note)s", who=who, note=detail.get("note", ""))
    if detail.get("visit") == "ended":
        text += " · " + _("bezoek beëindigd")
    elif detail.get("due_at"):
        text += " · " + _("bezoek loopt door, nieuwe eindtijd %(t)s", t=_time(detail["due_at"]))
    elif detail.get("visit") == "kept":
        text += " · " + _("bezoek loopt door")
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
        return _resolved(who, detail)
    if event == "reopened":
        return _("Opnieuw geopend: niet op tijd afgehandeld of nieuwe deadline gemist")
    if event == "email_not_configured":  # logged before channels
        return _("Geen e-mail verstuurd: er is geen SMTP-server of kantooradres ingesteld")
    if event == "channel_unavailable":
        channel = channels.all_channels().get(detail.get("channel"))
        if channel is not None:
            return _(
                "Geen %(noun)s verstuurd: %(why)s", noun=channel.noun, why=channel.unavailable
            )
    return event
