"""The follow-up's deadlines across days, weekends, public holidays and DST (Europe/Amsterdam)."""

from datetime import UTC, datetime, timedelta

import pytest

from app.clock import LOCAL
from app.followup import deadlines


def local(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL)


# --- 48 hours for the response to the perpetrator: real hours, DST included --------------


@pytest.mark.parametrize(
    ("occurred", "due", "wall_hours"),
    [
        # An ordinary Tuesday afternoon: Thursday, same time.
        (local(2026, 11, 3, 14, 30), local(2026, 11, 5, 14, 30), 48),
        # Friday into the weekend: the weekend counts, it is Sunday.
        (local(2026, 11, 6, 16, 0), local(2026, 11, 8, 16, 0), 48),
        # Clocks go forward on Sunday 29 March 2026 02:00: 48 real hours end at 11:00 CEST.
        (local(2026, 3, 27, 10, 0), local(2026, 3, 29, 11, 0), 49),
        # Clocks go back on Sunday 25 October 2026 03:00: 48 real hours end at 09:00 CET.
        (local(2026, 10, 23, 10, 0), local(2026, 10, 25, 9, 0), 47),
        # Just before midnight: the deadline is two days on, also just before midnight.
        (local(2026, 12, 31, 23, 50), local(2027, 1, 2, 23, 50), 48),
    ],
)
def test_the_response_is_due_48_real_hours_after_the_incident(occurred, due, wall_hours):
    result = deadlines.response_due(occurred)
    assert result == due
    assert result - occurred.astimezone(UTC) == timedelta(hours=48)
    # On the wall clock the same span reads 47, 48 or 49 hours across a DST change.
    wall = result.astimezone(LOCAL).replace(tzinfo=None) - occurred.replace(tzinfo=None)
    assert wall == timedelta(hours=wall_hours)


# --- two working days for the police report ----------------------------------------------


@pytest.mark.parametrize(
    ("occurred", "last_day"),
    [
        # Monday: Tuesday and Wednesday; due at the end of Wednesday.
        (local(2026, 11, 2, 9, 0), (2026, 11, 4)),
        # Thursday: Friday and Monday.
        (local(2026, 11, 5, 15, 0), (2026, 11, 9)),
        # Friday afternoon: Monday and Tuesday.
        (local(2026, 11, 6, 16, 55), (2026, 11, 10)),
        # Saturday and Sunday count as nothing: Monday and Tuesday.
        (local(2026, 11, 7, 12, 0), (2026, 11, 10)),
        (local(2026, 11, 8, 23, 30), (2026, 11, 10)),
        # Just after local midnight on Saturday (still Friday in UTC): a Saturday incident.
        (local(2026, 11, 7, 0, 30), (2026, 11, 10)),
        # Maundy Thursday 2026: Good Friday and Easter Monday are holidays: Tuesday, Wednesday.
        (local(2026, 4, 2, 10, 0), (2026, 4, 8)),
        # Friday 24 April 2026: Monday 27 April is King's Day: Tuesday and Wednesday.
        (local(2026, 4, 24, 10, 0), (2026, 4, 29)),
        # Wednesday 13 May 2026: Ascension Day (Thursday) off: Friday and Monday.
        (local(2026, 5, 13, 10, 0), (2026, 5, 18)),
        # Christmas Eve 2026 (Thursday): Christmas Friday, weekend: Monday and Tuesday.
        (local(2026, 12, 24, 10, 0), (2026, 12, 29)),
        # Friday 27 March 2026, clocks go forward on Sunday: Monday and Tuesday.
        (local(2026, 3, 27, 10, 0), (2026, 3, 31)),
        # Friday 23 October 2026, clocks go back on Sunday: Monday and Tuesday.
        (local(2026, 10, 23, 10, 0), (2026, 10, 27)),
    ],
)
def test_the_police_report_is_due_at_the_end_of_the_second_working_day(occurred, last_day):
    due = deadlines.police_due(occurred)
    # The end of the last day is local midnight, whatever the offset that night.
    assert due == local(*last_day, 0, 0) + timedelta(days=1)
    assert due.astimezone(LOCAL).hour == 0
    assert due.astimezone(LOCAL).date() == datetime(*last_day).date() + timedelta(days=1)


def test_the_end_of_a_working_day_is_local_midnight_in_summer_and_winter():
    summer = deadlines.police_due(local(2026, 7, 1, 10, 0))  # due end of Friday 3 July
    winter = deadlines.police_due(local(2026, 12, 1, 10, 0))  # due end of Thursday 3 Dec
    assert summer == datetime(2026, 7, 3, 22, 0, tzinfo=UTC)  # CEST, UTC+2
    assert winter == datetime(2026, 12, 3, 23, 0, tzinfo=UTC)  # CET, UTC+1


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ((2026, 11, 2), True),  # Monday
        ((2026, 11, 7), False),  # Saturday
        ((2026, 11, 8), False),  # Sunday
        ((2026, 4, 3), False),  # Good Friday
        ((2026, 4, 6), False),  # Easter Monday
        ((2026, 4, 27), False),  # King's Day
        ((2026, 5, 25), False),  # Whit Monday
        ((2026, 12, 25), False),  # Christmas Day
        ((2026, 12, 28), True),  # the Monday after
        ((2025, 5, 5), False),  # Liberation Day in a lustrum year
        ((2026, 5, 5), True),  # and in another year a working day
    ],
)
def test_working_days_skip_weekends_and_dutch_public_holidays(day, working):
    assert deadlines.is_working_day(datetime(*day).date()) is working


# --- overdue: where a deadline stands at a moment ----------------------------------------


def test_a_deadline_is_open_until_it_passes_and_then_overdue_across_the_dst_night():
    occurred = local(2026, 10, 23, 10, 0)
    due = deadlines.response_due(occurred)
    just_before, just_after = due - timedelta(seconds=1), due + timedelta(seconds=1)
    assert deadlines.state(due, None, just_before) == "open"
    assert deadlines.state(due, None, due) == "open"
    assert deadlines.state(due, None, just_after) == "overdue"
    assert deadlines.remaining(due, just_after) == {"past": True, "hours": 0, "minutes": 0}
    # An hour before it, by the wall clock that is 08:00 on Sunday, after the clocks went back.
    hour_before = due - timedelta(hours=1)
    assert hour_before.astimezone(LOCAL).hour == 8
    assert deadlines.remaining(due, hour_before) == {"past": False, "hours": 1, "minutes": 0}


def test_done_in_time_or_late():
    due = deadlines.response_due(local(2026, 11, 6, 16, 0))
    assert deadlines.state(due, due - timedelta(minutes=1), due + timedelta(days=3)) == "in_time"
    assert deadlines.state(due, due + timedelta(minutes=1), due + timedelta(days=3)) == "late"
