"""A period of local Dutch dates from `?van=…&tot=…`, as the register, trends and exports use.

Both ends are included. Without dates the period is the last twelve months up to today.
"""

from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _

from ..clock import LOCAL, iso
from .checks import read_date

MAX_DAYS = 6 * 366  # longer than any retention period, so no export is unbounded


def default_start(today: date) -> date:
    """Return the first day of the month eleven months back: twelve whole months to today."""
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1)


def read(args, today: date) -> tuple[date, date, dict]:
    """Read the period from the query string; return (start, end, Dutch messages)."""
    errors: dict[str, str] = {}
    start, end = default_start(today), today
    if args.get("van"):
        start = read_date(args.get("van")) or start
        if read_date(args.get("van")) is None:
            errors["van"] = _("Vul een geldige begindatum in.")
    if args.get("tot"):
        end = read_date(args.get("tot")) or end
        if read_date(args.get("tot")) is None:
            errors["tot"] = _("Vul een geldige einddatum in.")
    if not errors and end < start:
        errors["tot"] = _("De einddatum ligt vóór de begindatum.")
    elif not errors and (end - start).days > MAX_DAYS:
        errors["tot"] = _("Kies een periode van hoogstens zes jaar.")
    return start, end, errors


def bounds(start: date, end: date) -> tuple[str, str]:
    """Return the period as stored UTC text: from local midnight of start to after end."""
    first = datetime.combine(start, time(0, 0), tzinfo=LOCAL)
    after = datetime.combine(end + timedelta(days=1), time(0, 0), tzinfo=LOCAL)
    return iso(first), iso(after)


def months(start: date, end: date) -> list[tuple[int, int]]:
    """Return the (year, month) pairs the period touches, in order."""
    found, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        found.append((year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return found
