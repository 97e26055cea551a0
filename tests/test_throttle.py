"""Failed logins slow down and then stop one (account, address) pair, and one address; no one
can lock a colleague out from elsewhere."""

import pytest

from app import demo

from .conftest import csrf_token

ATTACKER, OFFICE_PC, PHONE = "203.0.113.66", "198.51.100.10", "192.0.2.44"


def attempt(client, username: str, password: str, address: str):
    """Post the login form from one client address."""
    token = csrf_token(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def hammer(client, clock, username: str, address: str, times: int) -> list[int]:
    """Fail `times` logins, each after the wait the previous answer asked for."""
    statuses = []
    for _ in range(times):
        response = attempt(client, username, "fout wachtwoord", address)
        if response.status_code == 429:
            clock.advance(seconds=int(response.headers["Retry-After"]))
            response = attempt(client, username, "fout wachtwoord", address)
        statuses.append(response.status_code)
    return statuses


def test_guessing_a_colleagues_password_does_not_lock_them_out(app, client, make_client, clock):
    hammer(client, clock, "demo-kantoor", ATTACKER, 40)
    assert attempt(client, "demo-kantoor", "fout", ATTACKER).status_code == 429
    colleague, _auth = make_client()
    response = attempt(colleague, "demo-kantoor", demo.DEMO_PASSWORD, OFFICE_PC)
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_failures_slow_down_first_then_refuse(app, client, clock):
    slow_after = app.config["VOP_LOGIN_SLOW_AFTER"]
    for _ in range(slow_after):
        assert attempt(client, "demo-kantoor", "fout", PHONE).status_code == 401
    slowed = attempt(client, "demo-kantoor", "fout", PHONE)
    assert slowed.status_code == 429 and 0 < int(slowed.headers["Retry-After"]) <= 60
    assert "seconden" in slowed.get_data(as_text=True)
    clock.advance(seconds=int(slowed.headers["Retry-After"]))
    assert attempt(client, "demo-kantoor", "fout", PHONE).status_code == 401
    failures = slow_after + 1
    while True:  # keep failing, each time after the wait asked for, until refused
        refused = attempt(client, "demo-kantoor", demo.DEMO_PASSWORD, PHONE)
        wait = int(refused.headers.get("Retry-After", 0))
        if wait > 60:
            break
        assert refused.status_code == 429 and failures < 50
        clock.advance(seconds=wait)
        attempt(client, "demo-kantoor", "fout", PHONE)
        failures += 1
    assert failures == app.config["VOP_LOGIN_MAX_FAILURES_ACCOUNT"]
    assert refused.status_code == 429  # even the right password: refused for minutes
    clock.advance(minutes=app.config["VOP_LOGIN_LOCK_MINUTES"])
    assert attempt(client, "demo-kantoor", demo.DEMO_PASSWORD, PHONE).status_code == 302


def test_a_throttled_attempt_is_not_a_failure_that_extends_the_wait(app, db, client, clock):
    for _ in range(app.config["VOP_LOGIN_SLOW_AFTER"]):
        attempt(client, "demo-kantoor", "fout", PHONE)
    before = db["login_failures"].count
    for _ in range(5):
        assert attempt(client, "demo-kantoor", "fout", PHONE).status_code == 429
    assert db["login_failures"].count == before


def test_one_address_guessing_many_accounts_is_stopped(app, client, make_client, clock):
    limit = app.config["VOP_LOGIN_MAX_FAILURES_ADDRESS"]
    names = [f"gok-{n}" for n in range(limit)]
    for name in names:
        assert attempt(client, name, "fout", ATTACKER).status_code == 401
    assert attempt(client, "demo-medewerker", demo.DEMO_PASSWORD, ATTACKER).status_code == 429
    other, _auth = make_client()
    assert attempt(other, "demo-medewerker", demo.DEMO_PASSWORD, PHONE).status_code == 302


def test_a_success_clears_the_failures_of_that_pair(app, db, client, clock):
    for _ in range(app.config["VOP_LOGIN_SLOW_AFTER"]):
        attempt(client, "demo-kantoor", "fout", PHONE)
    clock.advance(minutes=1)
    assert attempt(client, "demo-kantoor", demo.DEMO_PASSWORD, PHONE).status_code == 302
    left = db.execute(
        "select count(*) from login_failures where username = 'demo-kantoor' and origin = ?",
        [PHONE],
    ).fetchone()[0]
    assert left == 0


@pytest.mark.parametrize("address", [OFFICE_PC, PHONE])
def test_the_audit_trail_names_the_address_of_each_failure(db, client, address):
    attempt(client, "demo-kantoor", "fout", address)
    row = db.execute(
        "select origin, result from audit_log where action = 'login' order by id desc"
    ).fetchone()
    assert tuple(row) == (address, "refused")
