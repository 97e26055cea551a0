"""Subject-access requests: everything the app stores about one case reference, as a file.

A citizen is known to the app only by the case reference on visits, reports and measures
(never by name), so the coordinator who answers an access request under the GDPR (art. 15)
exports by that reference. The export covers the coordinator's own team; each one is in
the audit trail. What is stored, why and for how long: docs/privacy.md.
"""

import json

from flask import Blueprint, Response, render_template, request
from flask_login import current_user
from sqlite_utils import Database

from . import addresses, audit, users
from .auth import role_required
from .clock import iso, now
from .db import get_db, one

bp = Blueprint("privacy", __name__, url_prefix="/inzage")

# Data about the worker rather than the citizen stays out: their location, their health.
LEFT_OUT = {
    "visits": {"last_lat", "last_lon", "last_location_at"},
    "incidents": {"consequences", "body_hash"},
}


def _rows(db: Database, table: str, where: str, params: list) -> list[dict]:
    left_out = LEFT_OUT.get(table, set())
    rows = db.query(f"select * from {table} where {where} order by id", params)
    return [{k: v for k, v in row.items() if k not in left_out} for row in rows]


def _in(ids: list[int]) -> str:
    return ", ".join("?" for _ in ids) or "null"


def export(db: Database, team_id: int, case_ref: str) -> dict:
    """Gather everything stored about a case reference in one team."""
    visits = _rows(db, "visits", "team_id = ? and case_ref = ?", [team_id, case_ref])
    visit_ids = [v["id"] for v in visits]
    marks = _in(visit_ids)
    alarms = _rows(db, "alarms", f"visit_id in ({marks})", visit_ids)
    assessments = _rows(db, "risk_assessments", f"visit_id in ({marks})", visit_ids)
    assessment_ids = [a["id"] for a in assessments]
    return {
        "case_ref": case_ref,
        "team": one(db, "select name from teams where id = ?", [team_id])["name"],
        "visits": visits,
        "visit_companions": _rows(db, "visit_companions", f"visit_id in ({marks})", visit_ids),
        "risk_assessments": assessments,
        "measure_confirmations": _rows(
            db,
            "measure_confirmations",
            f"assessment_id in ({_in(assessment_ids)})",
            assessment_ids,
        ),
        "visit_approvals": _rows(db, "visit_approvals", f"visit_id in ({marks})", visit_ids),
        "alarms": alarms,
        "alarm_log": _rows(db, "alarm_log", f"visit_id in ({marks})", visit_ids),
        "incidents": _rows(db, "incidents", "team_id = ? and case_ref = ?", [team_id, case_ref]),
        "address_measures": _rows(
            db, "address_measures", "team_id = ? and case_ref = ?", [team_id, case_ref]
        ),
    }


@bp.route("/", methods=["GET", "POST"])
@role_required(users.COORDINATOR)
def subject_access():
    """Ask for a case reference; answer with a JSON file of everything stored about it."""
    if request.method == "GET":
        return render_template("privacy/subject_access.html", errors={}, case_ref="")
    case_ref = request.form.get("case_ref", "").strip()
    if not addresses.is_case_ref(case_ref):
        errors = {"case_ref": str(addresses.CASE_REF_MESSAGE)}
        page = render_template("privacy/subject_access.html", errors=errors, case_ref="")
        return page, 422
    db = get_db()
    data = export(db, current_user.team_id, case_ref)
    moment = now()
    data = {"exported_at": iso(moment), "exported_by": current_user.username, **data}
    counts = {k: len(v) for k, v in data.items() if isinstance(v, list)}
    audit.record(
        "privacy.export", object_type="case_ref", object_id=case_ref, detail={"rows": counts}
    )
    name = f"inzage-{case_ref.replace('/', '-')}-{moment:%Y%m%d}.json"
    body = json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
