"""Trends and the monthly alarm statistics: figures that match the data, charts under the CSP."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from app.clock import LOCAL, iso
from app.escalation import store
from app.escalation.alarms import OUTCOMES
from app.followup import alarmstats, trends

from .factories import make_visit
from .followup_helpers import make_incident


def test_alarms_classify_as_real_false_or_test():
    assert {o: alarmstats.alarm_class(o) for o in OUTCOMES} == {
        "worker_safe": "false",
        "false_alarm": "false",
        "help_sent": "real",
        "police_called": "real",
        "real_safe": "real",
        "test_alarm": "test",
    }
    assert alarmstats.alarm_class(None) is None


def test_percentiles_by_nearest_rank():
    values = [float(v) for v in range(1, 11)]
    assert alarmstats.percentile(values, 50) == 5
    assert alarmstats.percentile(values, 90) == 9
    assert alarmstats.percentile([42.0], 90) == 42
    assert alarmstats.percentile([], 50) is None


def add_alarm(db, visit_id, opened, *, kind="overdue", ack=None, outcome=None, reached=True):
    row = {
        "visit_id": visit_id,
        "team_id": 1,
        "kind": kind,
        "status": "resolved" if outcome else "open",
        "opened_at": iso(opened),
        "acknowledged_at": iso(opened + timedelta(seconds=ack)) if ack is not None else None,
        "outcome": outcome,
    }
    alarm_id = db["alarms"].insert(row).last_pk
    store.log_event(
        db, visit_id, "alarm_raised", alarm_id=alarm_id, at=opened, detail={"kind": kind}
    )
    detail = {"outcome": "accepted" if reached else "retry"}
    store.log_event(db, visit_id, "delivery", alarm_id=alarm_id, at=opened, detail=detail)
    return alarm_id


def test_the_monthly_alarm_table(ctx, db):
    visit_id = make_visit(db)
    october = datetime(2026, 10, 5, 10, 0, tzinfo=LOCAL)
    for seconds in (3, 8, 10, 12, 30, 41, 90):
        add_alarm(db, visit_id, october, ack=seconds, outcome="worker_safe")
    add_alarm(db, visit_id, october, kind="panic", ack=5, outcome="help_sent")
    add_alarm(db, visit_id, october, kind="duress", ack=20, outcome="police_called", reached=False)
    add_alarm(db, visit_id, october, kind="panic", outcome=None, reached=False)  # never acked
    # 23:30 UTC on 31 October is 00:30 on 1 November in Amsterdam: a November alarm.
    add_alarm(
        db, visit_id, datetime(2026, 10, 31, 23, 30, tzinfo=UTC), ack=4, outcome="false_alarm"
    )
    # A missed check-out without an alarm: the ladder's overdue notice fired.
    other = make_visit(db, house_number="14")
    store.log_event(db, other, "notified", at=october, detail={"kind": "overdue"})

    table = alarmstats.monthly(db, 1, date(2026, 10, 1), date(2026, 11, 30))
    oct_row, nov_row = table["months"]
    assert oct_row["month"] == (2026, 10) and nov_row["month"] == (2026, 11)
    assert oct_row["total"] == 10
    assert oct_row["kinds"] == {
        "overdue": 7,
        "panic": 2,
        "duress": 1,
        "missed_check": 0,
        "wrong_pin": 0,
    }
    # Acknowledged: 3, 5, 8, 10, 12, 20, 30, 41, 90 (9 of 10).
    assert (oct_row["p50"], oct_row["p90"]) == (12, 90)
    assert oct_row["within_10"] == 40  # 3, 5, 8, 10 of all ten
    assert oct_row["within_40"] == 70  # and 12, 20, 30
    assert oct_row["classes"] == {"real": 2, "false": 7, "test": 0}
    assert oct_row["unresolved"] == 1
    assert oct_row["board_only"] == 2
    assert oct_row["missed"] == 2  # the visit with overdue alarms and the notified one
    assert (nov_row["total"], nov_row["classes"]["false"], nov_row["p50"]) == (1, 1, 4)
    assert table["total"]["total"] == 11


def test_the_incident_trends(ctx, db, clock):
    visit_id = make_visit(db, voluntary=False, purpose="enforcement")
    tuesday_14 = datetime(2026, 10, 13, 14, 20, tzinfo=LOCAL)
    make_incident(db, tuesday_14, form="verbal", visit_id=visit_id)
    make_incident(db, tuesday_14 + timedelta(minutes=10), form="physical", place_kind="counter")
    make_incident(db, datetime(2026, 9, 5, 9, 0, tzinfo=LOCAL), form="verbal", place_kind="phone")
    figures = trends.gather(db, 1, date(2026, 9, 1), date(2026, 10, 31), clock())
    assert figures["count"] == 3
    forms = dict(figures["forms"])
    assert forms["(Non-)verbale agressie"] == [1, 1] and forms["Fysiek geweld"] == [0, 1]
    heat = figures["charts"]["heat"]["cells"]
    tuesday = [c for c in heat if c["day"] == "di" and c["hour"] == 14]
    assert tuesday[0]["count"] == 2
    assert dict(figures["places"]) == {"Huisbezoek": 1, "Balie of kantoor": 1, "Telefoon": 1}
    assert dict(figures["visit_kinds"]) == {"Geen bezoek": 2, "Controle en handhaving": 1}
    # Nothing recorded: every response is overdue, no police report was filed.
    assert figures["on_time"]["response_counts"] == (0, 3)
    assert figures["on_time"]["police"] is None
    assert figures["days_since_last"] == 20  # 13 October to 2 November


def test_the_trends_page_draws_every_chart_without_style_or_script(client, auth, db):
    make_incident(db, datetime(2026, 10, 13, 14, 20, tzinfo=LOCAL))
    auth.login("demo-coordinator")
    response = client.get("/opvolging/trends")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    page = response.get_data(as_text=True)
    charts = re.findall(r'data-chart="([^"]+)"', page)
    assert charts == ["c-forms", "c-heat", "c-places", "c-kinds", "c-on-time", "c-alarms"]
    assert page.count("<svg viewBox") == 6
    assert " style=" not in page and "<script>" not in page and "onclick" not in page
    assert 'data-figure="days-since">20<' in page
    assert "data-alarm-table" in page


@pytest.mark.parametrize("path", ["/opvolging/trends", "/opvolging/rapport"])
def test_a_bad_period_is_a_dutch_message(client, auth, path):
    auth.login("demo-coordinator")
    response = client.get(path + "?van=2026-10-01&tot=2026-09-01")
    assert response.status_code == 400
    assert "De einddatum ligt vóór de begindatum." in response.get_data(as_text=True)


def test_an_empty_period_draws_empty_charts(client, auth):
    auth.login("demo-coordinator")
    page = client.get("/opvolging/rapport?van=2020-01-01&tot=2020-03-31").get_data(as_text=True)
    assert page.count("<svg viewBox") == 6 and 'data-figure="count">0<' in page
