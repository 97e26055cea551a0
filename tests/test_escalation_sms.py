"""SMS as a channel, against a local double of CM.com's gateway (tests/sms_gateway.py)."""

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.escalation import actions, cm_gateway, policy
from app.escalation.engine import Escalator

from .escalation_helpers import advance, running_visit, subscribe, types_for, user
from .sms_gateway import FakeSmsGateway
from .test_escalation_push import smtp_server  # noqa: F401 - a fixture

SMS_POLICY = {
    **policy.default_policy(),
    "steps": [
        {"delay": 0, "who": ["worker"], "channels": ["push"]},
        {"delay": 300, "who": ["office", "coordinator"], "channels": ["push", "sms"]},
    ],
}


@pytest.fixture
def gateway(ctx):
    """The gateway double, with the app set up to send to it."""
    double = FakeSmsGateway()
    ctx.config.update(
        VOP_SMS_TOKEN=double.token, VOP_SMS_URL=double.url, VOP_SMS_HOSTS="127.0.0.1"
    )
    yield double
    double.close()


def _sms_policy(db) -> None:
    team = db.execute("select id from teams").fetchone()[0]
    policy.save(db, team, SMS_POLICY, None)


def _sms_rows(db) -> list[tuple]:
    return [
        tuple(r)
        for r in db.execute(
            "select user_id, status, last_status, last_error from deliveries "
            "where channel = 'sms' order by id"
        )
    ]


def test_an_sms_step_sends_one_message_per_recipient_with_address_and_local_time(
    db, clock, escalator, gateway, web
):
    _sms_policy(db)
    visit_id = running_visit(db, clock, minutes=10)  # due 09:10 UTC, the alarm 09:15 UTC
    advance(clock, escalator, 15 * 60)
    messages = gateway.wait_for(2)
    assert sorted(m.to for m in messages) == ["0031622222222", "0031633333333"]
    for message in messages:
        assert message.sender == "VeiligOpPad"
        assert "ALARM: Demi Medewerker niet uitgecheckt" in message.text
        assert "Domplein 12, 3511AB Utrecht" in message.text
        # Local time: 10:15 in Amsterdam (UTC+1 in November), never the stored 09:15 UTC.
        assert message.text.startswith("Veilig op Pad 10:15:") and "09:15" not in message.text
        assert "/kantoor/alarmen/1" in message.text
        assert message.reference.startswith("vop-")
    assert [row[1:3] for row in _sms_rows(db)] == [("sent", 200), ("sent", 200)]
    notified = db.execute(
        "select detail from alarm_log where event = 'notified' and visit_id = ? "
        "and detail like '%\"step\": 1%'",
        [visit_id],
    ).fetchone()[0]
    assert json.loads(notified)["sent"] == {"push": 0, "sms": 2}
    escalator.tick()
    advance(clock, escalator, 120)  # a repeat goes by push only: no second SMS
    assert len(gateway.messages) == 2
    client, auth = web  # every SMS is in the alarm's notification trail on the board
    auth.login("demo-kantoor")
    trail = (
        client.get("/kantoor/")
        .get_data(as_text=True)
        .split('class="utrecht-table esc-trail"')[1]
        .split("</table>")[0]
    )
    for name in ("Kees Kantoor", "Cor Coördinator"):
        assert f'<td class="utrecht-table__cell">{name}</td>' in trail
    assert trail.count("sms · alarm") == 2 and trail.count("aangenomen door de sms-dienst") == 2


def test_a_provider_error_is_kept_and_not_retried_when_it_cannot_help(
    db, clock, escalator, gateway
):
    _sms_policy(db)
    gateway.answer((400, 101), (400, 101))  # CM.com: authentication failed
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    rows = _sms_rows(db)
    assert [row[1:3] for row in rows] == [("failed", 400), ("failed", 400)]
    assert rows[0][3] == "101 Authentication failed"
    advance(clock, escalator, 60)
    assert gateway.requests == 2 and gateway.messages == []


def test_a_provider_server_error_is_retried_with_back_off(db, clock, escalator, gateway):
    _sms_policy(db)
    gateway.answer((503, 0), (503, 0))
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    assert [row[1] for row in _sms_rows(db)] == ["pending", "pending"]
    advance(clock, escalator, 1)
    assert len(gateway.wait_for(2)) == 2
    assert [row[1] for row in _sms_rows(db)] == ["sent", "sent"]


def test_a_redirect_is_never_followed(db, clock, escalator, gateway):
    _sms_policy(db)
    gateway.answer((302, 0), (302, 0))
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    assert {row[1:] for row in _sms_rows(db)} == {("failed", 302, "redirect not followed")}


