"""The escalation screens over HTTP: policy editor, worker buttons, board, health check."""

from datetime import timedelta

import pytest

from app.escalation import alarms, policy

from .escalation_helpers import advance, running_visit, subscribe, types_for
from .factories import make_visit, user_id
from .test_sync_actions import action
from .test_sync_protocol import send

SECONDS_POLICY = {
    "reminder_before": "0",
    "high_risk_grace": "5",
    "renotify": "20",
    "repeat_limit": "3",
    "ack_timeout": "120",
    "step-0-delay": "0",
    "step-0-who": ["worker"],
    "step-0-channels": ["push"],
    "step-1-delay": "10",
    "step-1-who": ["office", "companions"],
    "step-1-channels": ["push", "email"],
    "step-2-delay": "40",
    "step-2-who": ["coordinator"],
    "step-2-channels": ["push"],
}


def test_policy_in_seconds_is_saved_and_used_by_new_check_ins(
    db, clock, escalator, web, push_service
):
    client, auth = web
    auth.login("demo-coordinator")
    assert client.get("/kantoor/escalatiebeleid").status_code == 200
    response = auth.post("/kantoor/escalatiebeleid", SECONDS_POLICY)
    assert response.status_code == 303
    subscribe(db, "demo-kantoor", push_service, "office")
    visit_id = running_visit(db, clock, minutes=1)
    advance(clock, escalator, 69)
    assert push_service.received("office") == []
    advance(clock, escalator, 1)  # due + 10 s
    assert types_for(push_service, "office") == ["alarm"]
    advance(clock, escalator, 20)
    assert types_for(push_service, "office") == ["alarm", "alarm"]  # re-notified after 20 s
    assert db.execute("select count(*) from alarms where visit_id = ?", [visit_id]).fetchone()[0]
    saved = db.execute("select updated_by from escalation_policies").fetchone()[0]
    assert saved == user_id(db, "demo-coordinator")


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"step-1-delay": "-10"},
            "step-1-delay",
            "Een stap kan niet vóór het eindtijdstip liggen.",
        ),
        ({"step-2-delay": "5"}, "step-2-delay", "Elke stap moet later komen dan de stap ervoor."),
        ({"step-1-delay": "0"}, "step-1-delay", "Elke stap moet later komen dan de stap ervoor."),
        ({"step-1-delay": "tien"}, "step-1-delay", "Vul hele minuten en seconden in."),
        (
            {"step-1-who": [], "step-2-who": ["worker"]},
            "steps",
            "Minstens één stap moet iemand anders dan de medewerker bereiken.",
        ),
        ({"step-1-channels": []}, "step-1-channels", "Kies minstens één kanaal."),
        ({"renotify": "0"}, "renotify", "Kies een tijd tussen 5 s en 60 min."),
        ({"renotify-min": "", "renotify-sec": "drie"}, "renotify", "Vul hele minuten en"),
        ({"repeat_limit": "veel"}, "repeat_limit", "Vul een heel getal in."),
        ({"high_risk_grace": "30"}, "high_risk_grace", "De korte uitloop moet tussen 0 s en 10 s"),
    ],
)
def test_a_bad_policy_is_refused_and_nothing_changes(db, web, change, field, message):
    client, auth = web
    auth.login("demo-coordinator")
    response = auth.post("/kantoor/escalatiebeleid", {**SECONDS_POLICY, **change})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="e-{field}"' in page
    assert db["escalation_policies"].count == 0


@pytest.mark.parametrize(
    ("username", "status"), [("demo-medewerker", 403), ("demo-kantoor", 403), ("demo-beheer", 200)]
)
def test_only_coordinator_and_administrator_edit_the_policy(web, username, status):
    client, auth = web
    auth.login(username)
    assert client.get("/kantoor/escalatiebeleid").status_code == status


