"""Trends, the printable period report and the CSV exports for the team's evaluation."""

from collections import Counter

from flask import Response, render_template, request
from flask_login import current_user

from .. import audit
from ..clock import now
from ..db import get_db
from . import alarmstats, bp, demo_year, export, flags, period, register, store, trends
from .checks import local_date
from .views import coordinator_only


def _period():
    moment = now()
    start, end, errors = period.read(request.args, local_date(moment))
    return moment, start, end, errors


def _context(moment, start, end, errors) -> dict:
    db = get_db()
    figures = trends.gather(db, current_user.team_id, start, end, moment) if not errors else None
    return {
        "figures": figures,
        "start": start,
        "end": end,
        "errors": errors,
        "demo_rows": demo_year.count(db, current_user.team_id),
        "generated_at": moment,
        "team_name": db["teams"].get(current_user.team_id)["name"],
    }


@bp.get("/trends")
@coordinator_only
def trends_page():
    """Show the team's trends for a period (the last twelve months unless chosen)."""
    moment, start, end, errors = _period()
    page = render_template("followup/trends.html", **_context(moment, start, end, errors))
    return page, (400 if errors else 200)


def _lessons(db, team_id: int, start, end, moment) -> dict:
    """Gather what the period's analyses say: measures that failed, protocol questions."""
    rows = register.with_followup(db, register.team_incidents(db, team_id, start, end), moment)
    missing = Counter(m["label"] for row in rows for m in store.missing_measures(row["followup"]))
    return {
        "missing": missing.most_common(),
        "protocol_change": sum(1 for r in rows if r["followup"].get("analysis_protocol_change")),
        "analysed": sum(1 for r in rows if r["followup"].get("analysis_recorded_at")),
        "open": [r for r in rows if not r["closed"]],
        "overdue": sum(1 for r in rows if r["overdue"]),
    }


@bp.get("/rapport")
@coordinator_only
def report():
    """Show the printable period report for the team's evaluation meeting (A4)."""
    moment, start, end, errors = _period()
    context = _context(moment, start, end, errors)
    if not errors:
        db = get_db()
        context["lessons"] = _lessons(db, current_user.team_id, start, end, moment)
        context["flags"] = flags.for_team(db, current_user.team_id, local_date(moment))
        audit.record(
            "followup.report",
            object_type="team",
            object_id=current_user.team_id,
            detail={"van": start.isoformat(), "tot": end.isoformat()},
        )
    page = render_template("followup/report.html", **context)
    return page, (400 if errors else 200)


def _csv(kind: str, text: str, rows: int, start, end) -> Response:
    audit.record(
        "followup.export",
        object_type="team",
        object_id=current_user.team_id,
        detail={"kind": kind, "van": start.isoformat(), "tot": end.isoformat(), "rows": rows},
    )
    name = f"{kind}_{start.isoformat()}_{end.isoformat()}.csv"
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _bad_period(errors: dict) -> tuple[str, int, dict]:
    return " ".join(errors.values()), 400, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/export/incidenten.csv")
@coordinator_only
def export_incidents():
    """Download the period's incidents with their follow-up as CSV."""
    moment, start, end, errors = _period()
    if errors:
        return _bad_period(errors)
    db = get_db()
    rows = register.with_followup(
        db, register.team_incidents(db, current_user.team_id, start, end), moment
    )
    return _csv("incidenten", export.incidents_csv(rows), len(rows), start, end)


@bp.get("/export/alarmen.csv")
@coordinator_only
def export_alarms():
    """Download the period's alarms as CSV."""
    moment, start, end, errors = _period()
    if errors:
        return _bad_period(errors)
    alarms = alarmstats.team_alarms(get_db(), current_user.team_id, start, end)
    return _csv("alarmen", export.alarms_csv(alarms), len(alarms), start, end)
