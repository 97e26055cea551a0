"""The real push path against a local push service, and alarm e-mail through real SMTP."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message as MessageHandler

from app.escalation import actions, push
from app.escalation.engine import Escalator
from app.escalation.payloads import action_token

from .conftest import find_free_port
from .escalation_helpers import advance, running_visit, subscribe, types_for, user
from .factories import user_id


def _token(client) -> str:
    page = client.get("/offline").get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


def test_every_push_is_encrypted_signed_and_has_the_contract_payload(
    db, clock, escalator, push_service
):
    subscribe(db, "demo-medewerker", push_service, "worker")
    subscribe(db, "demo-kantoor", push_service, "office")
    visit_id = running_visit(db, clock, minutes=10)
    advance(clock, escalator, 5 * 60)  # reminder
    advance(clock, escalator, 10 * 60)  # overdue notice and the alarm
    assert push_service.refusals == []  # every body decrypted, every VAPID JWT verified
    reminder, overdue, alerted = push_service.received("worker")
    assert alerted.payload["type"] == "office_alerted"
    alarm = push_service.received("office")[0]
    for message in (reminder, overdue, alarm):
        assert {"type", "title", "body", "url"} <= set(message.payload)
        assert message.claims["aud"] == push_service.origin
        assert message.claims["sub"].startswith("mailto:")
        assert message.headers["ttl"] == "3600"
    assert alarm.payload["visit_id"] == visit_id and alarm.payload["alarm_id"]
    assert alarm.headers["urgency"] == "high"
    assert reminder.headers["urgency"] == "normal"
    assert [a["action"] for a in reminder.payload["actions"]] == ["ok", "extend"]
    assert [a["action"] for a in alarm.payload["actions"]] == ["open"]
    # The VAPID key is the one the browser subscribes with.
    assert alarm.headers["authorization"].endswith("k=" + push.public_key())


@pytest.mark.parametrize("status", [404, 410])
def test_a_gone_subscription_is_removed(db, clock, escalator, push_service, status):
    name = subscribe(db, "demo-kantoor", push_service, "office")
    push_service.answer(name, status)
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    assert db["push_subscriptions"].count == 0
    row = db.execute("select status, last_status from deliveries where kind = 'alarm'").fetchone()
    assert tuple(row) == ("gone", status)
    advance(clock, escalator, 120)  # the repeat finds no device: nothing more is sent
    assert len(push_service.received(status=None)) == 1


def test_429_waits_as_long_as_retry_after_says(db, clock, escalator, push_service):
    name = subscribe(db, "demo-kantoor", push_service, "office")
    push_service.answer(name, 429, retry_after="30")
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    assert push_service.received("office") == []
    advance(clock, escalator, 29)
    assert push_service.received("office") == []
    advance(clock, escalator, 1)
    assert types_for(push_service, "office") == ["alarm"]
    events = db.execute("select detail from alarm_log where event = 'delivery'").fetchall()
    assert '"status": 429' in events[0][0] and '"outcome": "accepted"' in events[1][0]


def test_server_errors_are_retried_with_back_off_until_accepted(
    db, clock, escalator, push_service
):
    name = subscribe(db, "demo-kantoor", push_service, "office")
    push_service.answer(name, 500, 502, 503)
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    waits = []
    for _ in range(10):
        before = len(push_service.received("office", status=None))
        advance(clock, escalator, 1)
        if len(push_service.received("office", status=None)) > before:
            waits.append(clock().second)
    assert types_for(push_service, "office") == ["alarm"]
    attempts = db.execute(
        "select attempts, status from deliveries where kind = 'alarm'"
    ).fetchone()
    assert tuple(attempts) == (4, "sent")
    assert waits == [1, 3, 7]  # waited 1, 2 and 4 s between attempts


def test_a_failing_push_service_does_not_delay_other_alarms(db, clock, ctx, push_service):
    slow = subscribe(db, "demo-coordinator", push_service, "slow")
    subscribe(db, "demo-kantoor", push_service, "office")
    push_service.hang(slow, 3)
    escalator = Escalator(ctx, holder="pool", executor=ThreadPoolExecutor(4))
    try:
        visit_id = running_visit(db, clock, minutes=10)
        actions.panic(db, visit_id, user(db, "demo-medewerker"), at=clock())
        started = time.monotonic()
        escalator.tick()
        assert time.monotonic() - started < 1  # the tick does not wait for any push service
        push_service.wait_for(1, timeout=2, name="office")
        assert time.monotonic() - started < 1.5
        assert push_service.received("slow") == []
        # A check-in meanwhile is not held up either.
        start = time.monotonic()
        running_visit(db, clock, minutes=30, house_number="3")
        assert time.monotonic() - start < 0.5
        escalator.wait_idle(timeout=10)
        assert types_for(push_service, "slow") == ["panic"]
    finally:
        escalator.dispatcher.shutdown()


def test_subscription_endpoints(db, ctx, escalator, push_service, web):
    client, auth = web
    auth.login("demo-kantoor")
    key = client.get("/push/vapid-public-key").json["publicKey"]
    assert key == push.public_key() and len(key) == 87
    headers = {"X-CSRFToken": _token(client)}
    sub = push_service.subscribe("office")
    assert client.post("/push/subscriptions", json=sub, headers=headers).status_code == 201
    assert db["push_subscriptions"].count == 1
    assert client.post("/push/test", json={}, headers=headers).status_code == 202
    escalator.tick()
    assert types_for(push_service, "office") == ["test"]
    response = client.delete(
        "/push/subscriptions", json={"endpoint": sub["endpoint"]}, headers=headers
    )
    assert response.status_code == 204 and db["push_subscriptions"].count == 0


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://evil.example.com/push/1", "niet op de lijst van toegestane diensten"),
        ("http://fcm.googleapis.com/fcm/send/1", "via https bereikbaar"),
        ("https://fcm.googleapis.com.evil.example/x", "niet op de lijst"),
        ("not a url", "geen geldig adres"),
    ],
)
def test_a_subscription_to_a_host_not_allowed_is_refused(
    db, ctx, push_service, web, endpoint, message
):
    client, auth = web
    ctx.config["VOP_PUSH_HOSTS"] = "127.0.0.1,fcm.googleapis.com"
    auth.login("demo-medewerker")
    sub = push_service.subscribe()
    sub["endpoint"] = endpoint
    response = client.post(
        "/push/subscriptions", json=sub, headers={"X-CSRFToken": _token(client)}
    )
    assert response.status_code == 400 and message in response.json["error"]
    assert db["push_subscriptions"].count == 0


def test_the_device_reports_its_receipt(db, clock, escalator, push_service, web):
    client, _auth = web
    subscribe(db, "demo-kantoor", push_service, "office")
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    message = push_service.received("office")[0]
    bad = client.post("/push/receipts", json={"receipt": "forged"})
    assert bad.status_code == 400
    ok = client.post(
        "/push/receipts", json={"id": message.payload["id"], "receipt": message.payload["receipt"]}
    )
    assert ok.status_code == 204
    row = db.execute("select last_receipt_at from push_subscriptions").fetchone()
    assert row[0] == "2026-11-02T09:15:00+00:00"


def test_a_notification_button_answers_for_the_worker(db, clock, escalator, push_service, web):
    client, auth = web
    auth.login("demo-medewerker")  # the button lasts as long as this session
    session_id = db.execute("select id from user_sessions where ended_at is null").fetchone()[0]
    visit_id = running_visit(db, clock, minutes=60)
    token = action_token(visit_id, user_id(db, "demo-medewerker"), session_id)
    response = client.post("/push/actions", json={"action": "extend", "token": token})
    assert response.status_code == 200 and "11:15" in response.json["message"]
    assert db["visits"].get(visit_id)["due_at"][11:16] == "10:15"
    assert client.post("/push/actions", json={"action": "extend", "token": "x"}).status_code == 400


@pytest.fixture
def smtp_server():
    """A real SMTP server on 127.0.0.1 that keeps what it receives."""
    received = []

    class Keep(MessageHandler):
        def handle_message(self, message):
            received.append(message)

    controller = Controller(Keep(), hostname="127.0.0.1", port=find_free_port())
    controller.start()
    yield controller, received
    controller.stop()


def test_the_alarm_e_mail_reaches_the_office_address(db, clock, ctx, escalator, smtp_server):
    controller, received = smtp_server
    ctx.config.update(
        VOP_SMTP_HOST="127.0.0.1",
        VOP_SMTP_PORT=controller.port,
        VOP_OFFICE_EMAIL="kantoor@gemeente.example",
    )
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    deadline = time.monotonic() + 5
    while not received and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(received) == 1
    mail = received[0]
    assert mail["To"] == "kantoor@gemeente.example"
    assert mail["Subject"] == "[Veilig op Pad] ALARM: Demi Medewerker niet uitgecheckt"
    body = mail.get_payload()
    assert "Domplein 12, 3511AB Utrecht" in body and "/kantoor/alarmen/1" in body
    row = db.execute("select status from deliveries where channel = 'email'").fetchone()
    assert row[0] == "sent"