def test_check_in_through_the_form_starts_the_timer(db, clock, ctx, web):
    client, auth = web
    visit_id = make_visit(db, expected_minutes=45)
    auth.login("demo-medewerker")
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Inchecken" in page
    response = auth.post(
        f"/timer/{visit_id}/inchecken", {"next": "/", "lat": "52.1", "lon": "5.1"}
    )
    assert response.status_code == 303 and response.headers["Location"] == "/"
    visit = db["visits"].get(visit_id)
    assert (visit["status"], visit["due_at"][11:16], visit["last_lat"]) == (
        "running",
        "09:45",
        52.1,
    )
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Ik ben veilig" in page and "nog 45 min" in page


def test_check_in_is_refused_while_the_gate_says_no(db, clock, ctx, web, monkeypatch):
    client, auth = web
    visit_id = make_visit(db)
    monkeypatch.setattr(
        "app.escalation.actions.check_in_blockers",
        lambda db, vid: ["Maak eerst de risico-inschatting af."],
    )
    auth.login("demo-medewerker")
    response = auth.post(f"/timer/{visit_id}/inchecken")
    assert response.status_code == 422
    assert "Maak eerst de risico-inschatting af." in response.get_data(as_text=True)
    assert db["visits"].get(visit_id)["status"] == "planned"
    assert db["escalation_jobs"].count == 0


def test_the_office_cannot_check_in_for_a_worker_and_other_teams_see_nothing(db, ctx, web):
    client, auth = web
    visit_id = make_visit(db)
    auth.login("demo-kantoor")
    assert auth.post(f"/timer/{visit_id}/inchecken").status_code == 403
    db["teams"].insert({"name": "Ander team", "active": 1, "created_at": "2026-01-01"})
    other = db.execute("select id from teams where name = 'Ander team'").fetchone()[0]
    db.execute("update visits set team_id = ? where id = ?", [other, visit_id])
    auth.logout()
    auth.login("demo-medewerker")
    for path in ("", "/inchecken", "/uitchecken", "/alarm"):
        method = auth.post if path else client.get
        assert method(f"/timer/{visit_id}{path}").status_code == 404, path
    assert db["visits"].get(visit_id)["status"] == "planned"


def test_a_custom_extension_needs_a_reason(db, clock, ctx, web):
    client, auth = web
    visit_id = running_visit(db, clock)
    auth.login("demo-medewerker")
    response = auth.post(f"/timer/{visit_id}/verlengen", {"custom": "1", "minutes": "20"})
    assert response.status_code == 422
    assert "Geef een reden voor de verlenging." in response.get_data(as_text=True)
    assert db["visits"].get(visit_id)["due_at"][11:16] == "10:00"
    response = auth.post(f"/timer/{visit_id}/verlengen", {"minutes": "15"})
    assert response.status_code == 303
    assert db["visits"].get(visit_id)["due_at"][11:16] == "10:15"


