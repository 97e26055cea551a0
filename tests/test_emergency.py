"""The worker's emergency path on the server: PINs, the halfway check, a panic without a visit,
the honest confirmation and logging out during a visit. No test here sleeps for a timer."""

import json

import pytest

from app.escalation import actions, store
from app.escalation.errors import ActionError
from app.escalation.logtext import describe

from .escalation_helpers import advance, log_events, running_visit, subscribe, types_for, user
from .factories import assess_visit, make_visit, user_id
from .test_sync_actions import action
from .test_sync_protocol import send


@pytest.fixture
def devices(db, push_service):
    """A device for the worker, the office and the coordinator."""
    for name in ("demo-medewerker", "demo-kantoor", "demo-coordinator"):
        subscribe(db, name, push_service, name)
    return push_service


def set_pins(auth, checkout: str = "1234", duress: str = "4711"):
    return auth.post(
        "/instellingen/noodcode",
        {
            "checkout_pin": checkout,
            "checkout_pin_repeat": checkout,
            "pin": duress,
            "pin_repeat": duress,
        },
    )


def alarms_of(db, visit_id: int | None = None) -> list[tuple]:
    if visit_id is None:
        rows = db.execute("select kind, status, visit_id from alarms order by id")
    else:
        rows = db.execute("select kind, status from alarms where visit_id = ?", [visit_id])
    return [tuple(r) for r in rows]


# --- check-out PIN, duress PIN, wrong PIN ---------------------------------------------------


