"""Planning a visit: the choices on the form and the checks on what was filled in."""

from datetime import datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database

from .. import addresses, users
from ..clock import LOCAL, form_value, iso, now

LOCATION_TYPES = {"home": _l("Huisbezoek"), "business": _l("Bedrijfsbezoek")}
VOLUNTARY_PURPOSES = {
    "kitchen_table": _l("Keukentafelgesprek"),
    "intake": _l("Intake"),
    "guidance": _l("Begeleiding"),
    "other": _l("Anders"),
}
INVOLUNTARY_PURPOSES = {
    "enforcement": _l("Controle en handhaving"),
    "removal": _l("Uithuisplaatsing"),
    "bemoeizorg": _l("Bemoeizorg"),
    "other": _l("Anders"),
}
EXTERNAL_KINDS = {"police": _l("Politie"), "other": _l("Andere externe begeleider")}
PAST_GRACE_MINUTES = 30  # a visit may be entered just after it began, not long after
MAX_AHEAD_DAYS = 366
MAX_MINUTES = 12 * 60


# Changing one of these makes the risk assessment out of date.
RISK_FIELDS = ("address_key", "case_ref", "voluntary", "location_type", "planned_start")


def purpose_label(voluntary: int, purpose: str) -> str:
    """Return the purpose in the user's language."""
    choices = VOLUNTARY_PURPOSES if voluntary else INVOLUNTARY_PURPOSES
    return str(choices.get(purpose, purpose))


def kind_options() -> list[tuple[str, list[tuple[str, str]]]]:
    """Return the visit kinds grouped as voluntary and involuntary, for one select."""
    return [
        (
            _("Vrijwillig (op afspraak)"),
            [(f"1:{k}", str(v)) for k, v in VOLUNTARY_PURPOSES.items()],
        ),
        (
            _("Onvrijwillig (onaangekondigd)"),
            [(f"0:{k}", str(v)) for k, v in INVOLUNTARY_PURPOSES.items()],
        ),
    ]


def default_start() -> str:
    """Return the next quarter of an hour, at least 10 minutes away, as the form shows it."""
    local = (now() + timedelta(minutes=10)).astimezone(LOCAL)
    local = local.replace(second=0, microsecond=0) + timedelta(minutes=(-local.minute) % 15)
    return form_value(local)


def local_input(stored: str) -> str:
    """Turn a stored UTC moment into the datetime-local value of the form."""
    return form_value(datetime.fromisoformat(stored))


def colleagues(db: Database, team_id: int, exclude: int | None = None) -> list[dict]:
    """Return the active colleagues of a team who can go along on a visit."""
    rows = db.execute(
        "select id, display_name, role from users where team_id = ? and active = 1 "
        "and role != ? and id is not ? order by display_name",
        [team_id, users.ADMIN, exclude],
    ).fetchall()
    return [dict(r) for r in rows]


def field_workers(db: Database, team_id: int) -> list[dict]:
    """Return the active field workers of a team (office plans on their behalf)."""
    return [c for c in colleagues(db, team_id) if c["role"] == users.FIELD_WORKER]


def _start(raw: str, errors: dict, existing: dict | None) -> str | None:
    """Read the planned start (local time) and return it as stored UTC."""
    try:
        local = datetime.strptime(raw.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=LOCAL)
    except ValueError:
        errors["planned_start"] = _("Vul een datum en tijd in.")
        return None
    if existing and local_input(existing["planned_start"]) == raw.strip():
        return existing["planned_start"]  # unchanged on an edit: an old start stays allowed
    stored = iso(local)
    if local < now() - timedelta(minutes=PAST_GRACE_MINUTES):
        errors["planned_start"] = _(
            "Deze tijd ligt meer dan %(n)d minuten in het verleden.", n=PAST_GRACE_MINUTES
        )
    elif local > now() + timedelta(days=MAX_AHEAD_DAYS):
        errors["planned_start"] = _("Kies een tijd binnen een jaar.")
    return stored


def _text(form, name: str, limit: int, errors: dict, message: str, required=True) -> str:
    """Read a text field with its spaces tidied; note a message when missing or too long."""
    value = " ".join(form.get(name, "").split())
    if (required and not value) or len(value) > limit:
        errors[name] = message
    return value