def test_panic_without_the_hold_asks_first(db, clock, escalator, web, push_service):
    client, auth = web
    subscribe(db, "demo-kantoor", push_service, "office")
    visit_id = running_visit(db, clock)
    auth.login("demo-medewerker")
    response = auth.post(f"/timer/{visit_id}/alarm")
    assert response.status_code == 200 and "Alarm versturen?" in response.get_data(as_text=True)
    assert db["alarms"].count == 0
    response = auth.post(f"/timer/{visit_id}/alarm", {"held": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Verstuurd" in page and "Aangekomen bij de server om 10:00:00." in page
    assert "Wordt nu doorgestuurd" in page and "Uw locatie is niet meegestuurd." in page
    escalator.tick()
    assert types_for(push_service, "office") == ["panic"]


def test_the_outbox_sends_actions_through_sync_not_the_button_views(db, clock, ctx, web):
    client, auth = web
    visit_id = running_visit(db, clock)
    auth.login("demo-medewerker")
    tapped = clock() - timedelta(seconds=30)  # 08:59:30, the phone's time
    [first] = send(client, [action("check_out", visit_id, tapped)]).json["results"]
    assert (first["outcome"], first["status"]) == ("stored", 201)
    assert db["visits"].get(visit_id)["status"] == "ended"
    [again] = send(client, [action("check_out", visit_id, tapped)]).json["results"]
    assert (again["status"], again["outcome"]) == (409, "refused")
    assert again["message"] == "Dit bezoek loopt niet; uitchecken kan niet."
    assert db["visits"].get(visit_id)["checked_out_at"][11:19] == "08:59:30"
    # The button views take form posts only: a JSON body is not an action.
    token = client.get("/sync/status").json["csrf_token"]
    plain = client.post(f"/timer/{visit_id}/oke", json={}, headers={"X-CSRFToken": token})
    assert plain.status_code == 409 and "text/html" in plain.content_type


def test_healthz_reports_the_escalator_heartbeat(clock, escalator, web):
    client, _auth = web
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json["status"] == "degraded"
    assert response.json["escalator"] == {"alive": False, "last_tick": None}
    escalator.tick()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "db": "ok",
        "escalator": {"alive": True, "last_tick": "2026-11-02T09:00:00+00:00"},
    }
    clock.advance(seconds=11)
    assert client.get("/healthz").status_code == 503


def test_the_board_shows_alarms_on_top_and_running_visits(db, clock, escalator, web):
    client, auth = web
    late = running_visit(db, clock, minutes=10)
    running_visit(db, clock, minutes=120, house_number="40")
    advance(clock, escalator, 16 * 60)
    auth.login("demo-kantoor")
    page = client.get("/").get_data(as_text=True)
    assert page.index('id="alarms-title"') < page.index('id="running-title"')
    assert "Niet uitgecheckt: Demi Medewerker" in page and 'href="tel:0611111111"' in page
    assert f'id="running-{late}"' in page and "esc-row--overdue" in page
    live = client.get("/kantoor/live", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in live and "Bevestigen: ik pak dit op" in live
    auth.logout()
    auth.login("demo-medewerker")
    assert client.get("/kantoor/live").status_code == 403


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"outcome": "", "note": "Gebeld"}, "Kies hoe het alarm is afgelopen."),
        ({"outcome": "weggelopen", "note": "Gebeld"}, "Kies hoe het alarm is afgelopen."),
        ({"outcome": "worker_safe", "note": "  "}, "Schrijf kort op wat er is gebeurd"),
    ],
)
def test_resolving_needs_an_outcome_and_a_note(db, clock, escalator, web, form, message):
    client, auth = web
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 16 * 60)
    alarm_id = db.execute("select id from alarms").fetchone()[0]
    auth.login("demo-kantoor")
    response = auth.post(f"/kantoor/alarmen/{alarm_id}/afhandelen", form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert db["alarms"].get(alarm_id)["status"] == "open"


def test_resolving_from_the_board_logs_every_step(db, clock, escalator, web):
    client, auth = web
    visit_id = running_visit(db, clock, minutes=10)
    advance(clock, escalator, 16 * 60)
    alarm_id = db.execute("select id from alarms").fetchone()[0]
    auth.login("demo-kantoor")
    assert auth.post(f"/kantoor/alarmen/{alarm_id}/bevestigen", {"next": "/"}).status_code == 303
    response = auth.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        {"outcome": "worker_safe", "note": "Telefoon was leeg", "visit": "end"},
    )
    assert response.status_code == 303
    alarm = alarms.get_alarm(db, alarm_id)
    assert (alarm["status"], alarm["outcome"]) == ("resolved", "worker_safe")
    page = client.get(f"/kantoor/alarmen/{alarm_id}").get_data(as_text=True)
    for text in (
        "checkte in",
        "Stap 1: te-laatmelding",
        "Alarm gestart",
        "Stap 2: alarm",
        "Bevestigd door Kees Kantoor",
        "Afgehandeld door Kees Kantoor: Telefoon was leeg",
    ):
        assert text in page, text
    assert db["visits"].get(visit_id)["status"] == "ended"


