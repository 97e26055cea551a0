"""What a push message or alarm e-mail says, in the recipient's language.

Every push payload is JSON with at least `type`, `title`, `body` and `url`; an office alarm
also carries `visit_id` and `alarm_id`. The service worker (service_worker/sw.js) relies on it.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import current_app
from flask_babel import force_locale, get_translations
from itsdangerous import BadSignature, Signer, URLSafeTimedSerializer

from ..clock import LOCAL, iso, now, parse

ALARM_KINDS = ("alarm", "panic", "duress", "missed_check", "wrong_pin")
# What the worker hears back about their own alarm (never about a duress alarm).
WORKER_NOTICES = ("office_alerted", "alarm_seen")
ACTION_SALT, RECEIPT_SALT = "vop-push-action", "vop-push-receipt"
ACTION_MAX_AGE = 24 * 3600
_SPEAKING: ContextVar = ContextVar("vop_payload_catalog", default=None)


def _catalog(language: str):
    """The translations of one language, looked up once per app."""
    found = current_app.extensions.setdefault("vop_catalogs", {})
    if language not in found:
        with force_locale(language):
            found[language] = get_translations()
    return found[language]


@contextmanager
def speaking(language: str | None) -> Iterator[None]:
    """Write the texts of this block in a recipient's language (Dutch when not known).

    Flask-Babel's gettext looks its catalog up again on every call (about 13 µs, and
    force_locale as much again); a burst builds thousands of payloads a second, so here the
    catalog is found once per language and `_` reads it directly.
    """
    token = _SPEAKING.set(_catalog(language or "nl"))
    try:
        yield
    finally:
        _SPEAKING.reset(token)


def _(text: str, **values) -> str:
    """gettext: in the language of the `speaking` block around it, else the request's."""
    catalog = _SPEAKING.get() or get_translations()
    found = catalog.ugettext(text)
    return found % values if values else found


def path_for(endpoint: str, **values) -> str:
    """Build a path outside a request (the escalator has none)."""
    urls = current_app.extensions.get("vop_paths")
    if urls is None:
        urls = current_app.extensions.setdefault(
            "vop_paths", current_app.url_map.bind("localhost")
        )
    return urls.build(endpoint, values)


def _signing(kind: type[URLSafeTimedSerializer] | type[Signer], salt: str):
    """The app's serializer or signer for one purpose (salt), made once per secret key."""
    made = current_app.extensions.setdefault("vop_signing", {})
    key = (kind, current_app.config["SECRET_KEY"], salt)
    if key not in made:
        made[key] = kind(key[1], salt=salt)
    return made[key]


def action_token(visit_id: int, user_id: int, session_id: str | None) -> str:
    """Sign what a notification's "I'm OK"/"Extend" buttons may do: this visit, this worker,
    for as long as the session that registered the device lasts."""
    claims = {"v": visit_id, "u": user_id, "s": session_id}
    return _signing(URLSafeTimedSerializer, ACTION_SALT).dumps(claims)


def read_action_token(token: object) -> dict | None:
    """Return {"v": visit_id, "u": user_id, "s": session_id} from a valid token, or None."""
    if not isinstance(token, str) or not token.isascii():
        return None
    try:
        claims = _signing(URLSafeTimedSerializer, ACTION_SALT).loads(token, max_age=ACTION_MAX_AGE)
    except (BadSignature, TypeError, ValueError):
        return None
    return claims if isinstance(claims, dict) and claims.get("s") else None


def receipt_token(delivery_id: int) -> str:
    """Sign a delivery id, so only the device that decrypted the push can report its receipt.

    A plain signature of the id ("123.<signature>"), not a serialized one: every push of a
    burst carries one, and the serializer's JSON, compression and timestamp cost 29 µs
    where this costs a few. A receipt needs no age: it is recorded once, for its delivery.
    """
    return _signing(Signer, RECEIPT_SALT).sign(str(int(delivery_id))).decode()


