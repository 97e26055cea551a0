"""The office's board over HTTP: an alarm at a glance, acknowledging and resolving in place,
resolution that never ends a running visit by itself, and what the worker learns."""

import pytest

from app import sessions, vocabulary
from app.escalation import actions, alarms, policy
from app.escalation.screen import office_notice

from .escalation_helpers import advance, log_events, running_visit, subscribe, types_for, user
from .factories import user_id
from .sms_gateway import FakeSmsGateway

HX = {"HX-Request": "true", "HX-Target": "board-live", "HX-Current-URL": "http://x/kantoor/"}


def _overdue_alarm(db, clock, escalator) -> tuple[int, int]:
    """A 10-minute visit whose worker did not check out: the alarm is open 5 minutes later."""
    visit_id = running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    alarm_id = db.execute("select id from alarms where visit_id = ?", [visit_id]).fetchone()[0]
    return visit_id, alarm_id


def _pending_steps(db, visit_id: int) -> list[tuple]:
    return [
        tuple(r)
        for r in db.execute(
            "select step, due_at from escalation_jobs where visit_id = ? and kind = 'step' "
            "and status = 'pending' order by due_at",
            [visit_id],
        )
    ]


def test_resolving_as_worker_safe_keeps_an_extended_visit_running_and_armed(
    db, clock, escalator, web, push_service
):
    client, auth = web
    subscribe(db, "demo-kantoor", push_service, "office")
    visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    # The worker answers: "Ik ben oké" gives 15 more minutes (due 09:30 UTC).
    actions.im_ok(db, visit_id, user(db, "demo-medewerker"), at=clock())
    armed = _pending_steps(db, visit_id)
    assert armed and armed[0][1] == "2026-11-02T09:30:00+00:00"
    auth.login("demo-kantoor")
    assert auth.post(f"/kantoor/alarmen/{alarm_id}/bevestigen").status_code == 303
    assert _pending_steps(db, visit_id) == armed  # the new deadline's ladder is not stopped
    response = auth.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        {"outcome": "worker_safe", "note": "Gebeld: alles goed", "visit": "keep"},
    )
    assert response.status_code == 303
    visit = db["visits"].get(visit_id)
    assert (visit["status"], visit["due_at"]) == ("running", "2026-11-02T09:30:00+00:00")
    assert _pending_steps(db, visit_id) == armed  # the ladder is still armed
    assert db["alarms"].get(alarm_id)["status"] == "resolved"
    # It really is armed: when the worker misses the new deadline, the office hears it again.
    advance(clock, escalator, 16 * 60)  # 09:31: past 09:30, the grace not yet
    advance(clock, escalator, 5 * 60)
    kinds = [r[0] for r in db.execute("select status from alarms where visit_id = ?", [visit_id])]
    assert kinds == ["resolved", "open"]


def test_a_running_visit_ends_only_when_the_duty_officer_chooses_it(db, clock, escalator, web):
    client, auth = web
    visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    auth.login("demo-kantoor")
    response = auth.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen", {"outcome": "worker_safe", "note": "Gebeld"}
    )
    assert response.status_code == 422
    assert "Kies of het bezoek doorloopt of wordt beëindigd." in response.get_data(as_text=True)
    assert db["alarms"].get(alarm_id)["status"] == "open"
    assert db["visits"].get(visit_id)["status"] == "running"
    response = auth.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        {"outcome": "worker_safe", "note": "Gebeld", "visit": "end"},
    )
    assert response.status_code == 303
    visit = db["visits"].get(visit_id)
    assert (visit["status"], visit["ended_reason"]) == ("ended", "alarm_resolved")
    assert _pending_steps(db, visit_id) == []


def test_an_overdue_visit_that_keeps_running_gets_a_new_deadline_with_its_ladder(
    db, clock, escalator, web
):
    _client, auth = web
    visit_id, alarm_id = _overdue_alarm(db, clock, escalator)  # 09:15, due was 09:10
    auth.login("demo-kantoor")
    auth.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        {"outcome": "worker_safe", "note": "Nog bezig, gaat goed", "visit": "keep"},
    )
    visit = db["visits"].get(visit_id)
    assert (visit["status"], visit["due_at"]) == ("running", "2026-11-02T09:30:00+00:00")
    assert _pending_steps(db, visit_id)[0][1] == "2026-11-02T09:30:00+00:00"
    log = _client.get(f"/kantoor/alarmen/{alarm_id}").get_data(as_text=True)
    assert "bezoek loopt door, nieuwe eindtijd 10:30:00" in log