def _address(form, errors: dict) -> dict:
    """Read street, number, postcode and city, and make the address key."""
    values = {
        "street": _text(form, "street", 100, errors, _("Vul de straat in.")),
        "city": _text(form, "city", 100, errors, _("Vul de plaats in.")),
    }
    number = form.get("house_number", "").strip()
    if not addresses.is_house_number(number):
        errors["house_number"] = str(addresses.HOUSE_NUMBER_MESSAGE)
    postcode = addresses.postcode(form.get("postcode", ""))
    if postcode is None:
        errors["postcode"] = str(addresses.POSTCODE_MESSAGE)
    values["house_number"], values["postcode"] = number, postcode or form.get("postcode", "")
    values["address_key"] = addresses.address_key(values["postcode"], number)
    return values


def parse(
    form, db: Database, team_id: int, user, existing: dict | None = None
) -> tuple[dict, list[dict], dict[str, str]]:
    """Check the plan form; return (visit values, companions to add, messages per field)."""
    errors: dict[str, str] = {}
    values = _address(form, errors)
    case_ref = form.get("case_ref", "").strip()
    if case_ref and not addresses.is_case_ref(case_ref):
        errors["case_ref"] = str(addresses.CASE_REF_MESSAGE)
    values["case_ref"] = case_ref or None
    values["location_type"] = form.get("location_type", "")
    if values["location_type"] not in LOCATION_TYPES:
        errors["location_type"] = _("Kies huis- of bedrijfsbezoek.")
    voluntary, _sep, purpose = form.get("kind", "").partition(":")
    choices = {"1": VOLUNTARY_PURPOSES, "0": INVOLUNTARY_PURPOSES}.get(voluntary, {})
    if purpose not in choices:
        errors["kind"] = _("Kies het soort bezoek uit de lijst.")
    values["voluntary"], values["purpose"] = int(voluntary == "1"), purpose
    values["planned_start"] = _start(form.get("planned_start", ""), errors, existing)
    minutes = form.get("expected_minutes", "").strip()
    if not minutes.isdigit() or not 1 <= int(minutes) <= MAX_MINUTES:
        errors["expected_minutes"] = _("Kies een duur van 1 minuut tot 12 uur.")
    values["expected_minutes"] = int(minutes) if minutes.isdigit() else None
    values["note"] = _text(form, "note", 500, errors, _("Hoogstens 500 tekens."), False) or None
    values["worker_id"] = _worker(form, db, team_id, user, existing, errors)
    companions = [] if existing else _companions(form, db, team_id, values["worker_id"], errors)
    return values, companions, errors


def _worker(form, db, team_id: int, user, existing: dict | None, errors: dict) -> int | None:
    """Return who goes: a field worker plans for themselves, the office picks a worker."""
    if existing:
        return existing["worker_id"]
    if user.role == users.FIELD_WORKER:
        return user.id
    raw = form.get("worker_id", "")
    ids = {str(w["id"]): w["id"] for w in field_workers(db, team_id)}
    if raw not in ids:
        errors["worker_id"] = _("Kies een medewerker uit de lijst.")
    return ids.get(raw)


def _companions(form, db, team_id: int, worker_id: int | None, errors: dict) -> list[dict]:
    """Read the colleagues and the external companion chosen on the form."""
    allowed = {str(c["id"]): c["id"] for c in colleagues(db, team_id, exclude=worker_id)}
    chosen = form.getlist("companion")
    if any(raw not in allowed for raw in chosen):
        errors["companion"] = _("Kies collega's uit de lijst.")
    people = [{"user_id": allowed[raw]} for raw in dict.fromkeys(chosen) if raw in allowed]
    external = external_companion(form, errors)
    return people + ([external] if external else [])


def external_companion(form, errors: dict) -> dict | None:
    """Read an external companion (police or other) from the form, if one was given."""
    kind = form.get("external_kind", "")
    name = " ".join(form.get("external_name", "").split())
    if not kind and not name:
        return None
    if kind not in EXTERNAL_KINDS:
        errors["external_kind"] = _("Kies wie er meegaat: politie of een andere begeleider.")
    if len(name) > 80:
        errors["external_name"] = _("Hoogstens 80 tekens.")
    label = str(EXTERNAL_KINDS.get(kind, ""))
    return {"external_kind": kind, "external_name": name or label}
