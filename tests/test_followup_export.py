"""CSV exports: the documented columns, and rows that match the data."""

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

from app.clock import LOCAL, iso
from app.escalation import store
from app.followup.export import ALARM_COLUMNS, INCIDENT_COLUMNS

from .factories import make_visit, user_id
from .followup_helpers import make_incident

DOCS = (Path(__file__).resolve().parent.parent / "docs" / "followup.md").read_text()
BOM = "\ufeff"


def read_csv(response) -> list[dict]:
    text = response.get_data(as_text=True)
    assert text.startswith(BOM)
    return list(csv.DictReader(io.StringIO(text[1:]), delimiter=";"))


def header(response) -> list[str]:
    text = response.get_data(as_text=True)
    return text[1:].split("\r\n", 1)[0].split(";")


def test_every_column_is_documented():
    incidents = DOCS.split("### Incidents", 1)[1].split("### Alarms", 1)[0]
    alarms = DOCS.split("### Alarms", 1)[1].split("## Retention", 1)[0]
    assert [c for c in INCIDENT_COLUMNS if f"| `{c}` |" not in incidents] == []
    assert [c for c in ALARM_COLUMNS if f"| `{c}` |" not in alarms] == []
    documented = [line.split("`")[1] for line in incidents.splitlines() if line.startswith("| `")]
    assert documented == list(INCIDENT_COLUMNS)
    documented = [line.split("`")[1] for line in alarms.splitlines() if line.startswith("| `")]
    assert documented == list(ALARM_COLUMNS)


def test_a_period_without_data_gives_just_the_header(client, auth):
    auth.login("demo-coordinator")
    for path, columns in (
        ("/opvolging/export/incidenten.csv", INCIDENT_COLUMNS),
        ("/opvolging/export/alarmen.csv", ALARM_COLUMNS),
    ):
        response = client.get(path + "?van=2020-01-01&tot=2020-01-31")
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert response.get_data(as_text=True) == BOM + ";".join(columns) + "\r\n"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "2020-01-01_2020-01-31.csv" in disposition


def test_a_bad_period_is_refused_in_dutch(client, auth):
    auth.login("demo-coordinator")
    response = client.get("/opvolging/export/alarmen.csv?van=2026-02-01&tot=2026-01-01")
    assert response.status_code == 400
    assert response.get_data(as_text=True) == "De einddatum ligt vóór de begindatum."
    response = client.get("/opvolging/export/incidenten.csv?van=morgen")
    assert response.status_code == 400 and "geldige begindatum" in response.get_data(as_text=True)