@pytest.mark.parametrize(
    ("pin", "repeat", "field", "message"),
    [
        ("12", "12", "pin", "Kies een noodcode van 4 tot 8 cijfers."),
        ("abcd", "abcd", "pin", "Kies een noodcode van 4 tot 8 cijfers."),
        ("123456789", "123456789", "pin", "Kies een noodcode van 4 tot 8 cijfers."),
        ("4711", "4712", "pin_repeat", "De twee codes zijn niet gelijk."),
        ("1234", "1234", "pin", "Kies een noodcode die anders is dan uw eigen pincode."),
    ],
)
def test_a_bad_duress_pin_is_refused(db, web, pin, repeat, field, message):
    client, auth = web
    auth.login("demo-medewerker")
    pins = {"checkout_pin": "1234", "checkout_pin_repeat": "1234"}
    response = auth.post("/instellingen/noodcode", {**pins, "pin": pin, "pin_repeat": repeat})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'id="e-{field}"' in page
    assert db["duress_pins"].count == 0


def test_the_test_notification_button_answers_202(db, ctx, web, push_service):
    client, auth = web
    subscribe(db, "demo-medewerker", push_service, "phone")
    auth.login("demo-medewerker")
    response = auth.post("/push/test")
    assert response.status_code == 202
    assert "Testmelding verstuurd naar 1 apparaat" in response.get_data(as_text=True)
    rows = db.execute("select kind, status from deliveries").fetchall()
    assert [tuple(r) for r in rows] == [("test", "pending")]


def test_the_policy_editor_shows_and_takes_minutes_and_seconds(db, web):
    client, auth = web
    auth.login("demo-coordinator")
    page = client.get("/kantoor/escalatiebeleid").get_data(as_text=True)
    # The default alarm step, 300 s after the due time, shows as 5 min 0 s.
    assert 'id="f-step-1-delay-min" name="step-1-delay-min"' in page
    assert 'name="step-1-delay-min" type="number" min="0" inputmode="numeric" value="5"' in page
    assert (
        'name="step-1-delay-sec" type="number" min="0" max="59" inputmode="numeric" value="0"'
        in page
    )
    form = {k: v for k, v in SECONDS_POLICY.items() if k not in ("renotify", "step-1-delay")}
    form.update({"renotify-min": "1", "renotify-sec": "30", "step-1-delay-sec": "30"})
    form["step-1-delay-min"] = ""  # a blank field counts as 0
    assert auth.post("/kantoor/escalatiebeleid", form).status_code == 303
    saved = policy.load(db, db.execute("select id from teams").fetchone()[0])
    assert (saved["renotify"], saved["steps"][1]["delay"]) == (90, 30)
    page = client.get("/kantoor/escalatiebeleid").get_data(as_text=True)
    assert (
        'name="renotify-sec" type="number" min="0" max="59" inputmode="numeric" value="30"' in page
    )


def test_the_policy_screen_warns_who_a_step_cannot_reach(db, ctx, web, push_service):
    client, auth = web
    db.execute("update users set phone = null where username = 'demo-coordinator'")
    team = db.execute("select id from teams").fetchone()[0]
    rules = policy.default_policy()
    rules["steps"][2]["channels"] = ["push", "sms"]
    policy.save(db, team, rules, None)
    auth.login("demo-coordinator")
    page = client.get("/kantoor/escalatiebeleid").get_data(as_text=True)
    assert "Geen sms: er is geen sms-dienst ingesteld (VOP_SMS_TOKEN)." in page
    assert "Cor Coördinator heeft geen apparaat en geen telefoonnummer." in page
    # A device that confirmed a push lately makes the coordinator reachable.
    subscribe(db, "demo-coordinator", push_service, "cor")
    db.execute("update push_subscriptions set last_receipt_at = '2026-11-01T12:00:00+00:00'")
    page = client.get("/kantoor/escalatiebeleid").get_data(as_text=True)
    assert "Cor Coördinator heeft" not in page
    assert "Kees Kantoor heeft geen apparaat." in page  # the office step, push only
