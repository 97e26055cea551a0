"""The outbox's words for the phone's script, through the translation catalog.

The layout hands them to `static/js/outbox.js` in a data attribute of its script tag, so
they are there on every page, also on the cached pages the app shows without network.
"""

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlite_utils import Database

from ..db import one
from ..users import OFFICE

TEXTS = {
    "pending_one": _l("1 melding wacht op verzending"),
    "pending_many": _l("{n} meldingen wachten op verzending"),
    "send_now": _l("Nu verzenden"),
    "sending": _l("Bezig met verzenden…"),
    "all_sent": _l("Alles is verzonden."),
    "sent": _l("Melding verzonden. Dank u wel."),
    "saved_offline": _l(
        "Uw melding is bewaard op dit toestel en wordt verzonden zodra er verbinding is."
    ),
    "no_network": _l("Geen verbinding. De app probeert het vanzelf opnieuw."),
    "login_needed": _l(
        "Uw sessie is verlopen. Log opnieuw in; daarna gaan de wachtende meldingen vanzelf."
    ),
    "login": _l("Inloggen"),
    "other_user": _l(
        "Op dit toestel wachten meldingen van een andere gebruiker. "
        "Die gebruiker moet inloggen om ze te verzenden."
    ),
    "refused": _l("Niet aangenomen"),
    "retry_later": _l("Lukte niet, wordt opnieuw geprobeerd"),
    "dismiss": _l("Verwijderen"),
    "edit_again": _l("Opnieuw invullen"),
    "dismiss_confirm": _l("Dit item wordt van dit toestel verwijderd en is dan weg. Doorgaan?"),
    "logout_refused": _l(
        "U kunt nog niet uitloggen: {pending}. Verstuur ze eerst, anders gaan ze verloren."
    ),
    "logout_offline": _l("U bent offline. Uitloggen kan weer zodra er verbinding is."),
    "choose_form": _l("Kies wat er gebeurde: een gedraging of de vorm."),
    "view_report": _l("Bekijk de melding"),
    "another_report": _l("Nog een melding"),
    "kind_incident": _l("Incidentmelding"),
    "kind_check_in": _l("Inchecken"),
    "kind_check_out": _l("Uitchecken"),
    "kind_extend": _l("Verlengen"),
    "kind_im_ok": _l("Alles goed — 15 min erbij"),
    "kind_halfway_ok": _l("Alles goed (halfwegcheck)"),
    "kind_panic": _l("Paniekalarm"),
    "queued_action": _l("Bewaard op dit toestel; gaat naar de server zodra er verbinding is."),
    "offline_checkout": _l(
        "Geen of te zwakke verbinding: het kantoor ziet uw uitcheck nog niet en kan alarm slaan. "
        "Laat het kantoor weten dat u veilig bent."
    ),
    "offline_panic": _l(
        "Geen of te zwakke verbinding: uw alarm staat klaar op dit toestel en gaat zodra er "
        "verbinding is. Het kantoor weet het nog niet. Bel 112 of het kantoor."
    ),
    "offline_check_in": _l(
        "Geen of te zwakke verbinding: het kantoor ziet uw check-in nog niet. "
        "Bel het kantoor als u het bezoek toch begint."
    ),
    "offline_action": _l("Geen of te zwakke verbinding: het kantoor ziet dit nog niet."),
    "incident_question": _l("Was er een incident?"),
    "report_incident": _l("Ja, melden"),
    "sms_office": _l("Sms het kantoor"),
    "call_office": _l("Bel het kantoor"),
    "call_112": _l("Bel 112"),
    "sms_checkout": _l(
        "Veilig op Pad: ik ben veilig en uitgecheckt bij bezoek {visit} om {time}. "
        "Ik heb geen internet."
    ),
    "sms_panic": _l("Veilig op Pad: ALARM bij bezoek {visit} om {time}. Ik heb hulp nodig."),
    "sms_panic_no_visit": _l("Veilig op Pad: ALARM om {time}. Ik heb hulp nodig."),
    "no_office_phone": _l("Er is geen telefoonnummer van het kantoor ingesteld."),
}


# The visit screen kept on the phone fills in the running visit's addresses: "{id}" is its id.
VISIT_URLS = {
    "visit": "timer.visit",
    "check_out": "timer.check_out",
    "checked_out": "timer.checked_out",
    "extend": "timer.extend",
    "im_ok": "timer.im_ok",
    "halfway_ok": "timer.halfway_ok",
    "panic": "timer.panic",
    "panic_sent": "timer.panic_sent",
}
_SENTINEL = 9876543210


def _for_visit(endpoint: str) -> str:
    """Return the address of a visit's page or action with "{id}" for the visit's id."""
    return url_for(endpoint, visit_id=_SENTINEL).replace(str(_SENTINEL), "{id}")


def office_phone(db: Database, team_id: int | None) -> str:
    """Return the office's number: VOP_OFFICE_PHONE, else a phone of the team's office."""
    configured = current_app.config.get("VOP_OFFICE_PHONE") or ""
    if configured or team_id is None:
        return configured
    row = one(
        db,
        "select phone from users where team_id = ? and role = ? and active = 1 "
        "and coalesce(phone, '') != '' order by id limit 1",
        [team_id, OFFICE],
    )
    return row["phone"] if row else ""


def outbox_texts(shell: bool = False) -> dict:
    """Return the outbox's words in the current language and its addresses.

    The office's number is only the configured one here: the team's own number comes with the
    visit buttons (escalation/screen.py) and from /sync/status. A page the service worker
    keeps (`shell`) names no user: it may be shown to whoever holds the phone later.
    """
    texts = {key: str(text) for key, text in TEXTS.items()}
    texts["office_phone"] = (current_app.config.get("VOP_OFFICE_PHONE") or "").replace(" ", "")
    texts["zone"] = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Amsterdam")
    texts["urls"] = {
        "status": url_for("sync.status"),
        "sync": url_for("sync.items"),
        "login": url_for("auth.login"),
        "css": url_for("static", filename="css/incidents.css"),
        "new_report": url_for("incidents.new"),
        **{name: _for_visit(endpoint) for name, endpoint in VISIT_URLS.items()},
    }
    if not shell and current_user and current_user.is_authenticated:
        texts["user_id"] = current_user.id
    return texts
