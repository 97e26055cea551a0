"""Check and store an incident report: one rule for the web form and the offline outbox."""

import json
from datetime import UTC, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlite_utils import Database
from werkzeug.exceptions import NotFound

from .. import addresses
from ..clock import LOCAL, iso
from ..textinput import clean_text, text_problem
from ..visits.access import visit_or_404
from . import taxonomy

# A phone's clock may run a little ahead of the server's.
CLOCK_SKEW = timedelta(minutes=5)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
MAX_DESCRIPTION = 4000
MAX_BEHAVIOURS = 25
TRUE_VALUES = {"1", "on", "true", "yes", "ja"}
TEXT_MESSAGE = _l("Dit veld bevat tekens die niet als tekst kunnen worden opgeslagen.")
# Text fields of a report and their longest allowed length.
TEXT_LIMITS = {
    "street": 120,
    "house_number": 12,
    "city": 80,
    "case_ref": 40,
    "perpetrator_description": 500,
    "colleagues_present": 300,
    "description": MAX_DESCRIPTION,
}


def parse_moment(value: object) -> datetime | None:
    """Read an ISO time; one without an offset (datetime-local) is local Dutch time."""
    if not isinstance(value, str) or not 10 <= len(value.strip()) <= 40:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=LOCAL)
        return moment.astimezone(UTC)
    except (ValueError, OverflowError):  # nonsense, or a year like 0001 beyond UTC's range
        return None


def is_true(value: object) -> bool:
    """Read a checkbox or JSON boolean."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in TRUE_VALUES if value is not None else False


def as_list(value: object) -> list:
    """Read a multi-choice field: a list from JSON, one or more strings from a form."""
    if value is None or value == "":
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text(data: dict, name: str, errors: dict) -> str:
    """Return a trimmed text field, noting an error when it is not text or too long."""
    value = data.get(name)
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[name] = _("Dit veld moet tekst zijn.")
        return ""
    if text_problem(value):
        errors[name] = str(TEXT_MESSAGE)
        return ""
    value = value.strip()
    if len(value) > TEXT_LIMITS[name]:
        errors[name] = _("Te lang: hoogstens %(n)d tekens.", n=TEXT_LIMITS[name])
    return value


def _choice(data: dict, name: str, options: dict, errors: dict, message: str) -> str | None:
    """Return a value that must be one of the options, noting the message otherwise."""
    value = data.get(name)
    if isinstance(value, str) and value in options:
        return value
    errors[name] = message
    return None


def _visit(db: Database, data: dict, user, errors: dict) -> dict | None:
    """Return the linked visit if the user may see it."""
    raw = data.get("visit_id")
    if raw in (None, ""):
        return None
    try:
        if isinstance(raw, bool) or not isinstance(raw, int | str):
            raise TypeError(raw)
        visit_id = int(raw)
        if not 0 < visit_id < 2**62:
            raise ValueError(visit_id)
        return visit_or_404(db, visit_id, user)
    except (NotFound, TypeError, ValueError, OverflowError):
        errors["visit_id"] = _("Dit bezoek bestaat niet of is niet van u.")
        return None


def _occurred_at(data: dict, moment: datetime, errors: dict) -> str | None:
    """Return when it happened as stored UTC text; refuse the future and nonsense."""
    when = parse_moment(data.get("occurred_at"))
    if when is None:
        errors["occurred_at"] = _("Vul een geldige datum en tijd in.")
    elif when > moment + CLOCK_SKEW:
        errors["occurred_at"] = _("Dit tijdstip ligt in de toekomst.")
    elif when < EARLIEST:
        errors["occurred_at"] = _("Vul een geldige datum en tijd in.")
    else:
        return iso(when)
    return None


def _behaviours(data: dict, errors: dict) -> list[str]:
    """Return the chosen behaviour codes; unknown codes are refused by name."""
    codes = as_list(data.get("behaviours"))
    if len(codes) > MAX_BEHAVIOURS:
        errors["behaviours"] = _("Te veel gedragingen gekozen.")
        return []
    unknown = [
        clean_text(str(c))[:40]
        for c in codes
        if not isinstance(c, str) or c not in taxonomy.BEHAVIOUR_FORM
    ]
    if unknown:
        errors["behaviours"] = _("Onbekende gedraging: %(codes)s", codes=", ".join(unknown))
        return []
    return list(dict.fromkeys(codes))


def _address(data: dict, visit: dict | None, errors: dict) -> dict:
    """Return the address fields, taken from the visit when the report gives none."""
    if visit and not (data.get("postcode") or data.get("street")):
        fields = {k: visit[k] for k in ("street", "house_number", "postcode", "city")}
        return {**fields, "address_key": visit["address_key"]}
    fields = {k: _text(data, k, errors) for k in ("street", "house_number", "city")}
    raw = data.get("postcode") or ""
    fields["postcode"] = addresses.postcode(raw)
    if raw and fields["postcode"] is None:
        errors["postcode"] = str(addresses.POSTCODE_MESSAGE)
    number = fields["house_number"]
    if number and not addresses.is_house_number(number):
        errors.setdefault("house_number", str(addresses.HOUSE_NUMBER_MESSAGE))
    key = (
        addresses.address_key(fields["postcode"], number)
        if fields["postcode"] and number
        else None
    )
    return {**fields, "address_key": key}


def _perpetrator(data: dict, visit: dict | None, errors: dict) -> dict:
    """Return who did it: a case reference, unknown, or a description without a name."""
    case_ref = _text(data, "case_ref", errors) or (visit or {}).get("case_ref") or ""
    if case_ref and not addresses.is_case_ref(case_ref):
        errors["case_ref"] = str(addresses.CASE_REF_MESSAGE)
    kind = data.get("perpetrator_kind") or ("case_ref" if case_ref else "unknown")
    description = _text(data, "perpetrator_description", errors)
    if kind not in taxonomy.PERPETRATOR_KINDS:
        errors["perpetrator_kind"] = _("Kies wie het deed uit de lijst.")
    elif kind == "case_ref" and not case_ref:
        errors["case_ref"] = _("Vul de zaakreferentie in, of kies 'Onbekend'.")
    elif kind == "description" and not description:
        errors["perpetrator_description"] = _("Beschrijf de dader kort, zonder naam.")
    return {
        "case_ref": case_ref or None,
        "perpetrator_kind": kind,
        "perpetrator_description": description if kind == "description" else None,
    }


def _form(chosen: object, behaviours: list[str]) -> str | None:
    """Return the register's form: the chosen one, or a more serious one a behaviour shows."""
    candidates = [taxonomy.most_serious(behaviours)]
    if isinstance(chosen, str) and chosen in taxonomy.FORMS:
        candidates.append(chosen)
    elif chosen not in (None, ""):
        return None
    forms = [form for form in candidates if form]
    return max(forms, key=taxonomy.SEVERITY.__getitem__) if forms else None


