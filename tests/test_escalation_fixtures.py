"""Fixtures and helpers the escalation tests share (this module holds no tests itself).

The escalator runs with the test's FakeClock and, unless a test needs real threads, sends
in the calling thread (InlineExecutor), so `tick()` returns with every push delivered.
"""

import pytest

from app import users
from app.escalation import actions, push
from app.escalation.dispatch import InlineExecutor
from app.escalation.engine import Escalator

from .factories import make_visit, user_id
from .push_service import FakePushService

__all__ = ["push_service", "ctx", "web", "escalator"]  # the fixtures; helpers by name
LOOPBACK_HOSTS = "127.0.0.1,localhost"


@pytest.fixture
def push_service():
    """A local push service that decrypts and verifies every message."""
    service = FakePushService()
    yield service
    service.close()


@pytest.fixture
def ctx(app):
    """An application context with pushes allowed to the loopback fake service."""
    app.config["VOP_PUSH_HOSTS"] = LOOPBACK_HOSTS
    with app.app_context():
        yield app


class Outside:
    """Run a client's calls outside the test's app context.

    Flask reuses an app context that is already pushed for a request, and with it `g`
    (the CSRF token, the signed-in user); a real request never shares those.
    """

    def __init__(self, target, app_ctx):
        self._target, self._ctx = target, app_ctx

    def __getattr__(self, name):
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            self._ctx.pop()
            try:
                return attr(*args, **kwargs)
            finally:
                self._ctx.push()

        return call


@pytest.fixture
def web(ctx, client, auth):
    """The test client and its auth helper, making requests as a browser would."""
    from flask.globals import _cv_app

    app_ctx = _cv_app.get()
    return Outside(client, app_ctx), Outside(auth, app_ctx)


@pytest.fixture
def escalator(ctx):
    """An escalator on the test database that sends in the calling thread."""
    engine = Escalator(ctx, holder="test-escalator", executor=InlineExecutor())
    yield engine
    engine.dispatcher.shutdown()


def user(db, username: str) -> users.User:
    """Return the User object of a demo user, as the login would build it."""
    return users.User(users.get_user(db, user_id(db, username)))


def subscribe(db, username: str, service: FakePushService, name: str | None = None) -> str:
    """Give a user a device subscribed at the fake push service; return the device's name."""
    data = service.subscribe(name)
    push.save_subscription(db, user_id(db, username), data, "test")
    return data["endpoint"].rsplit("/", 1)[-1]


def running_visit(db, clock, *, minutes: int = 60, worker: str = "demo-medewerker", **kw) -> int:
    """Plan a visit and check in now; return its id."""
    visit_id = make_visit(db, worker, expected_minutes=minutes, **kw)
    actions.check_in(db, visit_id, user(db, worker), at=clock())
    return visit_id


def advance(clock, escalator: Escalator, seconds: float) -> dict:
    """Move the clock and let the escalator tick once."""
    clock.advance(seconds=seconds)
    return escalator.tick()


def types_for(service: FakePushService, name: str) -> list[str]:
    """Return the payload types one device received, in order."""
    return [m.payload["type"] for m in service.received(name)]


def log_events(db, visit_id: int) -> list[str]:
    """Return the alarm-log events of a visit, in order."""
    return [
        r[0]
        for r in db.execute(
            "select event from alarm_log where visit_id = ? order by id", [visit_id]
        )
    ]
