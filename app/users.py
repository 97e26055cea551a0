"""Users, teams and roles: the queries the auth and admin screens share."""

import functools
from pathlib import Path

from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlite_utils import Database
from werkzeug.security import check_password_hash, generate_password_hash

from .clock import iso, now
from .db import one

FIELD_WORKER, OFFICE, COORDINATOR, ADMIN = "field_worker", "office", "coordinator", "admin"
ROLES = {
    FIELD_WORKER: _l("Veldmedewerker"),
    OFFICE: _l("Kantoor / dienstdoende"),
    COORDINATOR: _l("Coördinator agressie en geweld"),
    ADMIN: _l("Beheerder"),
}
LANGUAGES = {"nl": "Nederlands", "en": "English"}
MIN_PASSWORD_LENGTH = 12

# scrypt, werkzeug's current default. The test suite sets PASSWORD_HASH_METHOD to a cheap
# method (it logs in hundreds of times); nothing else may.
HASH_METHOD = "scrypt"
_dummy_hashes: dict[str, str] = {}


def _method() -> str:
    if has_app_context():
        return current_app.config.get("PASSWORD_HASH_METHOD", HASH_METHOD)
    return HASH_METHOD


class User(UserMixin):
    """The signed-in user, built from a `users` row."""

    demo = False  # in the demo team (auth.load_user sets it): the screens say so
    must_enrol = False  # must switch on the second factor before anything else

    def __init__(self, row: dict, session_id: str | None = None):
        self.id = row["id"]
        self.username = row["username"]
        self.display_name = row["display_name"]
        self.role = row["role"]
        self.team_id = row["team_id"]
        self.language = row["language"]
        self.phone = row["phone"]
        self.session_id = session_id
        self.has_second_factor = bool(row.get("totp_enabled_at"))

    @property
    def role_label(self) -> str:
        """Return the role's name in the current language."""
        return str(ROLES[self.role])


def hash_password(password: str, method: str | None = None) -> str:
    """Hash a password with scrypt (or the method a test asks for)."""
    return generate_password_hash(password, method=method or _method())


def password_matches(row: dict | None, password: str) -> bool:
    """Check a password in constant-ish time, also when the account does not exist."""
    if row is None:
        # Compare against a real hash, so a failed login takes as long either way.
        method = _method()
        if method not in _dummy_hashes:
            _dummy_hashes[method] = generate_password_hash("not-a-real-password", method=method)
        check_password_hash(_dummy_hashes[method], password)
        return False
    return check_password_hash(row["password_hash"], password)


@functools.cache
def common_passwords() -> frozenset[str]:
    """Return the bundled list of the most common passwords (app/data/README.md: origin)."""
    text = (Path(__file__).parent / "data" / "common-passwords.txt").read_text("utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problem(password: str, username: str | None = None) -> str | None:
    """Return why a new password is not acceptable, or None."""
    from flask_babel import gettext as _

    if len(password) < MIN_PASSWORD_LENGTH:
        return _("Kies een wachtwoord van minstens %(n)d tekens.", n=MIN_PASSWORD_LENGTH)
    if len(password) > 256:
        return _("Dit wachtwoord is te lang (hoogstens 256 tekens).")
    if password.lower() in common_passwords():
        return _("Dit wachtwoord is veelgebruikt en wordt als eerste geraden. Kies een ander.")
    if username and len(username) >= 3 and username.lower() in password.lower():
        return _("Een wachtwoord mag uw gebruikersnaam niet bevatten.")
    return None


def find_by_username(db: Database, username: str) -> dict | None:
    """Return the user row for a username, or None."""
    return one(db, "select * from users where username = ?", [username])


def get_user(db: Database, user_id: int) -> dict | None:
    """Return the user row for an id, or None."""
    return one(db, "select * from users where id = ?", [user_id])


def create_user(db: Database, hash_method: str | None = None, **fields) -> int:
    """Insert a user with a hashed password; return the new id."""
    password = fields.pop("password")
    moment = iso(now())
    row = {
        "language": None,
        "phone": None,
        "active": 1,
        **fields,
        "password_hash": hash_password(password, hash_method),
        "created_at": moment,
        "password_changed_at": moment,
    }
    return db["users"].insert(row).last_pk


def create_team(db: Database, name: str) -> int:
    """Insert a team; return the new id."""
    return db["teams"].insert({"name": name, "active": 1, "created_at": iso(now())}).last_pk


def teams(db: Database, active_only: bool = False) -> list[dict]:
    """Return all teams by name."""
    where = "where active = 1" if active_only else ""
    return list(db.query(f"select * from teams {where} order by name"))
