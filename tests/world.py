"""A small organisation for the route matrix and the junk property test: two teams, every
role signed in once, one object of each kind; each request runs on a fresh copy of it.

Copying the database file per request (the app reads `DATABASE` on each request) gives every
request the same starting state at the cost of a file copy, instead of a new app.
"""

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import create_app, demo, users
from app.clock import FakeClock
from app.db import connect, transaction

from .conftest import CSRF_META, AuthActions
from .factories import CHEAP_HASH, add_user, make_visit, user_id

# Who asks: the demo team ("ours") and a second team with its own people.
ROLES = (
    "anonymous",
    "worker",  # demo-medewerker: the visit, the report and the alarm are theirs
    "colleague",  # another field worker of the same team, not on the visit
    "office",
    "coordinator",
    "admin",
    "other-worker",
    "other-office",
    "other-coordinator",
    "other-admin",
)
LOGINS = {
    "worker": "demo-medewerker",
    "colleague": "collega",
    "office": "demo-kantoor",
    "coordinator": "demo-coordinator",
    "admin": "demo-beheer",
    "other-worker": "oost-medewerker",
    "other-office": "oost-kantoor",
    "other-coordinator": "oost-coordinator",
    "other-admin": "oost-beheer",
}
PASSWORD = "lang genoeg wachtwoord"  # factories.add_user
# Routes whose body is JSON (the phone's scripts and the service worker); the rest are forms.
JSON_PREFIXES = ("/push/", "/sync")


def user_team(db, username: str) -> int:
    """Return the team id of a user."""
    return db.execute("select team_id from users where username = ?", [username]).fetchone()[0]


