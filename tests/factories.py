"""Builders of test data, shared by every capability's tests.

Keep these in step with the real code paths: a visit made here must be one the app itself
could have made. `make_visit(..., assessed=True)` (the default) gives a visit whose risk
assessment is complete and whose measures are confirmed, so its check-in is allowed;
`assessed=False` leaves it unassessed.
"""

from datetime import timedelta

from sqlite_utils import Database

from app import users
from app.addresses import address_key
from app.clock import iso, now
from app.users import FIELD_WORKER

# scrypt costs about 130 ms a call; the suite hashes and checks passwords hundreds of times.
CHEAP_HASH = "pbkdf2:sha256:1000"


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
                "address_key": address_key(postcode, house_number),
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
    if assessed:
        assess_visit(db, visit_id)
    return visit_id


def assess_visit(db: Database, visit_id: int, answers: dict | None = None) -> int:
    """Assess a visit through the real code path and confirm every confirmable measure.

    With the default protocol and no risk answers (the default) the visit's check-in is then
    allowed; return the assessment id.
    """
    from app.visits import assessments, protocol, risk

    visit = dict(db.execute("select * from visits where id = ?", [visit_id]).fetchone())
    proto = protocol.current(db, visit["team_id"])
    answers = answers or {}
    outcome = risk.score(proto["body"], answers, bool(visit["voluntary"]))
    confirm = [m["key"] for m in outcome["measures"]]
    return assessments.save(db, visit, proto["id"], answers, outcome, visit["worker_id"], confirm)


def add_user(
    db: Database,
    username: str,
    role: str = FIELD_WORKER,
    team: str | None = None,
    *,
    two_factor: bool | None = None,
) -> int:
    """Create a user in the demo team, or in a named team (made when missing).

    Staff (office, coordinator, administrator) of a real team get a second factor, as the
    app requires of them; `AuthActions.login` then types its code. `two_factor=False`
    leaves it off (the enrolment tests), `True` switches it on for anyone.
    """
    team_id = 1
    if team is not None:
        row = db.execute("select id from teams where name = ?", [team]).fetchone()
        team_id = row[0] if row else users.create_team(db, team)
    new_id = users.create_user(
        db,
        username=username,
        display_name=username.title(),
        role=role,
        team_id=team_id,
        password="lang genoeg wachtwoord",
        hash_method=CHEAP_HASH,
    )
    if two_factor is None:
        demo_team = db.execute("select demo from teams where id = ?", [team_id]).fetchone()[0]
        two_factor = role != FIELD_WORKER and not demo_team
    if two_factor:
        enrol_two_factor(db, new_id)
    return new_id


def enrol_two_factor(db: Database, user_id: int) -> str:
    """Switch TOTP on for a user, as the enrolment page would; return the secret."""
    import pyotp

    secret = pyotp.random_base32()
    db["users"].update(user_id, {"totp_secret": secret, "totp_enabled_at": iso(now())})
    return secret