def read_receipt_token(token: object) -> int | None:
    """Return the delivery id of a valid receipt token, or None."""
    if not isinstance(token, str) or not token.isascii():
        return None
    try:
        return int(_signing(Signer, RECEIPT_SALT).unsign(token))
    except (BadSignature, TypeError, ValueError):
        return None


def address(visit: dict) -> str:
    """Return a visit's address on one line (a panic without a visit says so)."""
    if visit.get("street") is None:
        return _("geen lopend bezoek")
    return f"{visit['street']} {visit['house_number']}, {visit['postcode']} {visit['city']}"


def _time(moment: str | None) -> str:
    """A stored moment as local hours and minutes (what CLDR's "HH:mm" gives in every
    language, without Babel's pattern machinery: a burst writes thousands)."""
    return parse(moment).astimezone(LOCAL).strftime("%H:%M") if moment else "?"


def _location(visit: dict) -> str:
    if visit.get("last_lat") is None:
        return _("onbekend")
    return f"{visit['last_lat']:.5f}, {visit['last_lon']:.5f}"


def _visit_url(visit_id: int) -> str:
    return path_for("timer.visit", visit_id=visit_id)


def _worker_notice(kind: str, visit: dict, about: dict) -> tuple[str, str]:
    """Return (title, body) of what the worker hears back about their alarm."""
    where = address(visit)
    if kind == "alarm_seen":
        return _(
            "%(name)s heeft uw alarm gezien (%(time)s)",
            name=about.get("by") or "-",
            time=_time(about.get("at")),
        ), _("%(address)s: het kantoor is ermee bezig.", address=where)
    return _("Het kantoor is gewaarschuwd"), _(
        "%(address)s: het kantoor weet van uw alarm. Bel 112 bij direct gevaar.", address=where
    )


def _texts(kind: str, visit: dict, worker: dict, about: dict | None = None) -> tuple[str, str]:
    """Return (title, body) of a message of this kind."""
    if kind == "test":
        return _("Testmelding"), _("Pushmeldingen werken op dit apparaat.")
    if kind in WORKER_NOTICES:
        return _worker_notice(kind, visit, about or {})
    name, phone = worker["display_name"], worker.get("phone") or "-"
    where = address(visit)
    if kind == "reminder":
        return _("Uw bezoek loopt bijna af"), _(
            "%(address)s: eindtijd %(time)s. Check uit of verleng.",
            address=where,
            time=_time(visit["due_at"]),
        )
    if kind == "overdue":
        return _("Uw bezoek is afgelopen"), _(
            "%(address)s: check uit met 'Ik ben veilig' of verleng, anders gaat er een "
            "alarm naar kantoor.",
            address=where,
        )
    if kind == "panic":
        return _("PANIEKALARM: %(name)s", name=name), _(
            "%(address)s · laatste locatie %(location)s · tel. %(phone)s",
            address=where,
            location=_location(visit),
            phone=phone,
        )
    if kind == "halfway":
        return _("Alles goed?"), _(
            "%(address)s: u bent halverwege het bezoek. Tik op 'Alles goed', anders gaat er "
            "een alarm naar kantoor.",
            address=where,
        )
    if kind == "missed_check":
        return _("ALARM: %(name)s reageert niet op de halfwegcheck", name=name), _(
            "%(address)s · eindtijd %(time)s · tel. %(phone)s",
            address=where,
            time=_time(visit["due_at"]),
            phone=phone,
        )
    if kind == "wrong_pin":
        return _("ALARM: drie keer een onjuiste pincode bij %(name)s", name=name), _(
            "Bij het uitchecken is drie keer een onjuiste pincode ingetoetst: %(address)s · "
            "tel. %(phone)s. Het bezoek loopt nog.",
            address=where,
            phone=phone,
        )
    if kind == "duress":
        return _("STIL ALARM (dwang): %(name)s", name=name), _(
            "%(name)s checkte uit met de dwangcode bij %(address)s · tel. %(phone)s. "
            "Bel niet zomaar: iemand kan meekijken.",
            name=name,
            address=where,
            phone=phone,
        )
    return _("ALARM: %(name)s niet uitgecheckt", name=name), _(
        "%(address)s · eindtijd %(time)s · tel. %(phone)s",
        address=where,
        time=_time(visit["due_at"]),
        phone=phone,
    )


