"""The demo organisation that `make run` seeds on an empty database (logins in README.md)."""

from sqlite_utils import Database

from . import users
from .db import transaction

DEMO_PASSWORD = "demo-wachtwoord"
DEMO_TEAM = "Wijkteam Demo"
DEMO_USERS = [
    ("demo-medewerker", "Demi Medewerker", users.FIELD_WORKER, "06 11111111"),
    ("demo-kantoor", "Kees Kantoor", users.OFFICE, "06 22222222"),
    ("demo-coordinator", "Cor Coördinator", users.COORDINATOR, "06 33333333"),
    ("demo-beheer", "Bea Beheer", users.ADMIN, None),
]


def is_empty(db: Database) -> bool:
    """Tell whether the database has no users yet."""
    return db["users"].count == 0


def seed(db: Database, hash_method: str | None = None) -> None:
    """Create the demo team and its four users (tests pass a cheap `hash_method`)."""
    with transaction(db):
        team_id = users.create_team(db, DEMO_TEAM)
        # Marked as demo: its documented password-only logins stay usable (no second factor).
        db["teams"].update(team_id, {"demo": 1})
        for username, name, role, phone in DEMO_USERS:
            users.create_user(
                db,
                username=username,
                display_name=name,
                role=role,
                team_id=team_id,
                phone=phone,
                password=DEMO_PASSWORD,
                hash_method=hash_method,
            )


def logins_text() -> str:
    """Return the demo logins as printed by `make run`."""
    lines = [f"Demo-logins (wachtwoord voor allen: {DEMO_PASSWORD}):"]
    lines += [f"  {username:<18} {users.ROLES[role]}" for username, _n, role, _p in DEMO_USERS]
    return "\n".join(lines)