def test_acknowledging_an_alarm_a_colleague_just_took_says_who(db, clock, escalator, web):
    client, auth = web
    _visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    alarms.acknowledge(db, alarm_id, user(db, "demo-coordinator"))
    auth.login("demo-kantoor")
    response = client.post(
        f"/kantoor/alarmen/{alarm_id}/bevestigen",
        headers={**HX, "X-CSRFToken": _token(client)},
    )
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "<html" not in page and 'hx-swap-oob="true"' in page
    assert "Dit alarm is al bevestigd door Cor Coördinator om 10:15:00." in page
    by = db["alarms"].get(alarm_id)["acknowledged_by"]
    assert by == user_id(db, "demo-coordinator")


def test_resolving_a_resolved_alarm_changes_nothing(db, clock, escalator, web):
    client, auth = web
    visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    alarms.resolve(
        db, alarm_id, user(db, "demo-coordinator"), "help_sent", "Collega gestuurd", "end"
    )
    before = db["alarms"].get(alarm_id)
    log_before = log_events(db, visit_id)
    auth.login("demo-kantoor")
    response = client.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        data={"outcome": "false_alarm", "note": "Andere notitie", "visit": "keep"},
        headers={**HX, "X-CSRFToken": _token(client)},
    )
    assert response.status_code == 409
    assert "al afgehandeld door Cor Coördinator" in response.get_data(as_text=True)
    assert db["alarms"].get(alarm_id) == before
    assert log_events(db, visit_id) == log_before


