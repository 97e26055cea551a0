"""Helpers the escalation tests share: devices, running visits, the clock and what was sent.

The fixtures they work with (push_service, ctx, web, escalator) are in conftest.py.
"""

from app import users
from app.escalation import actions, push
from app.escalation.engine import Escalator

from .factories import make_visit, user_id
from .push_service import FakePushService


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