def push_payload(
    kind: str,
    visit: dict | None,
    worker: dict | None,
    recipient: dict,
    *,
    alarm_id: int | None = None,
    repeat: int = 0,
    about: dict | None = None,
    session_id: str | None = None,
) -> dict:
    """Return the JSON payload of one push message to one recipient's device.

    `session_id` is the session that registered the device: its buttons end with it.
    """
    with speaking(recipient.get("language")):
        if kind == "test":
            title, body = _texts("test", {}, {"display_name": ""})
            return {"type": "test", "title": title, "body": body, "url": path_for("home.index")}
        title, body = _texts(kind, visit, worker, about)
        if kind in WORKER_NOTICES:  # one notification per alarm on the phone, replaced
            return {
                "type": kind,
                "title": title,
                "body": body,
                "visit_id": visit["id"],
                "url": _visit_url(visit["id"]) if visit["id"] else path_for("home.index"),
                "tag": f"vop-office-{alarm_id}",
            }
        if repeat:
            title = _("(herhaling %(n)d) %(title)s", n=repeat, title=title)
        payload = {
            "type": kind,
            "title": title,
            "body": body,
            "visit_id": visit["id"],
            "tag": f"vop-{kind}-{alarm_id or visit['id']}",
        }
        if kind in ALARM_KINDS:
            payload["alarm_id"] = alarm_id
            payload["url"] = path_for("office.alarm", alarm_id=alarm_id)
            payload["actions"] = [{"action": "open", "title": _("Alarm openen")}]
        elif kind == "halfway":
            payload["url"] = _visit_url(visit["id"])
            payload["token"] = action_token(visit["id"], recipient["id"], session_id)
            payload["actions"] = [{"action": "halfway_ok", "title": _("Alles goed")}]
        else:
            payload["url"] = _visit_url(visit["id"])
            payload["token"] = action_token(visit["id"], recipient["id"], session_id)
            payload["actions"] = [
                {"action": "ok", "title": _("Alles goed — 15 min erbij")},
                {"action": "extend", "title": _("Verlengen")},
            ]
        return payload


def email_payload(
    kind: str, visit: dict, worker: dict, alarm_id: int | None, to: str, *, step: int | None = None
) -> dict:
    """Return the subject and text of an alarm e-mail to the office address."""
    with speaking("nl"):
        title, body = _texts(kind, visit, worker)
        target = (
            path_for("office.alarm", alarm_id=alarm_id) if alarm_id else path_for("office.board")
        )
        link = current_app.config["VOP_PUBLIC_URL"].rstrip("/") + target
        lines = [
            body,
            "",
            _("Medewerker: %(name)s", name=worker["display_name"]),
            _("Adres: %(address)s", address=address(visit)),
            _("Laatste locatie: %(location)s", location=_location(visit)),
            _("Risiconiveau: %(level)s", level=visit.get("risk_level") or "-"),
            _("Alarm bekijken en bevestigen: %(link)s", link=link),
        ]
        if step is not None:
            lines.insert(1, _("Escalatiestap %(n)d", n=step + 1))
        return {"to": to, "subject": f"[Veilig op Pad] {title}", "body": "\n".join(lines)}


def sms_payload(
    kind: str, visit: dict, worker: dict, recipient: dict, alarm_id: int | None, to: str
) -> dict:
    """Return one SMS: what happened, when (local time), where, and the link to act on it."""
    with speaking(recipient.get("language")):
        title, body = _texts(kind, visit, worker)
        target = (
            path_for("office.alarm", alarm_id=alarm_id) if alarm_id else _visit_url(visit["id"])
        )
        link = current_app.config["VOP_PUBLIC_URL"].rstrip("/") + target
        text = _(
            "Veilig op Pad %(time)s: %(title)s. %(body)s %(link)s",
            time=_time(iso(now())),
            title=title,
            body=body,
            link=link,
        )
    return {"to": to, "text": text}
