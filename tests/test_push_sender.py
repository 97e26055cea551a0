"""Sending push: the sender process (asyncio, escalation/sender.py) and the thread path
(outgoing.Poster) keep the same rules: a push service's answer read the same way, no
redirect followed, a stale kept-open connection opened again, alarms before reminders, and
a sender process that dies hands back every message it held."""

import asyncio
import json
import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import pytest

from app import outgoing
from app.escalation import push, sender
from app.escalation.payloads import read_receipt_token
from app.escalation.sender import SenderProcess

from .conftest import LOOPBACK_HOSTS
from .push_service import FakePushService


@pytest.fixture
def push_app(app):
    app.config["VOP_PUSH_HOSTS"] = LOOPBACK_HOSTS
    return app


@pytest.fixture
def service():
    fake = FakePushService()
    yield fake
    fake.close()


def _subscription(data: dict, endpoint: str | None = None) -> dict:
    """A device as the deliveries' join gives it: endpoint and keys."""
    keys = data["keys"]
    return {
        "endpoint": endpoint or data["endpoint"],
        "p256dh": keys["p256dh"],
        "auth": keys["auth"],
    }


def _row(data: dict, row_id: int, kind: str = "reminder") -> dict:
    """A claimed push delivery as the dispatcher hands it over (with its subscription)."""
    return {
        **_subscription(data),
        "id": row_id,
        "channel": "push",
        "kind": kind,
        "host": "127.0.0.1",
        "payload": json.dumps({"type": kind, "title": kind, "body": f"{row_id}", "url": "/"}),
        "ttl": 60,
        "urgency": "high",
    }


class Answers:
    """What a SenderProcess hands back, to wait for in a test."""

    def __init__(self):
        self.got: list[tuple[dict, push.Result]] = []
        self.cond = threading.Condition()

    def __call__(self, row, result):
        with self.cond:
            self.got.append((row, result))
            self.cond.notify_all()

    def wait_for(self, count: int, timeout: float = 20) -> list[tuple[dict, push.Result]]:
        with self.cond:
            assert self.cond.wait_for(lambda: len(self.got) >= count, timeout), self.got
            return list(self.got)


def test_the_sender_process_sends_each_message_and_hands_back_each_answer(push_app, service):
    answers = Answers()
    process = SenderProcess(push_app, answers)
    try:
        fine, gone, busy = (service.subscribe(n) for n in ("fine", "gone", "busy"))
        service.answer("gone", 410)
        service.answer("busy", 429, retry_after="7")
        process.submit([_row(fine, 1), _row(gone, 2), _row(busy, 3)])
        got = {row["id"]: result for row, result in answers.wait_for(3)}
    finally:
        process.close()
    assert got == {
        1: push.Result("accepted", 201),
        2: push.Result("gone", 410),
        3: push.Result("retry", 429, 7.0),
    }
    (message,) = service.received("fine")  # decrypted, its VAPID signature checked
    assert (message.payload["body"], message.payload["id"]) == ("1", 1)
    with push_app.app_context():  # the device can confirm its receipt to this server
        assert read_receipt_token(message.payload["receipt"]) == 1
    assert not process.alive()  # close() let it finish, then it stopped


def test_alarms_leave_the_sender_process_before_a_queue_of_reminders(push_app, service):
    service.latency = 0.2
    answers = Answers()
    process = SenderProcess(push_app, answers)
    try:
        worker, office = service.subscribe("worker"), service.subscribe("office")
        count = sender.PER_HOST + 200  # more than one round of senders
        rows = [_row(worker, n) for n in range(1, count + 1)]
        rows.append(_row(office, count + 1, kind="panic"))  # the panic comes last
        process.submit(rows)
        answers.wait_for(count + 1)
    finally:
        process.close()
    arrivals = sorted(service.received(), key=lambda m: m.at)
    position = next(i for i, m in enumerate(arrivals) if m.payload["type"] == "panic")
    assert position < sender.PER_HOST, f"the panic went out as number {position + 1}"


