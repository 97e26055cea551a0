"""Builders of test data, shared by every capability's tests.

Keep these in step with the real code paths: a visit made here must be one the app itself
could have made (issue 3 extends make_visit so that `assessed=True` gives a visit whose
risk assessment is complete and whose check-in is allowed).
"""

from datetime import timedelta

from sqlite_utils import Database

from app.clock import iso, now


def user_id(db: Database, username: str) -> int:
    """Return the id of a user by username."""
    return db.execute("select id from users where username = ?", [username]).fetchone()[0]


def make_visit(
    db: Database,
    worker: str = "demo-medewerker",
    *,
    voluntary: bool = True,
    purpose: str = "kitchen_table",
    start_in_minutes: int = 10,
    expected_minutes: int = 60,
    postcode: str = "3511AB",
    house_number: str = "12",
    case_ref: str | None = None,
    assessed: bool = True,
) -> int:
    """Insert a planned visit for a worker; return its id."""
    worker_id = user_id(db, worker)
    team_id = db.execute("select team_id from users where id = ?", [worker_id]).fetchone()[0]
    moment = now()
    visit_id = (
        db["visits"]
        .insert(
            {
                "team_id": team_id,
                "worker_id": worker_id,
                "created_by": worker_id,
                "created_at": iso(moment),
                "street": "Domplein",
                "house_number": house_number,
                "postcode": postcode,
                "city": "Utrecht",
                "address_key": f"{postcode}|{house_number}".upper(),
                "case_ref": case_ref,
                "location_type": "home",
                "voluntary": int(voluntary),
                "purpose": purpose,
                "planned_start": iso(moment + timedelta(minutes=start_in_minutes)),
                "expected_minutes": expected_minutes,
                "status": "planned",
            }
        )
        .last_pk
    )
    return visit_id
