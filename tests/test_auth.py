"""Logging in and out, throttling, sessions and CSRF."""

import pytest

from app import demo

from .conftest import csrf_token

HOMES = {
    "demo-medewerker": "Vandaag",
    "demo-kantoor": "Overzicht kantoor",
    "demo-coordinator": "Incidenten en opvolging",
    "demo-beheer": "Beheer",
}


def audit_rows(db, action):
    return list(db.query("select * from audit_log where action = ? order by id", [action]))


@pytest.mark.parametrize("username", list(HOMES))
def test_each_demo_user_reaches_their_home(client, auth, db, username):
    response = auth.login(username)
    assert response.status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert f'<h1 class="utrecht-heading-1">{HOMES[username]}</h1>' in page
    user_id = db.execute("select id from users where username = ?", [username]).fetchone()[0]
    [row] = audit_rows(db, "login")
    assert (row["result"], row["actor_id"], row["origin"]) == ("ok", user_id, "127.0.0.1")
    assert db["user_sessions"].count == 1


def test_wrong_password_is_refused_and_audited(client, auth, db):
    response = auth.login("demo-medewerker", "fout-wachtwoord")
    assert response.status_code == 401
    assert "Gebruikersnaam of wachtwoord klopt niet." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still not signed in
    [row] = audit_rows(db, "login")
    assert (row["result"], row["object_id"]) == ("refused", "demo-medewerker")
    assert db["user_sessions"].count == 0


def test_unknown_user_gets_the_same_message(auth, db):
    response = auth.login("niemand", "whatever-password")
    assert response.status_code == 401
    assert "Gebruikersnaam of wachtwoord klopt niet." in response.get_data(as_text=True)
    assert audit_rows(db, "login")[0]["result"] == "refused"


def test_repeated_failures_slow_the_account_down_for_seconds_only(app, auth, db, clock):
    for _ in range(app.config["VOP_LOGIN_SLOW_AFTER"]):
        assert auth.login("demo-kantoor", "fout").status_code == 401
    response = auth.login("demo-kantoor")  # even the right password waits a moment now
    assert response.status_code == 429
    assert "Te veel mislukte pogingen" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) <= 60
    assert audit_rows(db, "login")[-1]["result"] == "throttled"
    assert db["user_sessions"].count == 0
    clock.advance(seconds=int(response.headers["Retry-After"]))
    assert auth.login("demo-kantoor").status_code == 302
    assert db["login_failures"].count == 0  # a good login forgets the failures


def test_many_accounts_from_one_address_are_throttled(app, auth):
    for n in range(app.config["VOP_LOGIN_MAX_FAILURES_ADDRESS"]):
        auth.login(f"gok{n}", "fout")
    assert auth.login("demo-beheer").status_code == 429


def test_logout_ends_the_session_on_the_server(client, auth, db):
    auth.login()
    cookie = client.get_cookie("vop_session").value
    response = auth.logout()
    assert response.status_code == 303
    assert db.execute("select ended_reason from user_sessions").fetchone()[0] == "logout"
    client.set_cookie("vop_session", cookie)  # replaying the old cookie does not help
    assert client.get("/").status_code == 302
    assert audit_rows(db, "logout")[0]["result"] == "ok"


def test_logout_by_get_is_not_possible(client, auth):
    auth.login()
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_post_without_csrf_token_is_refused_and_changes_nothing(client, auth, db):
    auth.login()
    response = client.post("/account", data={"action": "language", "language": "en"})
    assert response.status_code == 400
    assert "Laad de pagina opnieuw" in response.get_data(as_text=True)
    assert (
        db.execute("select language from users where username = 'demo-medewerker'").fetchone()[0]
        is None
    )
    # with the token the same change goes through
    assert auth.post("/account", {"action": "language", "language": "en"}).status_code == 303


def test_login_without_csrf_token_is_refused(client, db):
    response = client.post(
        "/login", data={"username": "demo-medewerker", "password": demo.DEMO_PASSWORD}
    )
    assert response.status_code == 400
    assert db["user_sessions"].count == 0


def test_htmx_request_with_header_token_passes(client, auth):
    auth.login()
    token = csrf_token(client)
    response = client.post(
        "/account",
        data={"action": "language", "language": "en"},
        headers={"X-CSRFToken": token, "HX-Request": "true"},
    )
    assert response.status_code == 303


def test_deactivated_users_open_session_stops_working(make_client, db):
    worker, worker_auth = make_client()
    admin, admin_auth = make_client()
    worker_auth.login("demo-medewerker")
    assert worker.get("/").status_code == 200
    admin_auth.login("demo-beheer")
    user_id = db.execute("select id from users where username = 'demo-medewerker'").fetchone()[0]
    response = admin_auth.post(f"/beheer/gebruikers/{user_id}/actief", {"active": "0"})
    assert response.status_code == 303
    response = worker.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    reasons = [
        r[0]
        for r in db.execute("select ended_reason from user_sessions where user_id = ?", [user_id])
    ]
    assert reasons == ["deactivated"]
    assert worker_auth.login("demo-medewerker").status_code == 401
    [row] = audit_rows(db, "admin.user.deactivate")
    assert row["object_id"] == str(user_id)


def test_idle_session_expires(client, auth, clock, app):
    auth.login()
    clock.advance(minutes=app.config["VOP_IDLE_MINUTES"] - 1)
    assert client.get("/").status_code == 200  # activity keeps it alive
    clock.advance(minutes=app.config["VOP_IDLE_MINUTES"] + 1)
    assert client.get("/").status_code == 302


def test_absolute_session_limit_ends_the_shift(client, auth, clock, app):
    auth.login()
    for _ in range(app.config["VOP_ABSOLUTE_HOURS"]):
        clock.advance(minutes=59)
        assert client.get("/").status_code == 200
    clock.advance(minutes=app.config["VOP_ABSOLUTE_HOURS"] + 1)
    assert client.get("/").status_code == 302


def test_login_starts_a_fresh_session(client, auth):
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    auth.login()
    with client.session_transaction() as sess:
        assert "planted" not in sess


def test_next_parameter_never_leaves_the_site(client):
    token = csrf_token(client)
    response = client.post(
        "/login?next=//evil.example/",
        data={"username": "demo-medewerker", "password": demo.DEMO_PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/"


def test_change_password(client, auth, make_client, db):
    other, other_auth = make_client()
    other_auth.login()
    auth.login()
    bad = auth.post(
        "/account",
        {"current_password": "fout", "new_password": "kort", "new_password_repeat": "kort"},
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "Uw huidige wachtwoord klopt niet." in text and "minstens 12 tekens" in text
    new = "een nieuw lang wachtwoord"
    good = auth.post(
        "/account",
        {"current_password": demo.DEMO_PASSWORD, "new_password": new, "new_password_repeat": new},
    )
    assert good.status_code == 303
    assert client.get("/").status_code == 200  # this session goes on
    assert other.get("/").status_code == 302  # the other device is signed out
    auth.logout()
    assert auth.login("demo-medewerker", demo.DEMO_PASSWORD).status_code == 401
    assert auth.login("demo-medewerker", new).status_code == 302