def validate(db: Database, data: dict, user, moment: datetime) -> tuple[dict, dict]:
    """Check a report; return (row fields, Dutch messages per field)."""
    errors: dict[str, str] = {}
    visit = _visit(db, data, user, errors)
    behaviours = _behaviours(data, errors)
    form = _form(data.get("form"), behaviours)
    if form is None:
        errors["form"] = _("Kies de vorm: verbaal, bedreiging of fysiek geweld.")
    place_default = taxonomy.VISIT_PLACE.get(visit["location_type"]) if visit else None
    place = _choice(
        {"place_kind": data.get("place_kind") or place_default},
        "place_kind",
        taxonomy.PLACE_KINDS,
        errors,
        _("Kies waar het gebeurde."),
    )
    description = _text(data, "description", errors)
    if not description and "description" not in errors:
        errors["description"] = _("Beschrijf kort wat er gebeurde.")
    row = {
        "team_id": user.team_id,
        "reporter_id": user.id,
        "visit_id": visit["id"] if visit else None,
        "occurred_at": _occurred_at(data, moment, errors),
        "place_kind": place,
        **_address(data, visit, errors),
        **_perpetrator(data, visit, errors),
        "form": form,
        "behaviours": json.dumps(behaviours),
        "description": description,
        "consequences": _choice(
            data, "consequences", taxonomy.CONSEQUENCES, errors, _("Kies de gevolgen voor u.")
        ),
        "colleagues_present": _text(data, "colleagues_present", errors) or None,
        **{flag: int(is_true(data.get(flag))) for flag in taxonomy.FLAGS},
    }
    return row, errors


def insert(
    db: Database,
    row: dict,
    *,
    client_id: str,
    body_hash: str,
    client_created_at: str | None,
    received_at: str,
) -> int:
    """Store a checked report under its client id; return the new id."""
    record = {
        **row,
        "client_id": client_id,
        "body_hash": body_hash,
        "client_created_at": client_created_at,
        "received_at": received_at,
    }
    return db["incidents"].insert(record).last_pk


def prefill(db: Database, visit: dict | None) -> dict:
    """Return the form's starting values, taken from a visit when there is one."""
    if not visit:
        return {}
    companions = [
        row["name"]
        for row in db.query(
            "select coalesce(u.display_name, c.external_name) as name from visit_companions c "
            "left join users u on u.id = c.user_id where c.visit_id = ? order by c.id",
            [visit["id"]],
        )
        if row["name"]
    ]
    return {
        "visit_id": visit["id"],
        "place_kind": taxonomy.VISIT_PLACE.get(visit["location_type"], ""),
        "street": visit["street"],
        "house_number": visit["house_number"],
        "postcode": visit["postcode"],
        "city": visit["city"],
        "case_ref": visit["case_ref"] or "",
        "perpetrator_kind": "case_ref" if visit["case_ref"] else "unknown",
        "colleagues_present": ", ".join(companions),
    }