class World:
    """The base database, a cookie and CSRF token per role, and the ids of the objects."""

    def __init__(self, root: Path, seeded: Path):
        self.root = root
        self.base = root / "base.sqlite"
        self.fresh = root / "fresh.sqlite"
        shutil.copyfile(seeded, self.base)
        self.clock = FakeClock()
        self.app = create_app(
            {
                "TESTING": True,
                "CLOCK": self.clock,
                "SECRET_KEY": "test-secret",
                "PASSWORD_HASH_METHOD": CHEAP_HASH,
                "DATABASE": str(self.base),
                "VOP_PUSH_HOSTS": "127.0.0.1,localhost",
            }
        )
        self.ids = self._objects()
        self.sessions = {role: self._sign_in(role) for role in ROLES}
        db = connect(str(self.base))
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.base_fingerprint = fingerprint(db)
        db.conn.close()

    def _objects(self) -> dict:
        """Make the people and one visit, companion, alarm and report of the demo team."""
        from app.escalation import actions, policy
        from app.escalation.alarms import raise_alarm
        from app.incidents import reports
        from app.visits import protocol

        db = connect(str(self.base))
        add_user(db, "collega")
        for role, name in [
            (users.FIELD_WORKER, "oost-medewerker"),
            (users.OFFICE, "oost-kantoor"),
            (users.COORDINATOR, "oost-coordinator"),
            (users.ADMIN, "oost-beheer"),
        ]:
            add_user(db, name, role=role, team="Wijkteam Oost")
        with self.app.test_request_context():
            # A team's protocol is stored from the defaults when first used: both teams have
            # used theirs, so no request below makes one as a side effect.
            for team in (1, user_team(db, "oost-medewerker")):
                protocol.current(db, team)
            visit_id = make_visit(db, case_ref="Z-2026-001")
            running = make_visit(db, house_number="14", case_ref="Z-2026-001")
            worker = users.User(users.get_user(db, user_id(db, "demo-medewerker")))
            actions.check_in(db, running, worker, at=self.clock())
            with transaction(db):
                visit = db["visits"].get(running)
                alarm = raise_alarm(db, visit, "overdue", policy.load(db, visit["team_id"]))
            row, errors = reports.validate(
                db,
                {
                    "behaviours": ["insult"],
                    "description": "Uitgescholden.",
                    "consequences": "emotional",
                    "place_kind": "home_visit",
                    "occurred_at": "2026-11-02T09:30",
                    "case_ref": "Z-2026-001",
                },
                worker,
                self.clock(),
            )
            assert not errors, errors
            incident = reports.insert(
                db,
                row,
                client_id="00000000-0000-4000-8000-000000000001",
                body_hash="x",
                client_created_at=None,
                received_at="2026-11-02T09:00:00+00:00",
            )
        companion = (
            db["visit_companions"]
            .insert(
                {"visit_id": visit_id, "external_name": "Tolk", "external_kind": "interpreter"}
            )
            .last_pk
        )
        flag = (
            db["address_measures"]
            .insert(
                {
                    "team_id": 1,
                    "address_key": "3511AB|12",
                    "kind": "building_ban",
                    "starts_on": "2026-11-01",
                    "ends_on": "2027-05-01",
                    "reason": "Bedreiging aan de deur.",
                    "created_by": user_id(db, "demo-coordinator"),
                    "created_at": "2026-11-01T09:00:00+00:00",
                }
            )
            .last_pk
        )
        ids = {
            "flag_id": flag,
            "visit_id": visit_id,
            "alarm_id": alarm["id"],
            "incident_id": incident,
            "user_id": user_id(db, "demo-medewerker"),
            "team_id": 1,
            "companion_id": companion,
        }
        db.conn.close()
        return ids

    def _sign_in(self, role: str) -> tuple[str, str]:
        """Sign one role in on the base database; return its cookie and CSRF token."""
        client = self.app.test_client()
        if role != "anonymous":
            password = demo.DEMO_PASSWORD if LOGINS[role].startswith("demo-") else PASSWORD
            response = AuthActions(client).login(LOGINS[role], password)
            assert response.status_code == 302, (role, response.status_code)
        page = client.get("/offline").get_data(as_text=True)
        token = CSRF_META.search(page).group(1)
        return client.get_cookie("vop_session").value, token

    def path(self, rule: str) -> str:
        """Fill a rule's parameters with the objects' ids."""
        path = rule
        for name, value in self.ids.items():
            path = path.replace(f"<int:{name}>", str(value))
        return path

    def request(self, method: str, rule: str, role: str, data: dict | None = None, raw=None):
        """Make one request as a role on a fresh copy of the base database."""
        return self.request_path(method, self.path(rule), role, data, raw)

    def request_path(self, method: str, path: str, role: str, data=None, raw=None):
        """Make one request to a filled-in path (a query string may follow)."""
        for suffix in ("", "-wal", "-shm"):
            Path(str(self.fresh) + suffix).unlink(missing_ok=True)
        shutil.copyfile(self.base, self.fresh)
        self.app.config["DATABASE"] = str(self.fresh)
        cookie, token = self.sessions[role]
        client = self.app.test_client()
        client.set_cookie("vop_session", cookie)
        headers = {"X-CSRFToken": token}
        if path.startswith(JSON_PREFIXES):
            headers["Accept"] = "application/json"
            if raw is not None:
                headers["Content-Type"] = "application/json"
                return client.open(path, method=method, data=raw, headers=headers)
            return client.open(path, method=method, json=data or {}, headers=headers)
        form = {"csrf_token": token, **(data or {})} if method != "GET" else None
        return client.open(path, method=method, data=form, headers=headers)

    def database(self):
        """Open the copy the last request ran on."""
        return connect(str(self.fresh))


# Tables a refused request may still write to, by design: the audit trail and the login
# throttle record refusals, and a session records that it was used.
# A refusal may still write these: the audit trail and throttle notes, sessions touched, and
# the row /healthz writes to prove the disk takes writes.
WRITTEN_WHEN_REFUSED = {"audit_log", "login_failures", "user_sessions", "health_probe"}


def fingerprint(db) -> dict[str, int]:
    """Return a hash of every table's rows (but those a refusal may write), to compare."""
    found = {}
    for table in db.table_names():
        if table in WRITTEN_WHEN_REFUSED:
            continue
        rows = db.execute(f"select * from [{table}] order by rowid").fetchall()
        found[table] = hash(tuple(tuple(row) for row in rows))
    return found


@contextmanager
def built(tmp_path_factory, seeded: Path, name: str) -> Iterator[World]:
    """Build a World in its own data folder (for a module-scoped fixture)."""
    with pytest.MonkeyPatch.context() as patch:
        root = tmp_path_factory.mktemp(name)
        patch.setenv("VOP_DATA_DIR", str(root))
        yield World(root, seeded)
