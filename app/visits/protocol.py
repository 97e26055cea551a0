"""The team protocol: versioned storage and the editor form's checks."""

import json
import re
from collections.abc import Iterator

from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import iso, now
from ..db import one, transaction
from . import defaults as d

MAX_QUESTIONS = 40
MAX_MEASURES = 20
MAX_WEIGHT = 20
MAX_THRESHOLD = 200


def _row(row: dict) -> dict:
    """Return a protocol row with its body read from JSON."""
    return {**row, "body": json.loads(row["body"])}


def current(db: Database, team_id: int) -> dict:
    """Return the team's newest protocol version, storing the default as version 1 first."""
    sql = "select * from risk_protocols where team_id = ? order by version desc limit 1"
    row = one(db, sql, [team_id])
    if row:
        return _row(row)
    # Two first requests at once both try version 1; the unique index keeps one of them.
    db.execute(
        "insert or ignore into risk_protocols (team_id, version, body, created_at) "
        "values (?, 1, ?, ?)",
        [team_id, json.dumps(d.DEFAULT_PROTOCOL, ensure_ascii=False), iso(now())],
    )
    return current(db, team_id)


def save_new_version(db: Database, team_id: int, body: dict, user_id: int) -> dict:
    """Store an edited protocol as the team's next version; return it."""
    with transaction(db):
        latest = current(db, team_id)["version"]
        db["risk_protocols"].insert(
            {
                "team_id": team_id,
                "version": latest + 1,
                "body": json.dumps(body, ensure_ascii=False),
                "created_at": iso(now()),
                "created_by": user_id,
            }
        )
    return current(db, team_id)


def _int_in(raw: str, low: int, high: int) -> int | None:
    """Read a whole number within bounds, or None."""
    raw = (raw or "").strip()
    if not re.fullmatch(r"-?\d{1,4}", raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


def _new_key(label: str, taken: set[str]) -> str:
    """Make a stable key for a new question or measure from its label."""
    base = re.sub(r"[^a-z0-9]+", "_", label.lower()).strip("_")[:30] or "item"
    key, n = base, 2
    while key in taken:
        key, n = f"{base}_{n}", n + 1
    taken.add(key)
    return key


def _rows(form, prefix: str, count_field: str, errors: dict) -> Iterator[tuple[str, ...]]:
    """Yield (form prefix, output prefix, key) per kept row; report label errors by output row.

    Rows marked for removal, and blank new rows, are skipped. Messages use the row's position
    in the result, so the re-shown form puts them next to the right row.
    """
    taken: set[str] = set()
    out = 0
    for i in range(_int_in(form.get(count_field, ""), 0, 100) or 0):
        src = f"{prefix}{i}-"
        key = form.get(src + "key", "")
        if form.get(src + "remove") or (not key and not form.get(src + "label", "").strip()):
            continue
        dest = f"{prefix}{out}-"
        label = " ".join(form.get(src + "label", "").split())
        if not 3 <= len(label) <= 200:
            errors[dest + "label"] = _("Vul een tekst in van 3 tot 200 tekens.")
        if key in taken or not re.fullmatch(r"[a-z0-9_]{1,40}", key):
            key = _new_key(label, taken)
        taken.add(key)
        out += 1
        yield src, dest, key, label


def _questions(form, errors: dict) -> list[dict]:
    """Read the question rows: kept ones, and new ones where a label was typed."""
    questions = []
    for src, dest, key, label in _rows(form, "q", "question_rows", errors):
        weight = _int_in(form.get(src + "weight", ""), 0, MAX_WEIGHT)
        if weight is None:
            errors[dest + "weight"] = _("Kies een gewicht van 0 tot %(n)d.", n=MAX_WEIGHT)
        scope = form.get(src + "scope", "")
        if scope not in d.QUESTION_SCOPES:
            errors[dest + "scope"] = _("Kies uit de lijst.")
        questions.append({"key": key, "label": label, "weight": weight, "scope": scope})
    if not questions:
        errors["questions"] = _("Het protocol heeft minstens één vraag nodig.")
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = _("Hoogstens %(n)d vragen.", n=MAX_QUESTIONS)
    return questions


def _measures(form, errors: dict) -> list[dict]:
    """Read the measure rows with the levels each applies to."""
    measures = []
    for src, dest, key, label in _rows(form, "m", "measure_rows", errors):
        kind, scope = form.get(src + "kind", ""), form.get(src + "scope", "")
        if kind not in d.MEASURE_KINDS:
            errors[dest + "kind"] = _("Kies uit de lijst.")
        if scope not in d.MEASURE_SCOPES:
            errors[dest + "scope"] = _("Kies uit de lijst.")
        levels = [lv for lv in d.LEVELS if lv in form.getlist(src + "levels")]
        measures.append(
            {"key": key, "label": label, "kind": kind, "scope": scope, "levels": levels}
        )
    if len(measures) > MAX_MEASURES:
        errors["measures"] = _("Hoogstens %(n)d maatregelen.", n=MAX_MEASURES)
    return measures


def parse_form(form) -> tuple[dict, dict[str, str]]:
    """Read the protocol editor; return the new body and messages per field."""
    errors: dict[str, str] = {}
    thresholds = {}
    for level in (d.MEDIUM, d.HIGH, d.POLICE):
        value = _int_in(form.get(f"threshold-{level}", ""), 1, MAX_THRESHOLD)
        if value is None:
            errors[f"threshold-{level}"] = _("Vul een getal in van 1 tot %(n)d.", n=MAX_THRESHOLD)
        thresholds[level] = value
    values = [thresholds[lv] for lv in (d.MEDIUM, d.HIGH, d.POLICE)]
    if None not in values and not values[0] < values[1] < values[2]:
        errors["threshold-high"] = _("De drempels moeten oplopen: midden < hoog < politie.")
    involuntary = _int_in(form.get("involuntary_weight", ""), 0, MAX_WEIGHT)
    if involuntary is None:
        errors["involuntary_weight"] = _("Kies een gewicht van 0 tot %(n)d.", n=MAX_WEIGHT)
    body = {
        "involuntary_weight": involuntary,
        "thresholds": thresholds,
        "questions": _questions(form, errors),
        "measures": _measures(form, errors),
    }
    return body, errors
