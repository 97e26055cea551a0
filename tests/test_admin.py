"""Administrators manage teams and users; every change is audited."""

import pytest

GOOD_USER = {
    "username": "nieuwe.collega",
    "password": "lang genoeg wachtwoord",
    "display_name": "Nieuwe Collega",
    "role": "field_worker",
    "team_id": "1",
    "phone": "06 12345678",
    "language": "",
}


def test_admin_creates_a_user_who_can_log_in(auth, db, make_client):
    auth.login("demo-beheer")
    response = auth.post("/beheer/gebruikers/nieuw", GOOD_USER)
    assert response.status_code == 303
    row = db.execute(
        "select role, team_id, phone from users where username = 'nieuwe.collega'"
    ).fetchone()
    assert tuple(row) == ("field_worker", 1, "06 12345678")
    [audit] = db.query("select * from audit_log where action = 'admin.user.create'")
    assert audit["actor"] == "demo-beheer" and audit["result"] == "ok"
    other, other_auth = make_client()
    assert other_auth.login("nieuwe.collega", GOOD_USER["password"]).status_code == 302


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("username", "demo-kantoor", "Deze gebruikersnaam bestaat al."),
        ("username", "X", "Gebruik 3 tot 50 kleine letters"),
        ("password", "kort", "minstens 12 tekens"),
        ("display_name", "", "Vul een naam in"),
        ("role", "superuser", "Kies een rol uit de lijst."),
        ("team_id", "999", "Kies een team uit de lijst."),
        ("team_id", "", "Kies een team uit de lijst."),
        ("phone", "bel me", "Vul een telefoonnummer in"),
        ("language", "fr", "Kies een taal uit de lijst."),
    ],
)
def test_bad_user_input_is_explained_and_saves_nothing(auth, db, field, value, message):
    auth.login("demo-beheer")
    before = db["users"].count
    response = auth.post("/beheer/gebruikers/nieuw", {**GOOD_USER, field: value})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db["users"].count == before
    assert (
        db.execute("select count(*) from audit_log where action like 'admin.%'").fetchone()[0] == 0
    )


def test_admin_edits_a_user(auth, db):
    auth.login("demo-beheer")
    user_id = db.execute("select id from users where username='demo-medewerker'").fetchone()[0]
    data = {
        "display_name": "Demi M.",
        "role": "office",
        "team_id": "1",
        "phone": "",
        "language": "en",
    }
    assert auth.post(f"/beheer/gebruikers/{user_id}", data).status_code == 303
    row = db.execute("select display_name, role, language, phone from users where id=?", [user_id])
    assert tuple(row.fetchone()) == ("Demi M.", "office", "en", None)
    [audit] = db.query("select * from audit_log where action = 'admin.user.update'")
    assert '"role": "office"' in audit["detail"]


def test_admin_cannot_deactivate_self(auth, db):
    auth.login("demo-beheer")
    user_id = db.execute("select id from users where username='demo-beheer'").fetchone()[0]
    auth.post(f"/beheer/gebruikers/{user_id}/actief", {"active": "0"})
    assert db.execute("select active from users where id=?", [user_id]).fetchone()[0] == 1


def test_reactivated_user_can_log_in_again(auth, db, make_client):
    auth.login("demo-beheer")
    auth.post("/beheer/gebruikers/1/actief", {"active": "0"})
    other, other_auth = make_client()
    assert other_auth.login("demo-medewerker").status_code == 401
    auth.post("/beheer/gebruikers/1/actief", {"active": "1"})
    assert other_auth.login("demo-medewerker").status_code == 302


def test_teams_are_created_renamed_and_deactivated(auth, db):
    auth.login("demo-beheer")
    assert auth.post("/beheer/teams", {"name": "Handhaving Noord"}).status_code == 303
    team_id = db.execute("select id from teams where name='Handhaving Noord'").fetchone()[0]
    auth.post(f"/beheer/teams/{team_id}", {"name": "Handhaving Zuid", "active": "0"})
    row = db.execute("select name, active from teams where id=?", [team_id]).fetchone()
    assert tuple(row) == ("Handhaving Zuid", 0)
    actions = [
        r[0] for r in db.execute("select action from audit_log where action like 'admin.team%'")
    ]
    assert actions == ["admin.team.create", "admin.team.update"]


@pytest.mark.parametrize("name", ["", "Wijkteam Demo", "x" * 101])
def test_bad_team_names_change_nothing(auth, db, client, name):
    auth.login("demo-beheer")
    response = auth.post("/beheer/teams", {"name": name})
    assert response.status_code == 303
    assert db["teams"].count == 1
    assert "utrecht-alert--error" in client.get("/beheer/").get_data(as_text=True)


def test_audit_screen_lists_logins(auth, client):
    auth.login("demo-beheer")
    page = client.get("/beheer/audit").get_data(as_text=True)
    assert "login" in page and "demo-beheer" in page
