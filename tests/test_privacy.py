"""The processing record stays true to the code, and a coordinator can answer an access
request for one case reference."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest

from app.housekeeping import RETENTION

from .factories import add_user, make_visit

RECORD = Path(__file__).resolve().parent.parent / "docs" / "privacy.md"


def period(length: timedelta) -> str:
    """Say a retention period the way the record does: "1 day", "30 days", "12 hours"."""
    if length % timedelta(days=1) == timedelta(0):
        return "1 day" if length.days == 1 else f"{length.days} days"
    hours = int(length.total_seconds() // 3600)
    return "1 hour" if hours == 1 else f"{hours} hours"


def record_rows() -> dict[str, dict[str, str]]:
    """Return the record's table as {first-cell name: {column: cell}}."""
    lines = [line for line in RECORD.read_text().splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    rows = {}
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        for name in re.findall(r"`([^`]+)`", cells[0]):
            rows[name] = dict(zip(header, cells, strict=True))
    return rows


def test_every_retention_period_is_in_the_record():
    rows = record_rows()
    problems = []
    for category, length in RETENTION.items():
        row = rows.get(category)
        if row is None:
            problems.append(f"docs/privacy.md has no row for `{category}` ({period(length)})")
        elif period(length) not in row["how long"]:
            problems.append(
                f"docs/privacy.md says `{category}` is kept {row['how long']!r}; "
                f"housekeeping.RETENTION says {period(length)}"
            )
    assert not problems, "\n".join(problems)


def test_every_table_is_in_the_record(db):
    rows = record_rows()
    missing = [t for t in db.table_names() if not t.startswith("_") and t not in rows]
    assert not missing, f"add a row to docs/privacy.md for: {', '.join(missing)}"


def test_the_record_answers_every_question_for_every_row():
    for name, row in record_rows().items():
        assert set(row) == {
            "data (table)",
            "what is stored",
            "why",
            "who sees it",
            "how long",
            "where",
        }
        assert all(row.values()), f"{name}: an empty cell"


@pytest.fixture
def case(db, app):
    """Two visits and a report under one case reference; another case beside it."""
    with app.test_request_context():
        first = make_visit(db, case_ref="Z-2026-042")
        second = make_visit(db, case_ref="Z-2026-042", house_number="14")
        make_visit(db, case_ref="Z-2026-999", house_number="16")
    db["incidents"].insert(
        {
            "client_id": "00000000-0000-4000-8000-000000000042",
            "team_id": 1,
            "reporter_id": 1,
            "occurred_at": "2026-11-01T10:00:00+00:00",
            "form": "verbal",
            "case_ref": "Z-2026-042",
            "consequences": "emotional",
            "description": "Uitgescholden.",
            "received_at": "2026-11-01T10:05:00+00:00",
        }
    )
    db["visits"].update(first, {"last_lat": 52.09, "last_lon": 5.12})
    return first, second


def test_a_coordinator_downloads_everything_about_a_case(client, auth, db, case):
    auth.login("demo-coordinator")
    assert client.get("/inzage/").status_code == 200
    response = auth.post("/inzage/", {"case_ref": "Z-2026-042"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "Z-2026-042" in disposition
    data = json.loads(response.get_data(as_text=True))
    assert sorted(v["id"] for v in data["visits"]) == sorted(case)
    assert len(data["risk_assessments"]) == 2 and data["measure_confirmations"]
    assert [i["case_ref"] for i in data["incidents"]] == ["Z-2026-042"]
    assert "last_lat" not in data["visits"][0]  # the worker's location is not the citizen's
    assert "consequences" not in data["incidents"][0]  # nor the worker's health
    audit = db.execute(
        "select actor, object_id, detail from audit_log where action = 'privacy.export'"
    ).fetchone()
    assert audit[0] == "demo-coordinator" and audit[1] == "Z-2026-042"
    assert json.loads(audit[2])["rows"]["visits"] == 2


def test_another_team_exports_nothing_of_ours(client, auth, db, case):
    add_user(db, "oost.coordinator", role="coordinator", team="Wijkteam Oost")
    auth.login("oost.coordinator", "lang genoeg wachtwoord")
    data = auth.post("/inzage/", {"case_ref": "Z-2026-042"}).get_json()
    assert data["visits"] == [] and data["incidents"] == [] and data["team"] == "Wijkteam Oost"


@pytest.mark.parametrize("username", ["demo-medewerker", "demo-kantoor", "demo-beheer"])
def test_only_a_coordinator_may_export(client, auth, db, case, username):
    auth.login(username)
    assert auth.post("/inzage/", {"case_ref": "Z-2026-042"}).status_code == 403
    assert (
        db.execute("select count(*) from audit_log where action = 'privacy.export'").fetchone()[0]
        == 0
    )


@pytest.mark.parametrize("case_ref", ["", "Jansen", "x" * 100, "Z-1'; drop table visits;--"])
def test_a_case_reference_that_is_none_is_refused(client, auth, db, case_ref):
    auth.login("demo-coordinator")
    response = auth.post("/inzage/", {"case_ref": case_ref})
    assert response.status_code == 422 and "zaaknummer" in response.get_data(as_text=True)