def test_a_sender_process_that_dies_hands_back_every_message_it_held(push_app, service):
    stuck = service.subscribe("stuck")
    service.hang("stuck", 30)
    answers = Answers()
    process = SenderProcess(push_app, answers)
    try:
        process.submit([_row(stuck, n) for n in (1, 2, 3)])
        deadline = time.monotonic() + 20
        while service.begun["stuck"] < 3 and time.monotonic() < deadline:
            time.sleep(0.05)  # all three are at the push service, unanswered
        assert service.begun["stuck"] == 3
        os.kill(process.process.pid, signal.SIGKILL)
        answers.wait_for(3, timeout=10)
        process.submit([_row(stuck, 4)])  # handed over after it died: answered at once
        got = answers.wait_for(4, timeout=1)
    finally:
        process.close()
    assert sorted(row["id"] for row, _ in got) == [1, 2, 3, 4]
    assert {result.error for _, result in got} == {"sender process stopped"}
    assert {result.outcome for _, result in got} == {"retry"}


class _Redirect(BaseHTTPRequestHandler):
    """Answers every POST with a redirect to somewhere else; counts what it got."""

    protocol_version = "HTTP/1.1"
    posts = 0

    def do_POST(self):  # noqa: N802 - http.server's naming
        type(self).posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(307)
        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class _OncePerConnection(_Redirect):
    """Answers 201, then closes the kept-open connection without saying so."""

    def do_POST(self):  # noqa: N802
        type(self).posts += 1
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.close_connection = True  # no "Connection: close": the client finds out later


@pytest.fixture
def local_server():
    servers = []

    def start(handler):
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/push/x"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _send_both_ways(app, subscription: dict) -> tuple[push.Result, push.Result]:
    payload = {"type": "test", "title": "t", "body": "b", "url": "/"}
    threaded = push.send(app, subscription, payload, ttl=60, urgency="high")

    async def on_the_loop():
        async with aiohttp.ClientSession() as session:
            return await push.send_async(
                app, session, subscription, payload, ttl=60, urgency="high"
            )

    # A loop of its own on a thread of its own: the browser tests' Playwright keeps one
    # running on this thread.
    with ThreadPoolExecutor(1) as pool:
        return threaded, pool.submit(asyncio.run, on_the_loop()).result()


def test_neither_path_follows_a_redirect(push_app, service, local_server):
    _Redirect.posts = 0
    endpoint = local_server(_Redirect)
    results = _send_both_ways(push_app, _subscription(service.subscribe("a"), endpoint))
    assert results == (push.Result("refused", 307, error="redirect not followed"),) * 2
    assert _Redirect.posts == 2  # one each: asked once, never sent on


def test_a_push_service_outside_the_allow_list_is_refused_on_both_paths(push_app, service):
    push_app.config["VOP_PUSH_HOSTS"] = "push.example"
    results = _send_both_ways(push_app, _subscription(service.subscribe("a")))
    assert [r.outcome for r in results] == ["refused", "refused"]
    assert service.received(status=None) == []


def test_a_kept_open_connection_closed_by_the_other_side_is_opened_again(local_server):
    _OncePerConnection.posts = 0
    endpoint = local_server(_OncePerConnection)
    poster = outgoing.Poster()
    answers = [poster.post(endpoint, data=b"x", timeout=(2, 2)).status_code for _ in range(3)]
    assert answers == [201, 201, 201]
    assert _OncePerConnection.posts == 3  # each sent once: no duplicate from the reconnect


def test_a_push_service_that_does_not_answer_is_a_retry_after_the_read_timeout(
    push_app, service, monkeypatch
):
    monkeypatch.setattr(outgoing, "READ_TIMEOUT", 0.5)
    slow = service.subscribe("slow")
    service.hang("slow", 3)
    started = time.monotonic()
    results = _send_both_ways(push_app, _subscription(slow))
    assert time.monotonic() - started < 2.5
    assert [r.outcome for r in results] == ["retry", "retry"]


