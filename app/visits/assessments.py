"""Stored risk assessments, the measures confirmed for them and coordinators' approvals."""

import json

from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import iso, now
from ..db import transaction
from . import defaults as d
from .labels import translate


def _row(row) -> dict:
    """Return an assessment row with its JSON columns read."""
    out = dict(row)
    for column in ("answers", "reasons", "measures"):
        out[column] = json.loads(out[column] or "null")
    return out


def current(db: Database, visit: dict) -> dict | None:
    """Return the visit's current assessment, or None when it has none (or must be redone)."""
    if not visit.get("assessment_id"):
        return None
    row = db.execute(
        "select a.*, p.version as protocol_version, u.display_name as assessor "
        "from risk_assessments a join risk_protocols p on p.id = a.protocol_id "
        "left join users u on u.id = a.created_by where a.id = ?",
        [visit["assessment_id"]],
    ).fetchone()
    return _row(row) if row else None


def save(
    db: Database,
    visit: dict,
    protocol_id: int,
    answers: dict,
    outcome: dict,
    user_id: int,
    confirmed: list[str],
) -> int:
    """Store a new assessment for the visit, with the measures confirmed on the same form."""
    moment = iso(now())
    with transaction(db):
        assessment_id = (
            db["risk_assessments"]
            .insert(
                {
                    "visit_id": visit["id"],
                    "protocol_id": protocol_id,
                    "answers": json.dumps(answers),
                    "score": outcome["score"],
                    "level": outcome["level"],
                    "reasons": json.dumps(outcome["reasons"], ensure_ascii=False),
                    "measures": json.dumps(outcome["measures"], ensure_ascii=False),
                    "created_at": moment,
                    "created_by": user_id,
                }
            )
            .last_pk
        )
        _confirm(db, assessment_id, outcome["measures"], confirmed, user_id, moment)
        db["visits"].update(
            visit["id"], {"assessment_id": assessment_id, "risk_level": outcome["level"]}
        )
    return assessment_id


def _confirm(db, assessment_id, measures, keys, user_id, moment) -> list[str]:
    """Record confirmations of the worker-confirmed measures among `keys`; return them."""
    confirmable = {m["key"] for m in measures if m["kind"] == d.CONFIRM}
    added = [k for k in dict.fromkeys(keys) if k in confirmable]
    for key in added:
        db.execute(
            "insert or ignore into measure_confirmations "
            "(assessment_id, measure_key, confirmed_by, confirmed_at) values (?, ?, ?, ?)",
            [assessment_id, key, user_id, moment],
        )
    return added


def confirm(db: Database, assessment: dict, keys: list[str], user_id: int) -> list[str]:
    """Confirm measures of an existing assessment; return the keys that were confirmable."""
    with transaction(db):
        return _confirm(db, assessment["id"], assessment["measures"], keys, user_id, iso(now()))


def confirmed_keys(db: Database, assessment_id: int) -> set[str]:
    """Return the keys of the measures confirmed for an assessment."""
    rows = db.execute(
        "select measure_key from measure_confirmations where assessment_id = ?", [assessment_id]
    ).fetchall()
    return {r[0] for r in rows}


def companions(db: Database, visit_id: int) -> list[dict]:
    """Return who goes along: colleagues (with name and phone) and external companions."""
    rows = db.execute(
        "select c.id, c.user_id, c.external_name, c.external_kind, u.display_name, u.phone "
        "from visit_companions c left join users u on u.id = c.user_id "
        "where c.visit_id = ? order by c.id",
        [visit_id],
    ).fetchall()
    return [dict(r) for r in rows]


def unmet(
    db: Database, visit: dict, assessment: dict | None, *, approved: bool | None = None
) -> list[str]:
    """Return, in the user's language, each requirement of the assessment still missing.

    `approved` says whether a coordinator's approval holds, when the caller already knows.
    """
    return [text for _kind, text in unmet_measures(db, visit, assessment, approved=approved)]


def unmet_measures(
    db: Database, visit: dict, assessment: dict | None, *, approved: bool | None = None
) -> list[tuple[str, str]]:
    """Return (measure kind, message) for each requirement still missing."""
    if assessment is None:
        return [("assessment", _("Maak eerst de risico-inschatting."))]
    done = confirmed_keys(db, assessment["id"])
    people = companions(db, visit["id"])
    if approved is None:
        approved = approval_for(db, visit) is not None
    blockers = []
    for measure in assessment["measures"]:
        kind = measure["kind"]
        if kind == d.CONFIRM and measure["key"] not in done:
            text = translate(measure["label"])
            blockers.append((kind, _("Bevestig de maatregel: %(label)s", label=text)))
        elif kind == d.COMPANION and not people:
            message = _("Ga niet alleen: voeg een collega of externe begeleider toe.")
            blockers.append((kind, message))
        elif kind == d.POLICE_ESCORT and not any(p["external_kind"] == "police" for p in people):
            message = _("Ga alleen met de politie: voeg de politie toe als begeleider.")
            blockers.append((kind, message))
        elif kind == d.APPROVAL and not approved:
            blockers.append((kind, _("Toestemming van de coördinator is nodig.")))
    return blockers


def approval_for(db: Database, visit: dict) -> dict | None:
    """Return the approval that holds for the visit's current assessment, if any."""
    row = db.execute(
        "select * from visit_approvals where visit_id = ? and assessment_id is ? "
        "and revoked_at is null order by id desc limit 1",
        [visit["id"], visit.get("assessment_id")],
    ).fetchone()
    return dict(row) if row else None


def approvals(db: Database, visit_id: int) -> list[dict]:
    """Return every approval recorded for the visit, newest first, with the approver's name."""
    rows = db.execute(
        "select a.*, u.display_name as approver from visit_approvals a "
        "join users u on u.id = a.approved_by where a.visit_id = ? order by a.id desc",
        [visit_id],
    ).fetchall()
    return [{**dict(r), "waived": json.loads(r["waived"] or "[]")} for r in rows]


def approve(db: Database, visit: dict, user_id: int, reason: str, waived: list[str]) -> int:
    """Record a coordinator's approval (who, why, when, what it set aside); return its id."""
    return (
        db["visit_approvals"]
        .insert(
            {
                "visit_id": visit["id"],
                "assessment_id": visit.get("assessment_id"),
                "approved_by": user_id,
                "reason": reason,
                "waived": json.dumps(waived, ensure_ascii=False),
                "approved_at": iso(now()),
            }
        )
        .last_pk
    )


def revoke_approvals(db: Database, visit_id: int) -> None:
    """Void the visit's approvals: what was approved is no longer what will happen."""
    db.execute(
        "update visit_approvals set revoked_at = ? where visit_id = ? and revoked_at is null",
        [iso(now()), visit_id],
    )
