"""New passwords: long enough, not one of the most common, not the user name."""

from pathlib import Path

import pytest

from app import demo, users

DATA = Path(users.__file__).parent / "data"


def test_the_common_password_list_is_bundled_with_its_origin():
    entries = (DATA / "common-passwords.txt").read_text().split("\n")
    assert len([e for e in entries if e]) >= 10_000
    origin = (DATA / "README.md").read_text()
    assert "zxcvbn" in origin and "MIT" in origin
    assert (DATA / "common-passwords-LICENSE.txt").exists()


@pytest.mark.parametrize(
    "password", ["qwerty123456", "QWERTY123456", "1qaz2wsx3edc", "password1234", "leavemealone"]
)
def test_a_common_password_is_refused(app, password):
    with app.test_request_context():
        problem = users.password_problem(password, "someone")
    assert problem and "veelgebruikt" in problem


@pytest.mark.parametrize("password", ["demo-kantoor-2026!", "MijnDEMO-KANTOORwachtwoord"])
def test_a_password_with_the_user_name_in_it_is_refused(app, password):
    with app.test_request_context():
        problem = users.password_problem(password, "demo-kantoor")
    assert problem and "gebruikersnaam" in problem


def test_a_good_password_passes(app):
    with app.test_request_context():
        assert users.password_problem("paarse giraffe eet stroopwafels", "demo-kantoor") is None


def test_changing_to_a_common_password_is_refused_and_changes_nothing(client, auth, db):
    auth.login("demo-kantoor")
    before = db.execute("select password_hash from users where username='demo-kantoor'").fetchone()
    response = auth.post(
        "/account",
        {
            "current_password": demo.DEMO_PASSWORD,
            "new_password": "qwerty123456",
            "new_password_repeat": "qwerty123456",
        },
    )
    assert response.status_code == 422
    assert "veelgebruikt" in response.get_data(as_text=True)
    after = db.execute("select password_hash from users where username='demo-kantoor'").fetchone()
    assert before[0] == after[0]


def test_an_admin_cannot_give_a_new_user_their_name_as_password(client, auth, db):
    auth.login("demo-beheer")
    response = auth.post(
        "/beheer/gebruikers/nieuw",
        {
            "username": "jan.jansen",
            "display_name": "Jan Jansen",
            "role": "field_worker",
            "team_id": "1",
            "password": "jan.jansen-wachtwoord",
        },
    )
    assert response.status_code == 422
    assert "gebruikersnaam" in response.get_data(as_text=True)
    assert db.execute("select count(*) from users where username='jan.jansen'").fetchone()[0] == 0