def test_a_push_sender_that_keeps_dying_leaves_push_to_the_escalators_threads(push_app, service):
    from app.escalation.dispatch import Dispatcher

    dispatcher = Dispatcher(push_app, "test-holder", push_processes=1)
    dispatcher.start()
    device = service.subscribe("device")
    try:
        for attempt in range(3):
            (remote,) = dispatcher.remotes
            os.kill(remote.process.pid, signal.SIGKILL)
            remote.process.join(10)
            dispatcher._hand_over([_row(device, attempt + 1)])  # finds it dead, starts anew
        # The third early death: no fourth process, push goes out on threads, and is sent.
        assert dispatcher.remotes == [] and dispatcher.push_processes == 0
        service.wait_for(1, timeout=10)
        answers = _answers(dispatcher, 3, timeout=10)
    finally:
        dispatcher.shutdown()
    outcomes = {row_id: result.outcome for row_id, result in answers.items()}
    assert outcomes[3] == "accepted"  # sent on a thread of the escalator itself
    assert {outcomes[1], outcomes[2]} <= {"accepted", "retry"}  # lost with a process: retried


def test_two_sender_processes_share_a_burst_and_one_dying_leaves_the_other_sending(
    push_app, service
):
    from app.escalation.dispatch import Dispatcher

    dispatcher = Dispatcher(push_app, "test-holder", push_processes=2)
    dispatcher.start()
    device, stuck = service.subscribe("device"), service.subscribe("stuck")
    service.hang("stuck", 3)  # held while the first process is killed
    try:
        first, second = dispatcher.remotes
        service.latency = 1.0  # long enough to see who holds what
        dispatcher._hand_over([_row(device, n) for n in range(1, 41)])
        assert (len(first.held), len(second.held)) == (20, 20)  # each process half
        service.wait_for(40, timeout=20)
        answered = _answers(dispatcher, 40)
        service.latency = 0
        assert {result.outcome for result in answered.values()} == {"accepted"}
        assert sorted(answered) == list(range(1, 41))
        pids = {first.process.pid, second.process.pid}
        assert len(pids) == 2 and all(p.alive() for p in dispatcher.remotes)

        dispatcher._hand_over([_row(stuck, 41), _row(stuck, 42)])  # one held by each
        deadline = time.monotonic() + 10
        while service.begun["stuck"] < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.join(10)
        lost = _answers(dispatcher, 1)  # what the dead one held comes back at once
        assert lost == {41: push.Result("retry", error="sender process stopped")}
        # The next hand-over replaces the dead process; the other one sends on.
        dispatcher._hand_over([_row(device, 43), _row(device, 44)])
        assert first not in dispatcher.remotes and second in dispatcher.remotes
        assert len(dispatcher.remotes) == 2 and all(p.alive() for p in dispatcher.remotes)
        assert _answers(dispatcher, 2) == {
            43: push.Result("accepted", 201),
            44: push.Result("accepted", 201),
        }
    finally:
        dispatcher.shutdown()


def _answers(dispatcher, count: int, timeout: float = 20) -> dict[int, push.Result]:
    """Take `count` answers off a dispatcher's results queue: delivery id -> result."""
    got = {}
    deadline = time.monotonic() + timeout
    while len(got) < count and time.monotonic() < deadline:
        row, result = dispatcher.results.get(timeout=max(0.01, deadline - time.monotonic()))
        got[row["id"]] = result
    return got


def test_both_sender_processes_dying_again_and_again_leave_push_to_the_threads(push_app, service):
    from app.escalation.dispatch import Dispatcher

    dispatcher = Dispatcher(push_app, "test-holder", push_processes=2)
    dispatcher.start()
    device = service.subscribe("device")
    try:
        for attempt in range(2):  # both die at once, twice: four early deaths
            for remote in list(dispatcher.remotes):
                os.kill(remote.process.pid, signal.SIGKILL)
                remote.process.join(10)
            dispatcher._hand_over([_row(device, attempt + 1)])
        # The third early death sent push to the threads; the fourth changed nothing more.
        assert dispatcher.remotes == [] and dispatcher.push_processes == 0
        got = _answers(dispatcher, 2)
    finally:
        dispatcher.shutdown()
    assert got[2] == push.Result("accepted", 201)  # sent on a thread of the escalator itself
    assert got[1].outcome in ("accepted", "retry")  # lost with a process: retried
