"""Check the follow-up forms: each returns (columns to store, Dutch messages per field).

Bad input changes nothing: dates out of order, a response before the incident, a date in the
future, a negative amount, an unknown choice. Dates are local Dutch dates (YYYY-MM-DD).
"""

import json
import re
from datetime import date, datetime

from flask_babel import gettext as _

from ..clock import LOCAL, iso, parse
from ..incidents.reports import CLOCK_SKEW, parse_moment
from . import terms

MAX_TEXT = 2000
MAX_AMOUNT_CENTS = 100_000_000  # a million euros: anything above is a typing error
AMOUNT = re.compile(r"^-?\d{1,9}([.,]\d{1,2})?$")


def local_date(moment: datetime) -> date:
    """Return the Dutch calendar date of a moment."""
    return moment.astimezone(LOCAL).date()


def read_date(raw: object) -> date | None:
    """Read a YYYY-MM-DD date from a form, or None."""
    if not isinstance(raw, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw.strip()):
        return None
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def read_cents(raw: object) -> int | None:
    """Read an amount in euros ("125", "125,50") as whole cents, or None."""
    text = (raw or "").strip().replace(" ", "").replace("€", "") if isinstance(raw, str) else ""
    if not AMOUNT.match(text):
        return None
    euros, _sep, cents = text.replace(",", ".").partition(".")
    sign = -1 if euros.startswith("-") else 1
    return sign * (abs(int(euros)) * 100 + int((cents + "00")[:2]))


def _text(form, name: str, errors: dict, limit: int = MAX_TEXT) -> str:
    value = str(form.get(name, "")).strip()
    if len(value) > limit:
        errors[name] = _("Te lang: hoogstens %(n)d tekens.", n=limit)
    return value


def _day(form, name: str, errors: dict, *, after: date, today: date, required: bool):
    """Read a date that must lie between `after` (the incident's day) and today."""
    raw = form.get(name, "")
    if not raw and not required:
        return None
    day = read_date(raw)
    if day is None:
        errors[name] = _("Vul een geldige datum in.")
    elif day < after:
        errors[name] = _("Deze datum ligt vóór het incident.")
    elif day > today:
        errors[name] = _("Deze datum ligt in de toekomst.")
    else:
        return day
    return None


def response(form, incident: dict, moment: datetime) -> tuple[dict, dict, dict | None]:
    """Check the response form; return (columns, errors, the flag it makes or None)."""
    errors: dict[str, str] = {}
    kind = form.get("response_kind", "")
    if kind not in terms.RESPONSES:
        errors["response_kind"] = _("Kies de reactie uit de lijst.")
    given = parse_moment(form.get("response_at"))
    occurred = parse(incident["occurred_at"])
    if given is None:
        errors["response_at"] = _("Vul een geldige datum en tijd in.")
    elif given < occurred:
        errors["response_at"] = _("De reactie kan niet vóór het incident zijn gegeven.")
    elif given > moment + CLOCK_SKEW:
        errors["response_at"] = _("Dit tijdstip ligt in de toekomst.")
    note = _text(form, "response_note", errors)
    if kind == "none" and not note:
        errors["response_note"] = _("Schrijf waarom er geen reactie komt.")
    flag = None
    if kind in terms.RESPONSE_FLAG and given is not None and "response_at" not in errors:
        flag = flag_fields(form, local_date(given), local_date(moment), errors, "response_note")
        if flag is not None:
            flag["kind"] = terms.RESPONSE_FLAG[kind]
    columns = {"response_kind": kind, "response_at": iso(given) if given else None}
    return columns | {"response_note": note or None}, errors, flag


def flag_fields(form, starts: date, today: date, errors: dict, reason_field: str = "reason"):
    """Check a flag's end date, reason and notice; return its columns, or None when wrong."""
    ends = read_date(form.get("ends_on", ""))
    if ends is None:
        errors["ends_on"] = _("Vul de einddatum van de maatregel in.")
    elif ends < today:
        errors["ends_on"] = _("Deze einddatum ligt in het verleden.")
    elif ends < starts:
        errors["ends_on"] = _("De einddatum ligt vóór de begindatum.")
    reason = _text(form, reason_field, errors)
    if not reason and reason_field not in errors:
        errors[reason_field] = _("Schrijf de reden van de maatregel op.")
    notice = notice_fields(form, ends, today, errors)
    if errors:
        return None
    return {"starts_on": starts.isoformat(), "ends_on": ends.isoformat(), "reason": reason} | (
        notice or {}
    )


def notice_fields(form, ends: date | None, today: date, errors: dict) -> dict | None:
    """Check when and how the citizen was told of a flag (both optional, together)."""
    raw, method = form.get("notice_on", ""), form.get("notice_method", "")
    if not raw and not method:
        return None
    day = read_date(raw)
    if day is None:
        errors["notice_on"] = _("Vul de datum in waarop de burger is ingelicht.")
    elif day > today:
        errors["notice_on"] = _("Deze datum ligt in de toekomst.")
    elif ends is not None and day > ends:
        errors["notice_on"] = _("De burger kan niet na de einddatum zijn ingelicht.")
    if method not in terms.NOTICE_METHODS:
        errors["notice_method"] = _("Kies hoe de burger is ingelicht.")
    if "notice_on" in errors or "notice_method" in errors:
        return None
    return {"notice_on": day.isoformat(), "notice_method": method}


