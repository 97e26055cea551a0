"""The follow-up's deadlines: a response within 48 hours, a police report within two working days.

The rules, as docs/followup.md explains them:

- **Response to the perpetrator** (VPT measure 5): 48 hours of real time from the moment the
  incident happened, weekends and nights included. Counted in UTC, so a night when the clocks
  change is 47 or 49 hours on the wall clock but always 48 real hours; the deadline is shown in
  Dutch local time.
- **Police report** (aangifte, measure 6): by the end of the second working day after the day
  of the incident. A working day is Monday to Friday, except the Dutch public holidays of the
  `holidays` library's calendar for NL (New Year's Day, Good Friday, Easter Monday, King's Day,
  Liberation Day in lustrum years, Ascension Day, Whit Monday, Christmas Day and Boxing Day).
  The day of the incident never counts, also when it is a working day: a report made at 16:55
  on a Friday leaves Monday and Tuesday. "The end of the day" is local midnight in
  Europe/Amsterdam, whatever the offset that day.
"""

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

import holidays

from ..clock import LOCAL

RESPONSE_HOURS = 48
POLICE_WORKING_DAYS = 2


@lru_cache(maxsize=64)
def _public_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("NL", years=year))


def is_working_day(day: date) -> bool:
    """Tell whether a date is a working day: Monday to Friday and no Dutch public holiday."""
    return day.weekday() < 5 and day not in _public_holidays(day.year)


def response_due(occurred: datetime) -> datetime:
    """Return when the response to the perpetrator is due: 48 real hours after the incident."""
    return occurred.astimezone(UTC) + timedelta(hours=RESPONSE_HOURS)


def police_due(occurred: datetime) -> datetime:
    """Return when the police report is due: local midnight after the second working day."""
    day = occurred.astimezone(LOCAL).date()
    counted = 0
    while counted < POLICE_WORKING_DAYS:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    end = datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=LOCAL)
    return end.astimezone(UTC)


def state(due: datetime, done: datetime | None, moment: datetime) -> str:
    """Say where a deadline stands: in_time, late (done after it), open or overdue."""
    if done is not None:
        return "in_time" if done <= due else "late"
    return "open" if moment <= due else "overdue"


def remaining(due: datetime, moment: datetime) -> dict:
    """Return the time left until a deadline (negative: past it) in hours and minutes."""
    seconds = int((due - moment).total_seconds())
    left = abs(seconds) // 60
    return {"past": seconds < 0, "hours": left // 60, "minutes": left % 60}
