"""The incident trends for the team's evaluation (Werkwijzer, chapters 5 and 6).

Per month by form, weekday × hour, by place and by visit kind, the share of responses within
48 hours and of police reports filed within two working days, and the days since the last
incident. Months and hours are Dutch local time.
"""

from datetime import date, datetime, timedelta

from flask_babel import format_date
from flask_babel import gettext as _
from sqlite_utils import Database

from ..clock import LOCAL, parse
from ..escalation.alarms import KINDS as ALARM_KINDS
from ..incidents import taxonomy
from . import alarmstats, charts, period, register

A_MONDAY = date(2024, 1, 1)


def weekdays() -> list[str]:
    """Return the short weekday names, Monday first, in the page's language."""
    return [format_date(A_MONDAY + timedelta(days=i), "EEE").rstrip(".") for i in range(7)]


def month_label(month: tuple[int, int], with_year: bool = False) -> str:
    """Return a month's short name in the page's language ("nov" or "nov 2026")."""
    return format_date(date(*month, 1), "MMM yyyy" if with_year else "MMM").rstrip(".")


def _local(row: dict) -> datetime:
    return parse(row["occurred_at"]).astimezone(LOCAL)


def _share(done: int, counted: int) -> float | None:
    return round(100 * done / counted) if counted else None


def on_time(rows: list[dict]) -> dict:
    """Return the on-time shares of some incidents' responses and police reports."""
    decidable = [r for r in rows if r["states"]["response"]["state"] != "open"]
    responded = sum(1 for r in decidable if r["states"]["response"]["state"] == "in_time")
    filed = [r for r in rows if r["states"]["police"]["filed"]]
    filed_in_time = sum(1 for r in filed if r["states"]["police"]["state"] == "in_time")
    return {
        "response": _share(responded, len(decidable)),
        "response_counts": (responded, len(decidable)),
        "police": _share(filed_in_time, len(filed)),
        "police_counts": (filed_in_time, len(filed)),
    }


def days_since_last(db: Database, team_id: int, today: date) -> int | None:
    """Return the whole days since the team's last incident, or None when there was none."""
    last = db.execute("select max(occurred_at) from incidents where team_id = ?", [team_id])
    stored = last.fetchone()[0]
    return None if stored is None else (today - parse(stored).astimezone(LOCAL).date()).days


def gather(db: Database, team_id: int, start: date, end: date, moment: datetime) -> dict:
    """Return the figures and the chart layouts of a period."""
    rows = register.with_followup(db, register.team_incidents(db, team_id, start, end), moment)
    months = period.months(start, end)
    labels = [month_label(m) for m in months]
    by_month = {m: [r for r in rows if (_local(r).year, _local(r).month) == m] for m in months}
    forms = [
        (str(label), [sum(1 for r in by_month[m] if r["form"] == form) for m in months])
        for form, label in taxonomy.FORMS.items()
    ]
    heat = [[0] * 24 for _day in range(7)]
    for row in rows:
        heat[_local(row).weekday()][_local(row).hour] += 1
    places = _counts(rows, lambda r: str(taxonomy.PLACE_KINDS.get(r["place_kind"], _("Onbekend"))))
    kinds = _counts(rows, register.visit_kind_label)
    shares = [on_time(by_month[m]) for m in months]
    alarms = alarmstats.monthly(db, team_id, start, end)
    return {
        "count": len(rows),
        "months": months,
        "month_labels": [month_label(m, True) for m in months],
        "forms": forms,
        "places": places,
        "visit_kinds": kinds,
        "on_time": on_time(rows),
        "shares": shares,
        "days_since_last": days_since_last(db, team_id, moment.astimezone(LOCAL).date()),
        "alarms": alarms,
        "charts": {
            "forms": charts.stacked(labels, forms),
            "heat": charts.heatmap(weekdays(), heat),
            "places": charts.hbars(places),
            "visit_kinds": charts.hbars(kinds),
            "on_time": charts.grouped_percent(
                labels,
                [
                    (_("Reactie binnen 48 uur"), [s["response"] for s in shares]),
                    (_("Aangifte binnen 2 werkdagen"), [s["police"] for s in shares]),
                ],
            ),
            "alarms": charts.stacked(
                labels,
                [
                    (str(name), [m["kinds"][kind] for m in alarms["months"]])
                    for kind, name in ALARM_KINDS.items()
                ],
            ),
        },
    }


def _counts(rows: list[dict], key) -> list[tuple[str, int]]:
    found: dict[str, int] = {}
    for row in rows:
        found[key(row)] = found.get(key(row), 0) + 1
    return sorted(found.items(), key=lambda item: (-item[1], item[0]))
