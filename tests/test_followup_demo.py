"""The demo year: only into the demo organisation, once, and every row marked as demo data."""

from app.followup import demo_year

from .factories import add_user


def test_seed_demo_year_writes_a_marked_year_once(db, runner, client, auth):
    result = runner.invoke(args=["seed-demo-year"])
    assert result.exit_code == 0, result.output
    assert "gemarkeerd als demo" in result.output
    incidents = db["incidents"].count
    assert 50 <= incidents <= 80 and 100 <= db["alarms"].count <= 200
    marked = {
        r[0]: r[1] for r in db.execute("select table_name, count(*) from demo_marks group by 1")
    }
    assert marked["incidents"] == incidents and marked["alarms"] == db["alarms"].count
    assert all(d.startswith("[DEMO]") for (d,) in db.execute("select description from incidents"))
    first, last = db.execute("select min(occurred_at), max(occurred_at) from incidents").fetchone()
    assert first >= "2025-11-01" and last <= "2026-11-02T09:00:00+00:00"  # a year to the clock
    again = runner.invoke(args=["seed-demo-year"])
    assert again.exit_code != 0 and "al" in again.output
    assert db["incidents"].count == incidents
    auth.login("demo-coordinator")
    assert "data-demo-note" in client.get("/opvolging/").get_data(as_text=True)


def test_seed_demo_year_refuses_a_database_without_the_demo(db, runner):
    db.execute("update users set username = 'echte.medewerker' where username = 'demo-medewerker'")
    result = runner.invoke(args=["seed-demo-year"])
    assert result.exit_code != 0 and "Geen demo-organisatie" in result.output
    assert db["incidents"].count == 0


def test_a_real_team_shows_no_demo_note(db, runner, client, auth):
    runner.invoke(args=["seed-demo-year"])
    add_user(db, "oost.coordinator", role="coordinator", team="Wijkteam Oost")
    auth.login("oost.coordinator", "lang genoeg wachtwoord")
    assert "data-demo-note" not in client.get("/opvolging/").get_data(as_text=True)
    assert demo_year.count(db, 1) > 0
