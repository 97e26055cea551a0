"""Outgoing requests stay on the allow-list; a device stays with its user; buttons end with
the session that made them."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.escalation import push
from app.escalation.payloads import action_token

from .conftest import Outside
from .escalation_helpers import advance, running_visit, subscribe
from .factories import user_id

JSON = {"Accept": "application/json"}


def _token(client) -> str:
    page = client.get("/offline").get_data(as_text=True)
    return page.split('name="csrf-token" content="')[1].split('"')[0]


class Recorder:
    """A local HTTP server that counts requests and answers with a fixed status."""

    def __init__(self, status: int = 201, location: str | None = None):
        self.hits: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                recorder.hits.append(self.path)
                self.send_response(status)
                if location:
                    self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def recorders():
    made = []

    def make(**kwargs) -> Recorder:
        made.append(Recorder(**kwargs))
        return made[-1]

    yield make
    for recorder in made:
        recorder.close()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_the_push_sender_never_follows_a_redirect(ctx, push_service, recorders, status):
    victim = recorders()
    redirector = recorders(status=status, location=victim.url + "/internal/admin")
    sub = push_service.subscribe("device")
    subscription = {**sub["keys"], "endpoint": redirector.url + "/push/device"}
    result = push.send(ctx, subscription, {"type": "test"}, ttl=60, urgency="normal")
    assert redirector.hits == ["/push/device"]
    assert victim.hits == []
    assert result.outcome == "refused" and result.status == status


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com:22/fcm/send/1",
        "https://fcm.googleapis.com:8443/fcm/send/1",
        "https://web.push.apple.com:25/x",
        "https://x.notify.windows.com:6379/w/?token=1",
    ],
)
def test_a_push_service_on_another_port_is_refused(ctx, endpoint):
    ctx.config["VOP_PUSH_HOSTS"] = push.DEFAULT_PUSH_HOSTS
    assert "poort" in push.endpoint_problem(endpoint)


def test_the_allow_list_can_name_a_port(ctx):
    ctx.config["VOP_PUSH_HOSTS"] = "push.example.org:8443,fcm.googleapis.com"
    assert push.endpoint_problem("https://push.example.org:8443/p/1") is None
    assert push.endpoint_problem("https://push.example.org/p/1") is not None
    assert push.endpoint_problem("https://fcm.googleapis.com:443/fcm/send/1") is None


@pytest.mark.parametrize(
    ("url", "word"),
    [
        ("ftp://fcm.googleapis.com/x", "https"),
        ("https://user:pw@fcm.googleapis.com/x", "geldig"),
        ("https://fcm.googleapis.com:99999/x", "geldig"),
        ("https://evil.example/x", "lijst"),
        ("https://fcm.googleapis.com\\@evil.example/x", "geldig"),
    ],
)
def test_the_outgoing_rule_checks_scheme_host_and_port(ctx, url, word):
    from app import outgoing

    problem = outgoing.url_problem(url, outgoing.AllowList.parse(push.DEFAULT_PUSH_HOSTS))
    assert problem is not None and word in problem


def test_a_stuck_push_service_times_out(ctx, push_service, monkeypatch):
    from app import outgoing

    monkeypatch.setattr(outgoing, "READ_TIMEOUT", 0.5)
    sub = push_service.subscribe("stuck")
    push_service.hang("stuck", 3)
    subscription = {**sub["keys"], "endpoint": sub["endpoint"]}
    started = time.monotonic()
    result = push.send(ctx, subscription, {"type": "test"}, ttl=60, urgency="normal")
    assert result.outcome == "retry" and time.monotonic() - started < 2.5


def test_a_device_of_another_user_is_not_taken_over(db, ctx, push_service, web, make_client):
    client, auth = web
    sub = push_service.subscribe("office-phone")
    push.save_subscription(db, user_id(db, "demo-kantoor"), sub, "test")
    auth.login("demo-medewerker")
    response = client.post(
        "/push/subscriptions", json=sub, headers={"X-CSRFToken": _token(client)}
    )
    assert response.status_code == 409 and "andere gebruiker" in response.json["error"]
    owners = [r[0] for r in db.execute("select user_id from push_subscriptions")]
    assert owners == [user_id(db, "demo-kantoor")]


def test_logging_out_frees_the_device_for_the_next_user(db, ctx, push_service, web):
    client, auth = web
    sub = push_service.subscribe("shared-phone")
    auth.login("demo-kantoor")
    headers = {"X-CSRFToken": _token(client)}
    assert client.post("/push/subscriptions", json=sub, headers=headers).status_code == 201
    auth.logout()
    assert db["push_subscriptions"].count == 0
    auth.login("demo-medewerker")
    headers = {"X-CSRFToken": _token(client)}
    assert client.post("/push/subscriptions", json=sub, headers=headers).status_code == 201
    owners = [r[0] for r in db.execute("select user_id from push_subscriptions")]
    assert owners == [user_id(db, "demo-medewerker")]


def _subscribe_through(client, push_service, name: str) -> None:
    sub = push_service.subscribe(name)
    headers = {"X-CSRFToken": _token(client)}
    assert client.post("/push/subscriptions", json=sub, headers=headers).status_code == 201


@pytest.mark.parametrize("how", ["logout", "password"])
def test_a_reminder_button_ends_with_the_session_that_made_it(
    db, clock, escalator, push_service, web, make_client, app_context, how
):
    client, auth = web
    auth.login("demo-medewerker")
    _subscribe_through(client, push_service, "worker")
    visit_id = running_visit(db, clock, minutes=10)
    advance(clock, escalator, 6 * 60)  # the reminder goes out before the due time
    token = push_service.received("worker")[0].payload["token"]
    if how == "logout":
        auth.logout()
    else:
        form = {
            "current_password": "demo-wachtwoord",
            "new_password": "een heel ander wachtwoord",
            "new_password_repeat": "een heel ander wachtwoord",
        }
        # On another device: a password change ends every other session.
        other_auth = Outside(make_client()[1], app_context)
        other_auth.login("demo-medewerker")
        assert other_auth.post("/account", form).status_code == 303
    due = db["visits"].get(visit_id)["due_at"]
    response = client.post("/push/actions", json={"action": "extend", "token": token})
    assert response.status_code == 400 and "verlopen" in response.json["error"]
    assert db["visits"].get(visit_id)["due_at"] == due


def test_a_reminder_button_works_while_its_session_lasts(db, clock, escalator, push_service, web):
    client, auth = web
    auth.login("demo-medewerker")
    _subscribe_through(client, push_service, "worker")
    visit_id = running_visit(db, clock, minutes=10)
    advance(clock, escalator, 6 * 60)
    token = push_service.received("worker")[0].payload["token"]
    response = client.post("/push/actions", json={"action": "extend", "token": token})
    assert response.status_code == 200
    assert db["visits"].get(visit_id)["due_at"][11:16] == "09:25"


def test_a_token_without_a_session_is_refused(db, clock, ctx, web):
    client, _auth = web
    visit_id = running_visit(db, clock, minutes=60)
    token = action_token(visit_id, user_id(db, "demo-medewerker"), None)
    response = client.post("/push/actions", json={"action": "ok", "token": token})
    assert response.status_code == 400


def test_pushes_still_reach_a_device_subscribed_without_a_login(
    db, clock, escalator, push_service
):
    subscribe(db, "demo-kantoor", push_service, "office")
    running_visit(db, clock, minutes=10)
    advance(clock, escalator, 15 * 60)
    assert push_service.received("office")
