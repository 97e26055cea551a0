"""The one place the app reads the time, so tests can move it instead of sleeping."""

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import format_datetime

# Times are stored in UTC and shown, and reasoned about (evening, today), in Dutch local time.
LOCAL = ZoneInfo("Europe/Amsterdam")


def system_now() -> datetime:
    """Return the current UTC time."""
    return datetime.now(UTC)


def now() -> datetime:
    """Return the current UTC time, from the app's CLOCK setting when one is given."""
    if has_app_context():
        clock: Callable[[], datetime] | None = current_app.config.get("CLOCK")
        if clock is not None:
            return clock()
    return system_now()


def iso(moment: datetime) -> str:
    """Format a UTC moment the way the database stores it."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def parse(text: str) -> datetime:
    """Read a stored UTC moment."""
    return datetime.fromisoformat(text)


# The ways the app shows a moment, by name: templates say `{{ t|localtime("day_time") }}`.
FORMATS = {
    "time": "HH:mm",
    "seconds": "HH:mm:ss",
    "day_time": "EEE d MMM HH:mm",
    "date_time": "d MMM yyyy HH:mm",
}


def local_text(stored: str | None, pattern: str, empty: str = "") -> str:
    """Show a stored UTC moment in Dutch local time with a CLDR pattern such as 'HH:mm'."""
    return format_datetime(parse(stored), pattern) if stored else empty


def localtime(stored: str | None, name: str = "time") -> str:
    """Show a stored UTC moment in local time in one of the named FORMATS (a template filter)."""
    return local_text(stored, FORMATS[name])


def form_value(moment: datetime) -> str:
    """Return a moment as the value of an <input type="datetime-local">, in local time."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


class FakeClock:
    """A clock for tests: stands still until moved."""

    def __init__(self, start: datetime | None = None):
        self.moment = start or datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        """Move the clock forward by a timedelta's keyword arguments."""
        from datetime import timedelta

        self.moment += timedelta(**delta)
