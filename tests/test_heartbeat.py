"""The escalator calls an outside monitor while it ticks, and falls silent when it stops."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from app.escalation.dispatch import InlineExecutor
from app.escalation.engine import Escalator


class Monitor:
    """A push monitor on 127.0.0.1 that counts the calls it gets."""

    def __init__(self):
        self.calls = 0
        self.called = threading.Condition()
        monitor = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                with monitor.called:
                    monitor.calls += 1
                    monitor.called.notify_all()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/push/abc?status=up"

    def wait_for(self, count: int, timeout: float = 10) -> None:
        with self.called:
            assert self.called.wait_for(lambda: self.calls >= count, timeout), self.calls


def test_the_monitor_hears_from_a_ticking_escalator_until_it_stops(app):
    monitor = Monitor()
    app.config.update(VOP_HEARTBEAT_URL=monitor.url, VOP_HEARTBEAT_SECONDS=0.1)
    app.config.pop("CLOCK")  # real time: the escalator runs on its own thread here
    escalator = Escalator(app, holder="heartbeat-test", executor=InlineExecutor())
    escalator.start()
    try:
        monitor.wait_for(3)
    finally:
        escalator.stop()
    escalator.heartbeat.thread.join(2)
    assert not escalator.heartbeat.thread.is_alive()  # a stopped escalator calls no more
    assert escalator.heartbeat.calls == monitor.calls >= 3
    monitor.server.shutdown()


def test_no_call_without_a_recent_tick(app):
    monitor = Monitor()
    app.config.update(VOP_HEARTBEAT_URL=monitor.url)
    heartbeat = Escalator(app, holder="stuck", executor=InlineExecutor()).heartbeat
    try:
        assert heartbeat.beat() is False  # the escalator never ticked
        heartbeat.ticked()
        assert heartbeat.beat() is True and monitor.calls == 1
        heartbeat.last_tick -= heartbeat.fresh + 1  # the last tick is older than 10 s: stuck
        assert heartbeat.beat() is False and monitor.calls == 1
    finally:
        monitor.server.shutdown()
