"""Two-factor login: required for office, coordinator and administrator, per team for field
workers, never on the demo team; enrolment with a QR code, recovery codes, an audited reset."""

import hashlib
import re

import pyotp
import pytest

from .conftest import csrf_token
from .factories import add_user, user_id

PASSWORD = "lang genoeg wachtwoord"  # factories.add_user
TEAM = "Wijkteam Noord"  # a real team: not the demo


def login(client, username: str, password: str = PASSWORD, address: str = "192.0.2.1"):
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def send_code(client, code: str, address: str = "192.0.2.1"):
    token = csrf_token(client)
    return client.post(
        "/login/tweede-stap",
        data={"code": code, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def enrol(client, db, username: str, clock) -> tuple[str, list[str]]:
    """Enrol TOTP through the page; return the secret and the recovery codes shown."""
    page = client.get("/account/tweestaps").get_data(as_text=True)
    assert 'src="data:image/svg+xml' in page
    secret = db.execute("select totp_secret from users where username = ?", [username]).fetchone()
    code = pyotp.TOTP(secret[0]).at(clock())
    response = client.post(
        "/account/tweestaps", data={"code": code, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 200
    codes = re.findall(r'<li class="recovery-code"><code>([a-z0-9-]+)</code></li>', response.text)
    return secret[0], codes


@pytest.fixture
def office(db):
    add_user(db, "kantoor.noord", role="office", team=TEAM, two_factor=False)
    return "kantoor.noord"


@pytest.mark.parametrize("role", ["office", "coordinator", "admin"])
def test_staff_of_a_real_team_must_enrol_before_anything_else(client, db, role):
    add_user(db, "staff.noord", role=role, team=TEAM, two_factor=False)
    response = login(client, "staff.noord")
    assert response.status_code == 302 and response.headers["Location"] == "/account/tweestaps"
    for path in ["/", "/kantoor/", "/beheer/", "/incidenten/"]:
        moved = client.get(path)
        assert moved.status_code == 302 and moved.headers["Location"] == "/account/tweestaps"
    api = client.get("/sync/status", headers={"Accept": "application/json"})
    assert api.status_code == 403 and "tweestapsverificatie" in api.json["error"]


def test_a_field_worker_needs_it_only_when_the_team_says_so(client, auth, db, clock):
    add_user(db, "werker.noord", team=TEAM)
    assert login(client, "werker.noord").headers["Location"] == "/"
    client.get("/")
    auth.logout()
    auth.login("demo-beheer")
    team_id = db.execute("select id from teams where name = ?", [TEAM]).fetchone()[0]
    saved = auth.post(f"/beheer/teams/{team_id}", {"name": TEAM, "two_factor_workers": "1"})
    assert saved.status_code == 303
    assert db["teams"].get(team_id)["two_factor_workers"] == 1
    auth.logout()
    assert login(client, "werker.noord").headers["Location"] == "/account/tweestaps"


def test_the_demo_team_keeps_its_password_logins_and_says_so(client, auth, db):
    response = auth.login("demo-kantoor")
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Demo" in page and "tweestapsverificatie" in page


def test_enrolment_then_password_and_code(client, auth, db, clock, office):
    login(client, office)
    secret, codes = enrol(client, db, office, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    stored = [r[0] for r in db.execute("select code_hash from recovery_codes")]
    assert len(stored) == 10 and not set(codes) & set(stored)  # only hashes are kept
    assert hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest() in stored
    auth.logout()
    first = login(client, office)
    assert first.status_code == 303 and first.headers["Location"] == "/login/tweede-stap"
    assert client.get("/").status_code == 302  # not signed in after the password alone
    form = client.get("/login/tweede-stap").get_data(as_text=True)
    assert 'autocomplete="one-time-code"' in form and 'inputmode="numeric"' in form
    clock.advance(seconds=30)
    response = send_code(client, pyotp.TOTP(secret).at(clock()))
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    audit = db.execute(
        "select detail from audit_log where action = 'login' and result = 'ok' order by id desc"
    ).fetchone()
    assert '"second_factor": "totp"' in audit[0]


def test_a_code_is_accepted_once(client, auth, db, clock, office):
    login(client, office)
    secret, _codes = enrol(client, db, office, clock)
    auth.logout()
    clock.advance(seconds=30)
    code = pyotp.TOTP(secret).at(clock())
    login(client, office)
    assert send_code(client, code).status_code == 302
    auth.logout()
    login(client, office)
    replay = send_code(client, code)
    assert replay.status_code == 401 and "klopt niet" in replay.text


def test_a_wrong_code_is_refused_and_counted(app, client, db, clock, office):
    login(client, office)
    enrol(client, db, office, clock)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, office)
    response = send_code(client, "000000")
    assert response.status_code == 401
    failures = db.execute(
        "select count(*) from login_failures where username = ?", [office]
    ).fetchone()[0]
    assert failures == 1


def test_a_recovery_code_works_once(client, auth, db, clock, office):
    login(client, office)
    _secret, codes = enrol(client, db, office, clock)
    auth.logout()
    login(client, office)
    response = send_code(client, codes[3].upper())
    assert response.status_code == 302
    used = db.execute("select count(*) from recovery_codes where used_at is not null").fetchone()
    assert used[0] == 1
    auth.logout()
    login(client, office)
    assert send_code(client, codes[3]).status_code == 401


def test_the_second_step_expires(client, db, clock, office):
    login(client, office)
    secret, _codes = enrol(client, db, office, clock)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    login(client, office)
    clock.advance(minutes=6)
    response = send_code(client, pyotp.TOTP(secret).at(clock()))
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_password_and_code_from_a_new_address_get_in_during_an_attack(
    app, client, make_client, db, clock, office
):
    login(client, office)
    secret, _codes = enrol(client, db, office, clock)
    client.post("/logout", data={"csrf_token": csrf_token(client)})
    attacker, _auth = make_client()
    for _ in range(60):
        response = login(attacker, office, "geraden", address="203.0.113.66")
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["Retry-After"]))
    clock.advance(seconds=30)
    assert login(client, office, address="198.51.100.7").status_code == 303
    response = send_code(client, pyotp.TOTP(secret).at(clock()), address="198.51.100.7")
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_an_admin_resets_it_audited(client, auth, db, clock, office, make_client):
    login(client, office)
    enrol(client, db, office, clock)
    admin, admin_auth = make_client()
    admin_auth.login("demo-beheer")
    target = user_id(db, office)
    response = admin_auth.post(f"/beheer/gebruikers/{target}/tweestaps")
    assert response.status_code == 303
    row = db["users"].get(target)
    assert row["totp_secret"] is None and row["totp_enabled_at"] is None
    assert db["recovery_codes"].count == 0
    assert client.get("/").status_code == 302  # the user's sessions ended with the reset
    audit = db.execute(
        "select actor, object_id from audit_log where action = 'admin.user.two_factor_reset'"
    ).fetchone()
    assert tuple(audit) == ("demo-beheer", str(target))


def test_only_an_admin_may_reset(client, auth, db, office):
    auth.login("demo-kantoor")
    target = user_id(db, office)
    assert auth.post(f"/beheer/gebruikers/{target}/tweestaps").status_code == 403


def test_a_wrong_code_at_enrolment_keeps_it_off(client, db, office):
    login(client, office)
    client.get("/account/tweestaps")
    response = client.post(
        "/account/tweestaps", data={"code": "12345x", "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 422 and "klopt niet" in response.text
    assert db["users"].get(user_id(db, office))["totp_enabled_at"] is None