def test_with_pins_set_the_check_out_asks_for_uw_pincode(db, clock, ctx, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = running_visit(db, clock)
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Uw pincode" not in page  # no PINs: nothing to ask
    assert set_pins(auth).status_code == 303
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert f'for="pin-{visit_id}">Uw pincode</label>' in page
    assert "Ik ben veilig — bezoek afronden" in page
    settings = client.get("/instellingen/").get_data(as_text=True)
    assert "checkt op het scherm precies zo uit, maar kantoor krijgt meteen een stil alarm" in (
        settings
    )
    assert "Na 3 onjuiste codes krijgt kantoor een alarm" in settings


def test_the_check_out_pin_checks_out(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-medewerker")
    set_pins(auth)
    visit_id = running_visit(db, clock)
    response = auth.post(f"/timer/{visit_id}/uitchecken", {"pin": "1234"})
    assert response.status_code == 303
    assert db["visits"].get(visit_id)["status"] == "ended"
    advance(clock, escalator, 1)
    assert alarms_of(db, visit_id) == []
    assert devices.received("demo-kantoor") == []


def test_the_duress_pin_checks_out_the_same_way_and_raises_the_silent_alarm(
    db, clock, escalator, devices, web
):
    client, auth = web
    auth.login("demo-medewerker")
    set_pins(auth)
    normal = running_visit(db, clock)
    forced = running_visit(db, clock, house_number="14")
    plain = auth.post(f"/timer/{normal}/uitchecken", {"pin": "1234"})
    duress = auth.post(f"/timer/{forced}/uitchecken", {"pin": "4711"})
    assert plain.status_code == duress.status_code == 303
    assert db["visits"].get(forced)["status"] == "ended"
    advance(clock, escalator, 1)
    assert alarms_of(db, forced) == [("duress", "open")]
    assert types_for(devices, "demo-kantoor") == ["duress"]
    assert devices.received("demo-medewerker") == []


@pytest.mark.parametrize("pin", ["9999", "", "12345678"])
def test_a_wrong_pin_is_refused_and_changes_nothing(db, clock, escalator, devices, web, pin):
    client, auth = web
    auth.login("demo-medewerker")
    set_pins(auth)
    visit_id = running_visit(db, clock)
    jobs = db.execute("select count(*) from escalation_jobs where status = 'pending'").fetchone()
    response = auth.post(f"/timer/{visit_id}/uitchecken", {"pin": pin})
    assert response.status_code == 422
    assert "Onjuiste pincode." in response.get_data(as_text=True)
    visit = db["visits"].get(visit_id)
    assert (visit["status"], visit["checked_out_at"]) == ("running", None)
    pending = db.execute("select count(*) from escalation_jobs where status = 'pending'")
    assert pending.fetchone() == jobs
    assert log_events(db, visit_id)[-1] == "wrong_pin"
    advance(clock, escalator, 1)
    assert alarms_of(db, visit_id) == []  # one wrong PIN: no alarm yet


def test_the_third_wrong_pin_raises_an_alarm_to_the_office(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-medewerker")
    set_pins(auth)
    visit_id = running_visit(db, clock)
    answers = []
    for pin in ("1111", "2222", "3333"):
        response = auth.post(f"/timer/{visit_id}/uitchecken", {"pin": pin})
        answers.append((response.status_code, "Onjuiste pincode." in response.get_data(True)))
    assert answers == [(422, True)] * 3  # the phone sees the same refusal each time
    advance(clock, escalator, 1)
    office_board_log = [
        describe(e) for e in store.visit_log(db, visit_id) if e["event"] == "wrong_pin"
    ]
    assert (
        office_board_log == ["Demi Medewerker toetste een onjuiste pincode bij het uitchecken"] * 3
    )
    assert alarms_of(db, visit_id) == [("wrong_pin", "open")]
    assert types_for(devices, "demo-kantoor") == ["wrong_pin"]
    assert types_for(devices, "demo-coordinator") == ["wrong_pin"]
    payload = devices.received("demo-kantoor")[0].payload
    assert payload["title"] == "ALARM: drie keer een onjuiste pincode bij Demi Medewerker"
    assert payload["visit_id"] == visit_id
    assert devices.received("demo-medewerker") == []
    assert db["visits"].get(visit_id)["status"] == "running"  # the visit goes on
    # The check-out PIN still checks out afterwards; the alarm waits for the office.
    assert auth.post(f"/timer/{visit_id}/uitchecken", {"pin": "1234"}).status_code == 303
    assert alarms_of(db, visit_id) == [("wrong_pin", "open")]


def test_a_queued_wrong_pin_is_refused_by_sync_and_still_counts(db, clock, escalator, web):
    client, auth = web
    auth.login("demo-medewerker")
    set_pins(auth)
    visit_id = running_visit(db, clock)
    items = [action("check_out", visit_id, clock(), pin=p) for p in ("1111", "2222", "3333")]
    results = send(client, items).json["results"]
    assert [(r["outcome"], r["message"]) for r in results] == [
        ("refused", "Onjuiste pincode.")
    ] * 3
    assert db["visits"].get(visit_id)["status"] == "running"
    assert log_events(db, visit_id).count("wrong_pin") == 3
    assert alarms_of(db, visit_id) == [("wrong_pin", "open")]


def test_a_duress_pin_set_before_check_out_pins_still_works(db, clock, escalator, ctx):
    from werkzeug.security import generate_password_hash

    worker = user_id(db, "demo-medewerker")
    db["duress_pins"].insert(
        {"user_id": worker, "pin_hash": generate_password_hash("4711"), "updated_at": "x"}
    )
    visit_id = running_visit(db, clock)
    with pytest.raises(ActionError) as wrong:
        actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=clock(), pin="1234")
    assert wrong.value.message == "Onjuiste pincode."
    actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=clock(), pin=None)
    assert db["visits"].get(visit_id)["status"] == "ended"  # an empty field checks out


# --- the halfway check ------------------------------------------------------------------------


def _medium_visit(db, clock, minutes: int = 60) -> int:
    """A visit whose assessment asks for the shorter check-in, checked in now."""
    visit_id = make_visit(db, expected_minutes=minutes, assessed=False)
    assess_visit(db, visit_id, {"bad_news": True, "psychiatric": True})  # medium
    measures = json.loads(
        db.execute(
            "select a.measures from risk_assessments a join visits v on v.assessment_id = a.id "
            "where v.id = ?",
            [visit_id],
        ).fetchone()[0]
    )
    assert "short_interval" in {m["key"] for m in measures}
    actions.check_in(db, visit_id, user(db, "demo-medewerker"), at=clock())
    return visit_id


def test_the_shorter_check_in_measure_schedules_a_halfway_check(db, clock, ctx):
    visit_id = _medium_visit(db, clock)
    visit = db["visits"].get(visit_id)
    assert visit["check_due_at"] == "2026-11-02T09:30:00+00:00"
    [job] = db.query(
        "select * from escalation_jobs where visit_id = ? and kind = 'halfway'", [visit_id]
    )
    assert (job["status"], job["due_at"]) == ("pending", "2026-11-02T09:30:00+00:00")
    plain = running_visit(db, clock, house_number="40")  # low risk, short: no check
    assert db["visits"].get(plain)["check_due_at"] is None


def test_the_halfway_check_asks_and_escalates_when_unanswered(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = _medium_visit(db, clock)
    advance(clock, escalator, 29 * 60)
    assert "Alles goed?" not in client.get(f"/timer/{visit_id}").get_data(as_text=True)
    advance(clock, escalator, 60)  # 09:30: halfway
    assert types_for(devices, "demo-medewerker") == ["halfway"]
    push = devices.received("demo-medewerker")[0].payload
    assert push["title"] == "Alles goed?" and push["actions"][0]["action"] == "halfway_ok"
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Alles goed?" in page and "/halfweg" in page
    advance(clock, escalator, 4 * 60 + 50)  # the grace is 5 minutes: not yet
    assert devices.received("demo-kantoor") == []
    advance(clock, escalator, 20)
    assert types_for(devices, "demo-kantoor") == ["missed_check"]
    office = devices.received("demo-kantoor")[0].payload
    assert office["title"] == "ALARM: Demi Medewerker reageert niet op de halfwegcheck"
    assert alarms_of(db, visit_id) == [("missed_check", "open")]
    # Like a missed check-out it climbs the ladder: the coordinator 20 minutes after the due.
    advance(clock, escalator, 15 * 60)
    assert "missed_check" in types_for(devices, "demo-coordinator")


def test_answering_the_halfway_check_calls_the_alarm_off(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = _medium_visit(db, clock)
    advance(clock, escalator, 31 * 60)
    response = auth.post(f"/timer/{visit_id}/halfweg", {"next": f"/timer/{visit_id}"})
    assert response.status_code == 303
    assert db["visits"].get(visit_id)["check_answered_at"] == "2026-11-02T09:31:00+00:00"
    assert "Alles goed?" not in client.get(f"/timer/{visit_id}").get_data(as_text=True)
    advance(clock, escalator, 10 * 60)  # well past the halfway grace
    assert devices.received("demo-kantoor") == []
    assert alarms_of(db, visit_id) == []
    assert "halfway_ok" in log_events(db, visit_id)
    # The due time's ladder is in place again.
    advance(clock, escalator, 25 * 60)  # 10:06: due 10:00 plus the 5-minute grace
    assert types_for(devices, "demo-kantoor") == ["alarm"]


def test_the_push_button_answers_the_halfway_check(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-medewerker")  # the device's buttons last as long as its session
    session_id = db.execute("select id from user_sessions where ended_at is null").fetchone()[0]
    db.execute(
        "update push_subscriptions set session_id = ? where user_id = ?",
        [session_id, user_id(db, "demo-medewerker")],
    )
    visit_id = _medium_visit(db, clock)
    advance(clock, escalator, 30 * 60)
    token = devices.received("demo-medewerker")[0].payload["token"]
    response = client.post("/push/actions", json={"action": "halfway_ok", "token": token})
    assert response.status_code == 200
    assert db["visits"].get(visit_id)["check_answered_at"]
    advance(clock, escalator, 10 * 60)
    assert devices.received("demo-kantoor") == []


def test_a_team_setting_gives_long_visits_a_halfway_check(db, clock, escalator, devices, web):
    client, auth = web
    auth.login("demo-coordinator")
    from .test_escalation_views import SECONDS_POLICY

    policy = {**SECONDS_POLICY, "step-1-delay": "300", "step-2-delay": "1200"}
    response = auth.post("/kantoor/escalatiebeleid", {**policy, "halfway_from": "7200"})
    assert response.status_code == 303
    short = running_visit(db, clock, minutes=60)
    long = running_visit(db, clock, minutes=180, house_number="41")
    assert db["visits"].get(short)["check_due_at"] is None
    assert db["visits"].get(long)["check_due_at"] == "2026-11-02T10:30:00+00:00"
    advance(clock, escalator, 90 * 60)
    assert "halfway" in types_for(devices, "demo-medewerker")


# --- ALARM without a visit ------------------------------------------------------------------


def test_a_panic_without_a_visit_reaches_every_level_with_the_location(
    db, clock, escalator, devices, web
):
    client, auth = web
    auth.login("demo-medewerker")
    page = client.get("/").get_data(as_text=True)
    assert 'action="/timer/alarm"' in page and 'data-visit-id=""' in page
    response = auth.post("/timer/alarm", {"held": "1", "lat": "52.09073", "lon": "5.12142"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/timer/alarm-verstuurd"
    [alarm] = db.query("select * from alarms")
    assert (alarm["visit_id"], alarm["kind"], alarm["worker_id"]) == (
        None,
        "panic",
        user_id(db, "demo-medewerker"),
    )
    assert (alarm["last_lat"], alarm["last_lon"]) == (52.09073, 5.12142)
    advance(clock, escalator, 1)
    for name in ("demo-kantoor", "demo-coordinator"):
        assert types_for(devices, name) == ["panic"], name
    payload = devices.received("demo-kantoor")[0].payload
    assert payload["visit_id"] is None and payload["alarm_id"] == alarm["id"]
    assert payload["body"].startswith("geen lopend bezoek · laatste locatie 52.09073, 5.12142")
    # The worker's phone hears only that the office knows (the alarm itself goes elsewhere).
    assert types_for(devices, "demo-medewerker") == ["office_alerted"]
    events = [
        r[0]
        for r in db.execute(
            "select event from alarm_log where alarm_id = ? order by id", [alarm["id"]]
        )
    ]
    assert events[:2] == ["alarm_raised", "panic"]
    assert "notified" in events and "delivery" in events
    # The confirmation says what happened.
    page = client.get("/timer/alarm-verstuurd").get_data(as_text=True)
    assert "Doorgestuurd naar 2 personen." in page
    assert "Op de toestellen van 2 personen aangekomen" in page
    assert "Uw locatie is meegestuurd." in page
    # Repeats go on until someone acknowledges, as for a visit's panic.
    advance(clock, escalator, 120)
    assert len(devices.received("demo-kantoor")) == 2


def other_browser(make_client, app_context):
    """Another browser of the same app, making requests outside the test's app context."""
    from .conftest import Outside

    client, auth = make_client()
    return Outside(client, app_context), Outside(auth, app_context)


def test_the_office_sees_acknowledges_and_resolves_a_panic_without_a_visit(
    db, clock, escalator, devices, make_client, app_context, web
):
    client, auth = web
    auth.login("demo-medewerker")
    auth.post("/timer/alarm", {"held": "1"})
    advance(clock, escalator, 1)
    alarm_id = db.execute("select id from alarms").fetchone()[0]
    assert client.get(f"/kantoor/alarmen/{alarm_id}").status_code == 404  # not the worker's
    office, office_auth = other_browser(make_client, app_context)
    office_auth.login("demo-kantoor")
    board = office.get("/kantoor/live").get_data(as_text=True)
    assert "Paniekalarm: Demi Medewerker" in board and "Geen lopend bezoek" in board
    page = office.get(f"/kantoor/alarmen/{alarm_id}").get_data(as_text=True)
    assert "Demi Medewerker drukte op de paniekknop" in page
    assert "Uw locatie" not in page
    assert office_auth.post(f"/kantoor/alarmen/{alarm_id}/bevestigen").status_code == 303
    response = office_auth.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        {"outcome": "worker_safe", "note": "Gebeld: vals alarm in de trein"},
    )
    assert response.status_code == 303
    assert db["alarms"].get(alarm_id)["status"] == "resolved"
    assert (
        db.execute("select count(*) from escalation_jobs where status = 'pending'").fetchone()[0]
        == 0
    )
    other, other_auth = other_browser(make_client, app_context)
    from .factories import add_user

    add_user(db, "oost.kantoor", role="office", team="Wijkteam Oost")
    other_auth.login("oost.kantoor", "lang genoeg wachtwoord")
    assert other.get(f"/kantoor/alarmen/{alarm_id}").status_code == 404


def test_a_panic_without_a_visit_queued_offline_is_raised_once(db, clock, escalator, web):
    client, auth = web
    auth.login("demo-medewerker")
    item = action("panic", None, clock(), location=[52.1, 5.1])
    [first] = send(client, [item]).json["results"]
    [again] = send(client, [item]).json["results"]
    assert first["outcome"] == "stored" and again.get("duplicate")
    assert alarms_of(db) == [("panic", "open", None)]


def test_only_a_field_worker_raises_a_panic_without_a_visit(db, web):
    _client, auth = web
    auth.login("demo-kantoor")
    assert auth.post("/timer/alarm", {"held": "1"}).status_code == 403
    assert db["alarms"].count == 0


def test_the_panic_confirmation_is_honest_when_nobody_is_reached(db, clock, escalator, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = running_visit(db, clock)
    auth.post(f"/timer/{visit_id}/alarm", {"held": "1"})
    page = client.get(f"/timer/{visit_id}/alarm-verstuurd").get_data(as_text=True)
    assert "Wordt nu doorgestuurd" in page  # the escalator has not handed it on yet
    assert "gewaarschuwd, met het adres en uw laatste locatie" not in page
    advance(clock, escalator, 1)
    page = client.get(f"/timer/{visit_id}/alarm-verstuurd/stand").get_data(as_text=True)
    # Nobody of the team has a device for push: the phone says so, instead of "sent".
    assert "Doorgestuurd naar 2 personen." in page
    assert "Op de toestellen van 0 personen aangekomen" in page
    assert "2 personen hebben geen pushmeldingen aan." in page
    assert "Uw locatie is niet meegestuurd." in page


# --- logging out during a visit -------------------------------------------------------------


def test_logging_out_during_a_visit_warns_and_offers_to_check_out_first(db, clock, ctx, web):
    client, auth = web
    auth.login("demo-medewerker")
    visit_id = running_visit(db, clock)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/uitloggen"' in home and 'action="/logout"' not in home
    page = client.get("/uitloggen").get_data(as_text=True)
    assert "Uw bezoek loopt nog" in page and "krijgt het kantoor een alarm" in page
    assert f'action="/timer/{visit_id}/uitchecken"' in page
    response = auth.post("/logout")  # an old page's button: warned, not logged out
    assert response.status_code == 409
    assert client.get("/").status_code == 200
    response = auth.post("/logout", {"confirm": "1"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_without_a_running_visit_logout_is_one_tap(db, clock, ctx, web):
    client, auth = web
    auth.login("demo-medewerker")
    assert 'action="/logout"' in client.get("/").get_data(as_text=True)
    assert auth.post("/logout").status_code == 303


# --- what the phone keeps -----------------------------------------------------------------


def test_the_kept_visit_screen_names_nobody_in_either_language(db, clock, ctx, web):
    client, auth = web
    auth.login("demo-medewerker")
    running_visit(db, clock)
    dutch = client.get("/timer/zonder-verbinding?taal=nl").get_data(as_text=True)
    english = client.get("/timer/zonder-verbinding?taal=en").get_data(as_text=True)
    assert "Ik ben veilig — bezoek afronden" in dutch
    assert "I am safe — end the visit" in english and "Ik ben veilig" not in english
    for page in (dutch, english):
        assert "Demi" not in page and "Domplein" not in page and "0622222222" not in page
        assert 'id="device-record"' not in page and "csrf_token" not in page
    home = client.get("/").get_data(as_text=True)
    record = json.loads(home.split('id="device-record">', 1)[1].split("</script>", 1)[0])
    assert record["visit"]["address"] == "Domplein 12, 3511AB Utrecht"
    assert set(record) == {"worker", "language", "office_phone", "visit"}
    assert set(record["visit"]) == {
        "id",
        "address",
        "due_at",
        "check_due_at",
        "check_answered",
        "has_pin",
    }