def test_the_incident_rows_match_the_data(client, auth, db):
    visit_id = make_visit(db, voluntary=False, purpose="enforcement")
    occurred = datetime(2026, 10, 30, 16, 0, tzinfo=LOCAL)  # Friday
    followed = make_incident(
        db,
        occurred,
        visit_id=visit_id,
        form="physical",
        behaviours='["hit", "spit"]',
        property_damage=1,
        consequences="injury",
    )
    plain = make_incident(db, datetime(2026, 10, 1, 9, 0, tzinfo=LOCAL), place_kind="phone")
    make_incident(db, datetime(2026, 9, 30, 23, 59, tzinfo=LOCAL))  # before the period
    me = user_id(db, "demo-coordinator")
    db["followups"].insert(
        {
            "incident_id": followed,
            "team_id": 1,
            "owner_id": me,
            "response_kind": "building_ban",
            "response_at": iso(occurred + timedelta(hours=47)),
            "police_status": "filed",
            "police_filed_by": "employer",
            "police_filed_on": "2026-11-04",  # Monday and Tuesday were the working days
            "police_vpt": 1,
            "damage_cents": 12550,
            "damage_paid_cents": 5000,
            "damage_status": "partly_paid",
            "analysis_missing": '[{"key": "pair", "label": "Ga met z\'n tweeën"}]',
            "analysis_protocol_change": 1,
            "closed_at": "2026-11-01T12:00:00+00:00",
            "created_at": "2026-10-30T16:00:00+00:00",
            "updated_at": "2026-10-30T16:00:00+00:00",
        }
    )
    for day in ("2026-10-31", "2026-11-01"):
        talk = {"held_on": day, "held_by": "Cor", "referral": "none"}
        db["aftercare_talks"].insert(
            talk | {"incident_id": followed, "created_by": me, "created_at": iso(occurred)}
        )
    auth.login("demo-coordinator")
    response = client.get("/opvolging/export/incidenten.csv?van=2026-10-01&tot=2026-11-02")
    assert header(response) == list(INCIDENT_COLUMNS)
    rows = {int(r["id"]): r for r in read_csv(response)}
    assert set(rows) == {followed, plain}
    assert rows[followed] == {
        "id": str(followed),
        "gebeurd_op": "2026-10-30T16:00:00+01:00",
        "vorm": "physical",
        "gedragingen": "hit|spit",
        "plaats": "home_visit",
        "bezoek_soort": "enforcement",
        "bezoek_vrijwillig": "nee",
        "gevolgen": "injury",
        "schade_eigendommen": "ja",
        "politie_erbij": "nee",
        "wil_aangifte": "ja",
        "wil_nazorg": "ja",
        "reactie": "building_ban",
        "reactie_op": "2026-11-01T15:00:00+01:00",
        "reactie_termijn": "in_time",
        "aangifte": "filed",
        "aangifte_door": "employer",
        "aangifte_op": "2026-11-04",
        "aangifte_termijn": "late",
        "aangifte_vpt": "ja",
        "schade_euro": "125,50",
        "schade_betaald_euro": "50,00",
        "schade_status": "partly_paid",
        "nazorggesprekken": "2",
        "ontbrekende_maatregelen": "pair",
        "protocol_aanpassen": "ja",
        "afgesloten_op": "2026-11-01T13:00:00+01:00",
    }
    assert rows[plain]["gebeurd_op"] == "2026-10-01T09:00:00+02:00"  # summer time
    assert rows[plain]["plaats"] == "phone" and rows[plain]["bezoek_soort"] == ""
    assert rows[plain]["reactie_termijn"] == "overdue" and rows[plain]["aangifte"] == ""
    assert rows[plain]["schade_euro"] == "" and rows[plain]["afgesloten_op"] == ""
    # No free text, address or case reference leaves the app this way.
    text = response.get_data(as_text=True)
    assert "Dreigde" not in text and "3511AB" not in text and "Z-2026" not in text
    [line] = db.query("select * from audit_log where action = 'followup.export'")
    assert '"rows": 2' in line["detail"] and '"kind": "incidenten"' in line["detail"]


def test_the_alarm_rows_match_the_data(client, auth, db):
    visit_id = make_visit(db, voluntary=True, purpose="intake")
    opened = datetime(2026, 10, 15, 11, 0, tzinfo=LOCAL)
    office = user_id(db, "demo-kantoor")

    def alarm(kind, ack_seconds, outcome, delivered):
        row = {
            "visit_id": visit_id,
            "team_id": 1,
            "kind": kind,
            "status": "resolved",
            "level": 2,
            "opened_at": iso(opened),
            "acknowledged_by": office,
            "acknowledged_at": iso(opened + timedelta(seconds=ack_seconds)),
            "resolved_at": iso(opened + timedelta(minutes=10)),
            "outcome": outcome,
            "reopened": 1,
        }
        alarm_id = db["alarms"].insert(row).last_pk
        outcome = "accepted" if delivered else "refused"
        store.log_event(
            db, visit_id, "delivery", alarm_id=alarm_id, at=opened, detail={"outcome": outcome}
        )
        return alarm_id

    helped = alarm("panic", 7, "help_sent", True)
    unseen = alarm("overdue", 42, "worker_safe", False)
    auth.login("demo-coordinator")
    response = client.get("/opvolging/export/alarmen.csv?van=2026-10-01&tot=2026-10-31")
    assert header(response) == list(ALARM_COLUMNS)
    rows = {int(r["id"]): r for r in read_csv(response)}
    assert rows[helped] == {
        "id": str(helped),
        "soort": "panic",
        "gestart_op": "2026-10-15T11:00:00+02:00",
        "bevestigd_op": "2026-10-15T11:00:07+02:00",
        "seconden_tot_bevestiging": "7",
        "afgehandeld_op": "2026-10-15T11:10:00+02:00",
        "uitkomst": "help_sent",
        "klasse": "real",
        "niveau": "2",
        "heropend": "1",
        "iemand_bereikt": "ja",
        "bezoek_soort": "intake",
        "bezoek_vrijwillig": "ja",
    }
    assert (rows[unseen]["klasse"], rows[unseen]["iemand_bereikt"]) == ("false", "nee")
    assert rows[unseen]["seconden_tot_bevestiging"] == "42"