def police(form, incident: dict, moment: datetime) -> tuple[dict, dict]:
    """Check the police-report form."""
    errors: dict[str, str] = {}
    status = form.get("police_status", "")
    if status not in terms.POLICE_STATUSES:
        errors["police_status"] = _("Kies of er aangifte is gedaan.")
    after, today = local_date(parse(incident["occurred_at"])), local_date(moment)
    columns = {
        "police_status": status,
        "police_vpt": int(form.get("police_vpt") == "1"),
        "police_employer_address": int(form.get("police_employer_address") == "1"),
        "police_reference": _text(form, "police_reference", errors, 40) or None,
        "police_reason": _text(form, "police_reason", errors) or None,
        "police_filed_by": None,
        "police_filed_on": None,
    }
    if status == "filed":
        filed_on = _day(form, "police_filed_on", errors, after=after, today=today, required=True)
        columns["police_filed_on"] = filed_on.isoformat() if filed_on else None
        columns["police_filed_by"] = form.get("police_filed_by")
        if columns["police_filed_by"] not in terms.FILED_BY:
            errors["police_filed_by"] = _("Kies wie de aangifte deed.")
    elif status == "not_filed" and not columns["police_reason"]:
        errors["police_reason"] = _("Schrijf waarom er geen aangifte is gedaan.")
    return columns, errors


def damage(form, incident: dict, moment: datetime) -> tuple[dict, dict]:
    """Check the damage form: amounts are zero or more, dates in order."""
    errors: dict[str, str] = {}
    amounts = {}
    for name in ("damage_cents", "damage_paid_cents"):
        raw = form.get(name, "").strip()
        cents = read_cents(raw) if raw else None
        if raw and cents is None:
            errors[name] = _("Vul een bedrag in euro's in, bijvoorbeeld 125,50.")
        elif cents is not None and cents < 0:
            errors[name] = _("Een bedrag kan niet negatief zijn.")
        elif cents is not None and cents > MAX_AMOUNT_CENTS:
            errors[name] = _("Dit bedrag is te hoog.")
        amounts[name] = cents
    if amounts["damage_cents"] is None and "damage_cents" not in errors:
        errors["damage_cents"] = _("Vul het schadebedrag in.")
    paid, total = amounts["damage_paid_cents"], amounts["damage_cents"]
    if paid is not None and total is not None and paid > total and not errors:
        errors["damage_paid_cents"] = _(
            "Er is meer betaald dan de schade: controleer de bedragen."
        )
    after, today = local_date(parse(incident["occurred_at"])), local_date(moment)
    sent = _day(form, "damage_claim_sent_on", errors, after=after, today=today, required=False)
    paid_on = _day(form, "damage_paid_on", errors, after=after, today=today, required=False)
    if sent and paid_on and paid_on < sent:
        errors["damage_paid_on"] = _("De betaling ligt vóór de verzending van de vordering.")
    status = form.get("damage_status", "")
    if status not in terms.DAMAGE_STATUSES:
        errors["damage_status"] = _("Kies de stand van het schadeverhaal.")
    elif status in ("paid", "partly_paid") and paid_on is None and "damage_paid_on" not in errors:
        errors["damage_paid_on"] = _("Vul de datum van de betaling in.")
    elif status == "claimed" and sent is None and "damage_claim_sent_on" not in errors:
        errors["damage_claim_sent_on"] = _("Vul de datum in waarop de vordering is verstuurd.")
    return {
        **amounts,
        "damage_claim_sent_on": sent.isoformat() if sent else None,
        "damage_paid_on": paid_on.isoformat() if paid_on else None,
        "damage_status": status,
    }, errors


def talk(form, incident: dict, moment: datetime) -> tuple[dict, dict]:
    """Check one aftercare talk."""
    errors: dict[str, str] = {}
    after, today = local_date(parse(incident["occurred_at"])), local_date(moment)
    held = _day(form, "held_on", errors, after=after, today=today, required=True)
    held_by = _text(form, "held_by", errors, 100)
    if not held_by and "held_by" not in errors:
        errors["held_by"] = _("Vul in wie het gesprek voerde.")
    referral = form.get("referral", "")
    if referral not in terms.REFERRALS:
        errors["referral"] = _("Kies een doorverwijzing (of geen).")
    note = _text(form, "note", errors, 1000)
    return {
        "held_on": held.isoformat() if held else None,
        "held_by": held_by,
        "referral": referral,
        "note": note or None,
    }, errors


def analysis(form, choices: dict[str, str]) -> tuple[dict, dict]:
    """Check the analysis: missing or failed measures from the fixed list, text, lessons."""
    errors: dict[str, str] = {}
    keys = form.getlist("missing")
    unknown = [key for key in keys if key not in choices]
    if unknown:
        errors["missing"] = _("Kies maatregelen uit de lijst.")
    change = form.get("analysis_protocol_change", "")
    if change not in ("yes", "no"):
        errors["analysis_protocol_change"] = _("Kies of het teamprotocol moet veranderen.")
    missing = [
        {"key": key, "label": choices[key]} for key in dict.fromkeys(keys) if key in choices
    ]
    return {
        "analysis_missing": json.dumps(missing, ensure_ascii=False),
        "analysis_text": _text(form, "analysis_text", errors) or None,
        "analysis_lessons": _text(form, "analysis_lessons", errors) or None,
        "analysis_protocol_change": int(change == "yes"),
    }, errors