@pytest.mark.parametrize(
    ("config", "event"),
    [
        ({"VOP_SMS_TOKEN": None}, "channel_unavailable"),
        ({"VOP_SMS_HOSTS": "gw.messaging.cm.com"}, "channel_unavailable"),  # not allow-listed
        (
            {"VOP_SMS_URL": "http://gw.messaging.cm.com/v1.0/message", "VOP_SMS_HOSTS": None},
            "channel_unavailable",
        ),  # plain http to the real gateway
        (
            {"VOP_SMS_URL": "https://gw.messaging.cm.com:8443/x", "VOP_SMS_HOSTS": None},
            "channel_unavailable",
        ),  # another port
    ],
)
def test_without_a_usable_provider_no_sms_is_queued_and_the_log_says_so(
    db, clock, ctx, escalator, gateway, config, event
):
    ctx.config.update(config)
    _sms_policy(db)
    visit_id = running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    assert _sms_rows(db) == [] and gateway.requests == 0
    page = [r[0] for r in db.execute("select event from alarm_log where visit_id = ?", [visit_id])]
    assert event in page


def test_a_slow_or_failing_provider_never_delays_push_or_email(
    db,
    clock,
    ctx,
    push_service,
    gateway,
    smtp_server,  # noqa: F811
):
    controller, mails = smtp_server
    ctx.config.update(
        VOP_SMTP_HOST="127.0.0.1", VOP_SMTP_PORT=controller.port, VOP_OFFICE_EMAIL="k@x.example"
    )
    subscribe(db, "demo-kantoor", push_service, "office")
    gateway.slow(4)
    escalator = Escalator(ctx, holder="pool", executor=ThreadPoolExecutor(8))
    try:
        visit_id = running_visit(db, clock, minutes=60)
        actions.panic(db, visit_id, user(db, "demo-medewerker"), at=clock())
        started = time.monotonic()
        escalator.tick()
        assert time.monotonic() - started < 1  # the tick does not wait for the provider
        push_service.wait_for(1, timeout=3, name="office")
        while not mails and time.monotonic() - started < 3:
            time.sleep(0.02)
        pushed_and_mailed = time.monotonic() - started
        print(f"push and e-mail out {pushed_and_mailed:.2f} s after the tick, SMS still waiting")
        assert types_for(push_service, "office") == ["panic"] and len(mails) == 1
        assert pushed_and_mailed < 2 and gateway.messages == []
        escalator.wait_idle(timeout=15)
        assert len(gateway.messages) == 2  # the slow provider got there in the end
    finally:
        escalator.dispatcher.shutdown()


def test_a_provider_that_is_down_is_retried_and_push_goes_out(db, clock, escalator, push_service):
    escalator.app.config.update(
        VOP_SMS_TOKEN="x", VOP_SMS_URL="http://127.0.0.1:9/v1.0/message", VOP_SMS_HOSTS="127.0.0.1"
    )
    subscribe(db, "demo-kantoor", push_service, "office")
    visit_id = running_visit(db, clock, minutes=60)
    actions.panic(db, visit_id, user(db, "demo-medewerker"), at=clock())
    escalator.tick()
    assert types_for(push_service, "office") == ["panic"]
    rows = _sms_rows(db)
    assert {row[1] for row in rows} == {"pending"} and {row[3] for row in rows} == {
        "ConnectionError"
    }


@pytest.mark.parametrize(
    ("phone", "expected"),
    [
        ("06 22222222", "0031622222222"),
        ("+31 6-2222 2222", "0031622222222"),
        ("0031622222222", "0031622222222"),
        ("+32 470 12 34 56", "0032470123456"),
        ("bel mij", None),
        ("", None),
        (None, None),
        ("06 12", None),
    ],
)
def test_phone_numbers_are_written_as_the_gateway_wants_them(phone, expected):
    assert cm_gateway.msisdn(phone) == expected


def test_the_real_gateway_address_is_allowed_by_default(ctx):
    ctx.config.update(VOP_SMS_TOKEN="token", VOP_SMS_URL=None, VOP_SMS_HOSTS=None)
    assert cm_gateway.url_problem(ctx) is None and cm_gateway.configured(ctx)
    assert cm_gateway.gateway_url(ctx) == "https://gw.messaging.cm.com/v1.0/message"
    ctx.config["VOP_SMS_URL"] = "https://user:pw@gw.messaging.cm.com/v1.0/message"
    assert cm_gateway.url_problem(ctx) == "VOP_SMS_URL must not hold a user name or password"