def test_acknowledge_in_place_answers_the_board_fragment(db, clock, escalator, web):
    client, auth = web
    _visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    auth.login("demo-kantoor")
    response = client.post(
        f"/kantoor/alarmen/{alarm_id}/bevestigen", headers={**HX, "X-CSRFToken": _token(client)}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<html" not in page and "data-board-live" in page
    assert "Alarm bevestigd." in page and "Bevestigd door Kees Kantoor om 10:15:00" in page
    assert 'data-open-ids=""' in page  # nothing left to sound


def _token(client) -> str:
    page = client.get("/offline").get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_an_alarm_at_a_glance(db, clock, escalator, web, push_service):
    client, auth = web
    subscribe(db, "demo-kantoor", push_service, "office")
    visit_id = running_visit(db, clock, minutes=120)
    actions.panic(
        db, visit_id, user(db, "demo-medewerker"), at=clock(), location=(52.09073, 5.12142, 18)
    )
    clock.advance(seconds=30)
    escalator.tick()
    auth.login("demo-kantoor")
    page = client.get("/kantoor/").get_data(as_text=True)
    assert "PANIEK" in page and "Paniekalarm: Demi Medewerker" in page
    assert 'data-since="2026-11-02T09:00:00+00:00"' in page  # open since, ticking in the page
    assert 'href="tel:0611111111"' in page
    assert "52.09073, 5.12142" in page and "nauwkeurig tot 18 m" in page
    assert "https://www.openstreetmap.org/?mlat=52.090730&amp;mlon=5.121420" in page
    assert "Herhaling 1 aan iedereen die het alarm kreeg" in page  # what goes out next
    assert "Kees Kantoor" in page and "aangenomen door de pushdienst" in page  # the trail
    message = push_service.received("office")[0]
    client.post(
        "/push/receipts", json={"id": message.payload["id"], "receipt": message.payload["receipt"]}
    )
    page = client.get("/kantoor/").get_data(as_text=True)
    assert "afgeleverd op het apparaat 10:00:30" in page  # the device showed it
    # Nobody else has a device that confirmed a push: the board says who is not reachable.
    assert "Cor Coördinator heeft geen apparaat" in page
    assert "Kees Kantoor heeft geen apparaat dat onlangs een melding ontving" in page


def test_a_step_that_reaches_nobody_says_so_on_the_alarm(db, clock, escalator, web):
    client, auth = web
    _overdue_alarm(db, clock, escalator)  # no device, no SMS, no e-mail set up
    auth.login("demo-kantoor")
    page = client.get("/kantoor/").get_data(as_text=True)
    assert "Deze stap bereikte niemand per push, e-mail of sms" in page
    assert "Kees Kantoor heeft geen apparaat" in page


def test_an_sms_provider_error_shows_on_the_board(db, clock, ctx, escalator, web):
    client, auth = web
    gateway = FakeSmsGateway()
    try:
        ctx.config.update(
            VOP_SMS_TOKEN=gateway.token, VOP_SMS_URL=gateway.url, VOP_SMS_HOSTS="127.0.0.1"
        )
        team = db.execute("select id from teams").fetchone()[0]
        rules = policy.default_policy()
        rules["steps"][1]["channels"] = ["push", "sms"]
        policy.save(db, team, rules, None)
        gateway.answer((400, 102), (400, 102))  # CM.com: balance insufficient
        _overdue_alarm(db, clock, escalator)
    finally:
        gateway.close()
    auth.login("demo-kantoor")
    page = client.get("/kantoor/").get_data(as_text=True)
    assert "sms aan Kees Kantoor mislukt" in page
    assert "102 Balance insufficient" in page


def test_the_board_says_when_the_escalator_stands_still(db, clock, escalator, web):
    client, auth = web
    escalator.tick()
    auth.login("demo-kantoor")
    live = client.get("/kantoor/live", headers=HX).get_data(as_text=True)
    assert 'data-degraded="0"' in live and "De escalatie staat stil" not in live
    clock.advance(seconds=11)  # /healthz says "degraded" now
    assert client.get("/healthz").status_code == 503
    live = client.get("/kantoor/live", headers=HX).get_data(as_text=True)
    assert 'data-degraded="1"' in live and "De escalatie staat stil" in live


def test_the_board_knows_when_the_session_ends_and_a_new_login_keeps_the_page(app, db, clock, web):
    client, auth = web
    auth.login("demo-kantoor")
    live = client.get("/kantoor/live", headers=HX).get_data(as_text=True)
    assert 'data-session-ends="2026-11-02T21:00:00+00:00"' in live  # 12 hours after login
    for _ in range(11):  # the board's polling keeps the idle limit from firing
        clock.advance(hours=1)
        assert client.get("/kantoor/live", headers=HX).status_code == 200
    clock.advance(minutes=50)
    old = db.execute("select id from user_sessions where ended_at is null").fetchone()[0]
    token = _token(client)
    wrong = client.post(
        "/login/opnieuw",
        data={"password": "niet het wachtwoord"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert wrong.status_code == 422 and "Het wachtwoord klopt niet." in wrong.get_data(True)
    right = client.post(
        "/login/opnieuw",
        data={"password": "demo-wachtwoord"},
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )
    assert right.status_code == 200 and "data-csrf-token" in right.get_data(as_text=True)
    rows = db.execute("select id, ended_reason from user_sessions order by created_at").fetchall()
    assert (old, "renewed") in [tuple(r) for r in rows]
    live = client.get("/kantoor/live", headers=HX).get_data(as_text=True)
    assert 'data-session-ends="2026-11-03T08:50:00+00:00"' in live
    sessions.end_all(db, user_id(db, "demo-kantoor"), "test")
    assert client.get("/kantoor/live", headers=HX).status_code == 401


# --- what the worker learns ---------------------------------------------------------------


def test_the_worker_sees_that_the_office_was_alerted_and_who_saw_the_alarm(
    db, clock, escalator, web, push_service
):
    client, auth = web
    subscribe(db, "demo-medewerker", push_service, "phone")
    visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    auth.login("demo-medewerker")
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Het kantoor is gewaarschuwd (10:15)" in page
    # In one tick the alarm fires before the late reminder: alarms go first.
    assert "office_alerted" in types_for(push_service, "phone")
    clock.advance(minutes=2)
    alarms.acknowledge(db, alarm_id, user(db, "demo-kantoor"))
    escalator.tick()
    page = client.get(f"/timer/{visit_id}").get_data(as_text=True)
    assert "Kees Kantoor heeft uw alarm gezien (10:17)" in page
    seen = push_service.received("phone")[-1].payload
    assert seen["type"] == "alarm_seen"
    assert seen["title"] == "Kees Kantoor heeft uw alarm gezien (10:17)"
    assert seen["url"] == f"/timer/{visit_id}" and "alarm_id" not in seen


def test_a_duress_alarm_and_its_acknowledgement_show_nothing_on_the_worker_s_phone(
    db, clock, escalator, web, push_service
):
    client, auth = web
    from app.escalation import pins

    subscribe(db, "demo-medewerker", push_service, "phone")
    subscribe(db, "demo-kantoor", push_service, "office")
    pins.save_pins(db, user_id(db, "demo-medewerker"), "1234", "4711")
    visit_id = running_visit(db, clock, minutes=60)
    # A panic earlier on (seen by the office), then the check-out under duress.
    actions.panic(db, visit_id, user(db, "demo-medewerker"), at=clock())
    escalator.tick()
    panic_id = db.execute("select id from alarms where kind = 'panic'").fetchone()[0]
    alarms.acknowledge(db, panic_id, user(db, "demo-kantoor"))
    escalator.tick()
    before = types_for(push_service, "phone")
    assert before == ["office_alerted", "alarm_seen"]
    assert office_notice(db, visit_id)["text"].startswith("Kees Kantoor heeft uw alarm gezien")
    actions.check_out(db, visit_id, user(db, "demo-medewerker"), at=clock(), pin="4711")
    escalator.tick()
    duress_id = db.execute("select id from alarms where kind = 'duress'").fetchone()[0]
    alarms.acknowledge(db, duress_id, user(db, "demo-kantoor"))
    clock.advance(seconds=5)
    escalator.tick()
    assert "duress" in types_for(push_service, "office")
    assert types_for(push_service, "phone") == before  # nothing new on the worker's phone
    worker_kinds = db.execute(
        "select kind from deliveries where user_id = ? and alarm_id = ?",
        [user_id(db, "demo-medewerker"), duress_id],
    ).fetchall()
    assert worker_kinds == []
    assert office_notice(db, visit_id) is None  # not even the panic's notice any more
    # The visit screens show no notice at all once there is a duress alarm.
    auth.login("demo-medewerker")
    for path in (f"/timer/{visit_id}", f"/bezoeken/{visit_id}", "/"):
        page = client.get(path).get_data(as_text=True)
        assert "esc-office-notice" not in page, path
        assert "Het kantoor is gewaarschuwd" not in page and "alarm gezien" not in page, path


def test_every_outcome_is_a_real_false_or_test_alarm():
    assert set(alarms.OUTCOME_CLASS) == set(alarms.OUTCOMES)
    assert set(alarms.OUTCOME_CLASS.values()) == {"real", "false", "test"}
    assert set(vocabulary.VOCABULARY[("alarms", "outcome")]) == set(alarms.OUTCOMES)


@pytest.mark.parametrize("outcome", ["", "weggelopen"])
def test_an_unknown_outcome_is_refused_in_place(db, clock, escalator, web, outcome):
    client, auth = web
    _visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    auth.login("demo-kantoor")
    response = client.post(
        f"/kantoor/alarmen/{alarm_id}/afhandelen",
        data={"outcome": outcome, "note": "x", "visit": "end"},
        headers={**HX, "X-CSRFToken": _token(client)},
    )
    assert response.status_code == 422
    assert f'id="e-resolve-{alarm_id}"' in response.get_data(as_text=True)
    assert db["alarms"].get(alarm_id)["status"] == "open"


def test_a_later_escalation_step_keeps_climbing_after_an_old_deadline_was_acknowledged(
    db, clock, escalator
):
    """Acknowledging stops the ladder of the deadline that was missed, not a newer one."""
    visit_id, alarm_id = _overdue_alarm(db, clock, escalator)
    actions.extend(db, visit_id, user(db, "demo-medewerker"), minutes=30, reason="", at=clock())
    alarms.acknowledge(db, alarm_id, user(db, "demo-kantoor"))
    steps = _pending_steps(db, visit_id)
    assert [s[0] for s in steps] == [0, 1, 2, 3]
    assert steps[0][1] == "2026-11-02T09:45:00+00:00"  # due 09:10, extended at 09:15 by 30
