"""Business calendars: worked examples, DST, holidays, files, and invariants against a
brute-force reading of the wall clock."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from omnicontext.errors import InvalidInput
from omnicontext.kpi.calendar import BusinessCalendar

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
HOUR = 3600.0

OFFICE = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]})
"""Weekdays 09:00-17:30 in London."""


def london(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=LONDON)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def elapsed(start: datetime, end: datetime) -> float:
    """Real seconds from ``start`` to ``end`` (subtracting two times of one zone
    compares wall clocks, so convert to UTC first)."""
    return (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds()


def rejected(caught: pytest.ExceptionInfo[InvalidInput]) -> list[tuple[str, Any]]:
    return [(error.field, error.value) for error in caught.value.errors]


# --- worked examples ----------------------------------------------------------------


def test_friday_afternoon_to_monday_morning() -> None:
    # Friday 16:00-17:30 is 1.5 h, Monday 09:00-10:00 is 1 h; the weekend is closed.
    friday, monday = london(2026, 3, 6, 16, 0), london(2026, 3, 9, 10, 0)
    assert OFFICE.business_seconds(friday, monday) == 2.5 * HOUR


def test_spans_inside_one_day_and_outside_hours() -> None:
    assert OFFICE.business_seconds(london(2026, 3, 9, 10), london(2026, 3, 9, 11, 15)) == 4500
    assert OFFICE.business_seconds(london(2026, 3, 9, 18), london(2026, 3, 10, 8)) == 0
    assert OFFICE.business_seconds(london(2026, 3, 7, 9), london(2026, 3, 8, 18)) == 0
    assert OFFICE.business_seconds(london(2026, 3, 9, 12), london(2026, 3, 9, 12)) == 0


def test_a_whole_week_and_a_year() -> None:
    week = OFFICE.business_seconds(london(2026, 3, 9), london(2026, 3, 16))
    assert week == 5 * 8.5 * HOUR
    # 2026 has 261 weekdays.
    year = OFFICE.business_seconds(london(2026, 1, 1), london(2027, 1, 1))
    assert year == 261 * 8.5 * HOUR


def test_lunch_breaks() -> None:
    cal = BusinessCalendar(
        "Europe/London",
        {"mon-fri": ["09:00-12:00", "13:00-17:30"]},
    )
    monday = date(2026, 3, 9)
    assert cal.business_seconds(london(2026, 3, 9, 11), london(2026, 3, 9, 14)) == 2 * HOUR
    assert cal.business_seconds(london(2026, 3, 9, 12, 15), london(2026, 3, 9, 12, 45)) == 0
    assert not cal.is_open(london(2026, 3, 9, 12, 30))
    assert cal.is_open(london(2026, 3, 9, 13))
    assert cal.next_open(london(2026, 3, 9, 12, 30)) == london(2026, 3, 9, 13)
    assert [(a.hour, b.hour) for a, b in cal.opening_intervals(monday)] == [(9, 12), (13, 17)]
    # Three hours from 11:00: one before lunch, two after.
    assert cal.add_business_seconds(london(2026, 3, 9, 11), 3 * HOUR) == london(2026, 3, 9, 15)


def test_days_with_different_hours() -> None:
    cal = BusinessCalendar(
        "Europe/London",
        {"mon-thu": ["09:00-17:00"], "fri": ["09:00-12:00"], "sat": ["10:00-14:00"]},
    )
    assert cal.business_seconds(london(2026, 3, 12, 16), london(2026, 3, 16, 10)) == 9 * HOUR


def test_open_at_opening_closed_at_closing() -> None:
    assert OFFICE.is_open(london(2026, 3, 9, 9))
    assert not OFFICE.is_open(london(2026, 3, 9, 8, 59, 59))
    assert OFFICE.is_open(london(2026, 3, 9, 17, 29, 59, 999999))
    assert not OFFICE.is_open(london(2026, 3, 9, 17, 30))
    assert not OFFICE.is_open(london(2026, 3, 7, 12))


def test_next_open() -> None:
    inside = london(2026, 3, 9, 10, 30)
    assert OFFICE.next_open(inside) == inside
    assert OFFICE.next_open(london(2026, 3, 6, 17, 30)) == london(2026, 3, 9, 9)
    found = OFFICE.next_open(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    assert found == london(2026, 3, 9, 9)
    assert found.tzinfo is LONDON


def test_add_business_seconds() -> None:
    friday = london(2026, 3, 6, 16)
    assert OFFICE.add_business_seconds(friday, 4 * HOUR) == london(2026, 3, 9, 11, 30)
    # Due exactly as the office closes: the closing time, not the next opening.
    assert OFFICE.add_business_seconds(friday, 1.5 * HOUR) == london(2026, 3, 6, 17, 30)
    # From a closed time, the clock starts at the next opening.
    saturday = london(2026, 3, 7, 12)
    assert OFFICE.add_business_seconds(saturday, 60) == london(2026, 3, 9, 9, 1)
    assert OFFICE.add_business_seconds(saturday, 0) == saturday
    # A long SLA: five working weeks.
    due = OFFICE.add_business_seconds(london(2026, 3, 9, 9), 25 * 8.5 * HOUR)
    assert due == london(2026, 4, 10, 17, 30)
    result = OFFICE.add_business_seconds(datetime(2026, 3, 9, 12, tzinfo=UTC), 1)
    assert result.tzinfo is LONDON


def test_always_open_counts_clock_time() -> None:
    cal = BusinessCalendar.always_open()
    start, end = new_york(2026, 3, 7, 12), new_york(2026, 3, 9, 12)
    assert cal.business_seconds(start, end) == elapsed(start, end) == 47 * HOUR
    assert cal.is_open(start)
    assert cal.add_business_seconds(start, 90) == start + timedelta(seconds=90)


# --- holidays -------------------------------------------------------------------------


def test_holiday_by_date() -> None:
    cal = BusinessCalendar(
        "Europe/London",
        {"mon-fri": ["09:00-17:30"]},
        holidays=[date(2026, 12, 25), "2026-12-28"],
    )
    # Thursday 24th 17:00 to Tuesday 29th 10:00: 0.5 h + 1 h; Friday 25th and
    # Monday 28th are holidays.
    assert cal.business_seconds(london(2026, 12, 24, 17), london(2026, 12, 29, 10)) == 1.5 * HOUR
    assert cal.is_holiday(date(2026, 12, 28))
    assert not cal.is_open(london(2026, 12, 25, 12))
    assert cal.next_open(london(2026, 12, 24, 18)) == london(2026, 12, 29, 9)
    assert cal.opening_intervals(date(2026, 12, 25)) == []


def test_holiday_by_rule() -> None:
    cal = BusinessCalendar(
        "Europe/London",
        {"mon-sun": ["09:00-17:00"]},
        holiday_rules=[
            "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25",
            "FREQ=YEARLY;BYMONTH=5;BYDAY=1MO",  # Early May bank holiday
        ],
    )
    for year in (2026, 2031, 2045):
        assert cal.is_holiday(date(year, 12, 25))
        assert not cal.is_holiday(date(year, 12, 24))
        day = london(year, 12, 24, 12)
        assert cal.business_seconds(day, day + timedelta(days=2)) == 5 * HOUR + 3 * HOUR
    assert cal.is_holiday(date(2026, 5, 4))
    assert not cal.is_holiday(date(2026, 5, 11))


def test_holiday_rule_with_its_own_start() -> None:
    # Every other Friday from 2026-01-02.
    cal = BusinessCalendar(
        "UTC",
        {"mon-fri": ["09:00-17:00"]},
        holiday_rules=["DTSTART:20260102\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"],
    )
    assert cal.is_holiday(date(2026, 1, 2))
    assert not cal.is_holiday(date(2026, 1, 9))
    assert cal.is_holiday(date(2026, 1, 16))
    assert not cal.is_holiday(date(2025, 12, 19))


class BankHolidays:
    """Something that answers ``date in obj``, as ``holidays.country_holidays("GB")`` does."""

    def __init__(self, *days: date) -> None:
        self.days = set(days)
        self.asked: list[date] = []

    def __contains__(self, day: object) -> bool:
        assert isinstance(day, date)
        self.asked.append(day)
        return day in self.days


def test_holiday_calendar_object() -> None:
    bank = BankHolidays(date(2026, 8, 31))
    cal = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]}, holiday_calendar=bank)
    friday, tuesday = london(2026, 8, 28, 17), london(2026, 9, 1, 10)
    assert cal.business_seconds(friday, tuesday) == 1.5 * HOUR
    assert not cal.is_open(london(2026, 8, 31, 12))
    asked = len(bank.asked)
    cal.business_seconds(friday, tuesday)
    assert len(bank.asked) == asked  # each date is asked about once


def test_holiday_falling_on_a_weekend_changes_nothing() -> None:
    cal = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]}, holidays=["2026-03-07"])
    assert cal.business_seconds(london(2026, 3, 6, 16), london(2026, 3, 9, 10)) == 2.5 * HOUR


# --- daylight saving time -------------------------------------------------------------


def test_spring_forward_london() -> None:
    # 2026-03-29: at 01:00 GMT the clocks go to 02:00 BST; the day is 23 hours long.
    sunday = date(2026, 3, 29)
    day_and_night = BusinessCalendar("Europe/London", {"sun": ["00:00-24:00"]})
    assert day_and_night.business_seconds(london(2026, 3, 29), london(2026, 3, 30)) == 23 * HOUR
    # An interval ending inside the gap closes at the jump: 00:30-01:00 GMT.
    cal = BusinessCalendar("Europe/London", {"sun": ["00:30-01:30"]})
    assert cal.business_seconds(london(2026, 3, 28), london(2026, 3, 30)) == 0.5 * HOUR
    # One starting inside the gap opens at the jump: 02:00-03:00 BST.
    cal = BusinessCalendar("Europe/London", {"sun": ["01:30-03:00"]})
    assert cal.business_seconds(london(2026, 3, 28), london(2026, 3, 30)) == HOUR
    [(opens, closes)] = cal.opening_intervals(sunday)
    assert opens == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert closes == datetime(2026, 3, 29, 2, 0, tzinfo=UTC)
    # One wholly inside the gap never happens.
    cal = BusinessCalendar("Europe/London", {"sun": ["01:15-01:45"], "mon": ["09:00-10:00"]})
    assert cal.opening_intervals(sunday) == []
    assert cal.next_open(london(2026, 3, 29)) == london(2026, 3, 30, 9)
    # Ordinary hours on that day are their usual length, in real seconds.
    office = BusinessCalendar("Europe/London", {"sun": ["09:00-17:30"]})
    start, end = datetime(2026, 3, 28, 12, tzinfo=UTC), datetime(2026, 3, 30, tzinfo=UTC)
    assert office.business_seconds(start, end) == 8.5 * HOUR


def test_fall_back_london() -> None:
    # 2026-10-25: at 02:00 BST the clocks go back to 01:00 GMT; the day is 25 hours long.
    day_and_night = BusinessCalendar("Europe/London", {"sun": ["00:00-24:00"]})
    assert day_and_night.business_seconds(london(2026, 10, 25), london(2026, 10, 26)) == 25 * HOUR
    # The wall clock reads 01:00-01:30 twice, and the calendar is open both times.
    cal = BusinessCalendar("Europe/London", {"sun": ["00:00-01:30"]})
    assert cal.business_seconds(london(2026, 10, 24), london(2026, 10, 26)) == 2 * HOUR
    second_pass = datetime(2026, 10, 25, 1, 15, tzinfo=UTC)  # 01:15 GMT
    between = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 01:45 BST
    assert cal.is_open(second_pass)
    assert not cal.is_open(between)
    # (An aware datetime with fold=1 never compares equal to one in another zone.)
    assert cal.next_open(between).timestamp() == datetime(2026, 10, 25, 1, tzinfo=UTC).timestamp()
    office = BusinessCalendar("Europe/London", {"sun": ["09:00-17:30"]})
    assert office.business_seconds(london(2026, 10, 24), london(2026, 10, 26)) == 8.5 * HOUR


def test_spring_forward_new_york() -> None:
    # 2026-03-08: at 02:00 EST the clocks go to 03:00 EDT.
    day_and_night = BusinessCalendar("America/New_York", {"sun": ["00:00-24:00"]})
    assert day_and_night.business_seconds(new_york(2026, 3, 8), new_york(2026, 3, 9)) == 23 * HOUR
    cal = BusinessCalendar("America/New_York", {"sun": ["01:00-03:30"]})
    # 01:00-02:00 EST, then 03:00-03:30 EDT.
    assert cal.business_seconds(new_york(2026, 3, 7), new_york(2026, 3, 9)) == 1.5 * HOUR
    assert cal.add_business_seconds(new_york(2026, 3, 8, 1), HOUR + 60) == new_york(
        2026, 3, 8, 3, 1
    )
    # A Friday 16:00 to Monday 10:00 ticket across the change, 09:00-17:00 weekdays.
    office = BusinessCalendar("America/New_York", {"mon-fri": ["09:00-17:00"]})
    friday, monday = new_york(2026, 3, 6, 16), new_york(2026, 3, 9, 10)
    assert office.business_seconds(friday, monday) == 2 * HOUR
    assert monday.timestamp() - friday.timestamp() == 65 * HOUR  # the weekend lost an hour


def test_fall_back_new_york() -> None:
    # 2026-11-01: at 02:00 EDT the clocks go back to 01:00 EST.
    day_and_night = BusinessCalendar("America/New_York", {"sun": ["00:00-24:00"]})
    assert (
        day_and_night.business_seconds(new_york(2026, 11, 1), new_york(2026, 11, 2)) == 25 * HOUR
    )
    cal = BusinessCalendar("America/New_York", {"sun": ["01:00-02:00"]})
    assert cal.business_seconds(new_york(2026, 10, 31), new_york(2026, 11, 2)) == 2 * HOUR
    first = new_york(2026, 11, 1, 1, 30)
    second = first.replace(fold=1)
    assert (second - first).total_seconds() == 0  # naive arithmetic in one zone...
    assert second.timestamp() - first.timestamp() == HOUR  # ...but an hour apart
    assert cal.business_seconds(first, second) == HOUR


# --- 24:00 and overnight --------------------------------------------------------------


def test_close_at_midnight() -> None:
    cal = BusinessCalendar(
        "Europe/London",
        {"fri": ["18:00-24:00"], "sat": [("00:00", "06:00")]},
    )
    assert cal.hours[4] == ((18 * 3600, 86400),)
    assert cal.is_open(london(2026, 3, 6, 23, 59, 59))
    assert cal.is_open(london(2026, 3, 7, 0, 0))
    assert cal.business_seconds(london(2026, 3, 6, 20), london(2026, 3, 7, 2)) == 6 * HOUR
    # The two intervals are one stretch of opening time.
    assert cal.next_open(london(2026, 3, 7, 5)) == london(2026, 3, 7, 5)
    assert cal.add_business_seconds(london(2026, 3, 6, 18), 12 * HOUR) == london(2026, 3, 7, 6)


def test_ways_to_write_midnight_as_a_close() -> None:
    forms: list[Any] = [
        ["22:00-24:00"],
        ["22:00-00:00"],
        [(time(22), time(0))],
        [("22:00", "24:00:00")],
        [(79200, 86400)],
        [(79200, 0)],
    ]
    calendars = [BusinessCalendar("UTC", {"mon": form}) for form in forms]
    assert all(cal == calendars[0] for cal in calendars)
    assert calendars[0].to_dict()["hours"]["mon"] == ["22:00-24:00"]


# --- other zones ----------------------------------------------------------------------


def test_times_in_other_zones_are_converted() -> None:
    # In July London is on BST (UTC+1): 08:30 UTC is 09:30 in London.
    assert OFFICE.is_open(datetime(2026, 7, 1, 8, 30, tzinfo=UTC))
    assert not OFFICE.is_open(datetime(2026, 7, 1, 16, 45, tzinfo=UTC))  # 17:45 BST
    start = datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # 08:00 BST
    end = datetime(2026, 7, 1, 9, 0, tzinfo=UTC)  # 10:00 BST
    assert OFFICE.business_seconds(start, end) == 1 * HOUR
    # New York is five hours behind London in July: 04:00-05:00 EDT is 09:00-10:00 BST.
    ny_start, ny_end = new_york(2026, 7, 1, 3, 30), new_york(2026, 7, 1, 5)
    assert OFFICE.business_seconds(ny_start, ny_end) == HOUR
    fixed = timezone(timedelta(hours=5, minutes=30))
    assert (
        OFFICE.business_seconds(
            datetime(2026, 7, 1, 13, 30, tzinfo=fixed), datetime(2026, 7, 1, 14, 30, tzinfo=fixed)
        )
        == 1 * HOUR
    )
    due = OFFICE.add_business_seconds(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), HOUR)
    assert due == london(2026, 7, 1, 10, 0)
    assert due.utcoffset() == timedelta(hours=1)


# --- errors ---------------------------------------------------------------------------


def test_naive_datetimes_are_refused() -> None:
    naive = datetime(2026, 3, 9, 10)
    aware = london(2026, 3, 9, 12)
    cases: list[tuple[Callable[[], object], str]] = [
        (lambda: OFFICE.business_seconds(naive, aware), "start"),
        (lambda: OFFICE.business_seconds(aware, naive), "end"),
        (lambda: OFFICE.is_open(naive), "at"),
        (lambda: OFFICE.next_open(naive), "at"),
        (lambda: OFFICE.add_business_seconds(naive, 60), "start"),
        (lambda: OFFICE.business_seconds(date(2026, 3, 9), aware), "start"),  # type: ignore[arg-type]
    ]
    for call, field in cases:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert caught.value.field == field
        assert "timezone-aware" in str(caught.value)


def test_end_before_start_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        OFFICE.business_seconds(london(2026, 3, 9, 12), london(2026, 3, 9, 11))
    assert rejected(caught) == [("end", london(2026, 3, 9, 11))]


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf"), "60", True])
def test_bad_seconds_are_refused(seconds: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        OFFICE.add_business_seconds(london(2026, 3, 9, 12), seconds)
    assert caught.value.field == "seconds"


def test_a_calendar_that_never_opens() -> None:
    closed = BusinessCalendar("Europe/London", {})
    at = london(2026, 3, 9, 12)
    assert closed.business_seconds(at, at + timedelta(days=400)) == 0
    assert not closed.is_open(at)
    assert closed.add_business_seconds(at, 0) == at
    calls: list[Callable[[], object]] = [
        lambda: closed.next_open(at),
        lambda: closed.add_business_seconds(at, 1),
    ]
    for call in calls:
        with pytest.raises(InvalidInput) as caught:
            call()
        assert caught.value.field == "hours"
        assert "never opens" in str(caught.value)


def test_a_calendar_closed_by_holidays_for_ever_gives_up() -> None:
    cal = BusinessCalendar("UTC", {"mon-fri": ["09:00-17:00"]}, holiday_rules=["FREQ=DAILY"])
    at = datetime(2026, 3, 9, 12, tzinfo=UTC)
    with pytest.raises(InvalidInput) as caught:
        cal.next_open(at)
    assert caught.value.field == "at"
    assert "no opening time" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        cal.add_business_seconds(at, 60)
    assert caught.value.field == "seconds"


def test_dates_must_be_dates() -> None:
    for bad in [datetime(2026, 12, 25, tzinfo=UTC), "2026-12-25", date(1, 1, 1)]:
        with pytest.raises(InvalidInput) as caught:
            OFFICE.is_holiday(bad)  # type: ignore[arg-type]
        assert rejected(caught) == [("day", bad)]
        with pytest.raises(InvalidInput):
            OFFICE.opening_intervals(bad)  # type: ignore[arg-type]


def test_instants_beyond_the_supported_years() -> None:
    far = datetime(9999, 12, 1, tzinfo=UTC)
    with pytest.raises(InvalidInput) as caught:
        OFFICE.is_open(far)
    assert caught.value.field == "at"
    with pytest.raises(InvalidInput) as caught:
        OFFICE.add_business_seconds(datetime(9998, 12, 1, tzinfo=UTC), 1e9)
    assert caught.value.field == "seconds"


@pytest.mark.parametrize(
    ("hours", "field", "value"),
    [
        ({"mon": ["17:00-09:00"]}, "hours.mon[0]", "17:00-09:00"),
        ({"mon": ["09:00-09:00"]}, "hours.mon[0]", "09:00-09:00"),
        ({"mon": ["9am-5pm"]}, "hours.mon[0]", "9am-5pm"),
        ({"mon": ["09:00-25:00"]}, "hours.mon[0]", "09:00-25:00"),
        ({"mon": ["09:60-17:00"]}, "hours.mon[0]", "09:60-17:00"),
        ({"mon": ["24:00-24:00"]}, "hours.mon[0]", "24:00-24:00"),
        ({"mon": [(time(9, tzinfo=UTC), time(17))]}, "hours.mon[0]", None),
        ({"mon": [(time(9, 0, 0, 5), time(17))]}, "hours.mon[0]", None),
        ({"mon": [(32400, 90000)]}, "hours.mon[0]", None),
        ({"mon": [("09:00", "12:00", "17:00")]}, "hours.mon[0]", None),
        ({"mon": 9}, "hours.mon", 9),
        ({"mon": ["09:00-13:00", "12:00-17:00"]}, "hours.mon", ["09:00-13:00", "12:00-17:00"]),
        ({"funday": ["09:00-17:00"]}, "hours.funday", ["09:00-17:00"]),
        ({"mon-funday": []}, "hours.mon-funday", []),
        ({7: []}, "hours.7", []),
        ({"mon-fri": ["09:00-17:00"], "fri": []}, "hours.fri", []),
        ("09:00-17:00", "hours", "09:00-17:00"),
    ],
)
def test_bad_hours_are_refused(hours: Any, field: str, value: Any) -> None:
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar("Europe/London", hours)
    assert caught.value.field == field
    if value is not None:
        assert caught.value.value == value


def test_bad_time_zones_are_refused() -> None:
    for zone in ["Mars/Olympus", "", "Europe", "../etc/passwd", 5, None]:
        with pytest.raises(InvalidInput) as caught:
            BusinessCalendar(zone, {"mon": ["09:00-17:00"]})  # type: ignore[arg-type]
        assert rejected(caught) == [("time_zone", zone)]
    assert BusinessCalendar(LONDON, {}).time_zone == "Europe/London"


def test_bad_holidays_are_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar(
            "Europe/London",
            {"mon": ["09:00-17:00"]},
            holidays=["2026-12-25", "25/12/2026", datetime(2026, 12, 26), 20261227],  # type: ignore[list-item]
            holiday_rules=[
                "FREQ=YEARLY;BYMONTH=twelve",
                "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=31",
                "",
            ],
            holiday_calendar=42,  # type: ignore[arg-type]
        )
    assert rejected(caught) == [
        ("holidays[1]", "25/12/2026"),
        ("holidays[2]", datetime(2026, 12, 26)),
        ("holidays[3]", 20261227),
        ("holiday_rules[0]", "FREQ=YEARLY;BYMONTH=twelve"),
        ("holiday_rules[2]", ""),
        ("holiday_calendar", 42),
    ]


def test_a_rule_with_a_zoned_start_is_refused() -> None:
    rule = "DTSTART:20260101T000000Z\nRRULE:FREQ=YEARLY"
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar("UTC", {}, holiday_rules=[rule])
    assert rejected(caught) == [("holiday_rules[0]", rule)]


def test_all_errors_of_a_calendar_are_reported_together() -> None:
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar("Nowhere/Town", {"mon": ["x"], "tue": ["10:00-09:00"]}, holidays=["y"])
    assert [field for field, _ in rejected(caught)] == [
        "time_zone",
        "hours.mon[0]",
        "hours.tue[0]",
        "holidays[0]",
    ]


# --- hours forms, equality, files -----------------------------------------------------


def test_forms_of_hours() -> None:
    canonical = BusinessCalendar("UTC", {"mon-fri": ["09:00-17:00"]})
    forms: list[Any] = [
        {"Monday": ["09:00-17:00"], "tue-thu": ["09:00-17:00"], "FRI": "09:00 - 17:00"},
        {0: [(time(9), time(17))], 1: [("09:00", "17:00")], "wed-fri": [(32400, 61200)]},
        [["09:00-17:00"]] * 5 + [[], []],
        canonical.hours,
    ]
    for form in forms:
        assert BusinessCalendar("UTC", form) == canonical
    wrapped = BusinessCalendar("UTC", {"fri-mon": ["10:00-14:00"]})
    assert [bool(day) for day in wrapped.hours] == [True, False, False, False, True, True, True]
    unsorted = BusinessCalendar("UTC", {"mon": ["13:00-17:00", "09:00-12:00", "12:00-13:00"]})
    assert unsorted.hours[0] == ((32400, 43200), (43200, 46800), (46800, 61200))
    assert (
        unsorted.business_seconds(
            datetime(2026, 3, 9, 8, tzinfo=UTC), datetime(2026, 3, 9, 18, tzinfo=UTC)
        )
        == 8 * HOUR
    )


def test_equality_hash_pickle_and_repr() -> None:
    a = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]}, holidays=["2026-12-25"])
    b = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]}, holidays=["2026-12-25"])
    a.business_seconds(london(2026, 1, 1), london(2026, 6, 1))  # fill a's caches
    assert a == b
    assert hash(a) == hash(b)
    assert a != OFFICE
    copy = pickle.loads(pickle.dumps(a))
    assert copy == a
    assert copy.business_seconds(london(2026, 3, 6, 16), london(2026, 3, 9, 10)) == 2.5 * HOUR
    assert repr(a) == (
        "BusinessCalendar('Europe/London', {'mon-fri': ['09:00-17:30'], 'sat-sun': []}, "
        "holidays=['2026-12-25'])"
    )
    with pytest.raises(AttributeError):
        a.time_zone = "UTC"  # type: ignore[misc]
    moved = attrs.evolve(a, time_zone="America/New_York")
    assert moved.time_zone == "America/New_York"
    assert moved.hours == a.hours
    assert moved.is_open(new_york(2026, 3, 9, 9))


TOML = """\
time_zone = "Europe/London"

[hours]
mon = ["09:00-17:30"]
tue = ["09:00-12:00", "13:00-17:30"]
wed-fri = ["09:00-17:30"]
sat = []            # closed (missing days are closed too)

[holidays]
dates = ["2026-12-25", 2026-12-26]
rules = ["FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1"]
"""


def test_from_file_toml(tmp_path: Path) -> None:
    path = tmp_path / "hours.toml"
    path.write_text(TOML, "utf-8")
    cal = BusinessCalendar.from_file(path)
    assert cal.time_zone == "Europe/London"
    assert cal.holidays == {date(2026, 12, 25), date(2026, 12, 26)}
    assert cal.is_holiday(date(2027, 1, 1))
    assert cal.hours[1] == ((32400, 43200), (46800, 63000))
    assert cal.hours[5] == cal.hours[6] == ()
    assert cal.to_dict() == {
        "time_zone": "Europe/London",
        "hours": {
            "mon": ["09:00-17:30"],
            "tue": ["09:00-12:00", "13:00-17:30"],
            "wed-fri": ["09:00-17:30"],
            "sat-sun": [],
        },
        "holidays": {
            "dates": ["2026-12-25", "2026-12-26"],
            "rules": ["FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1"],
        },
    }
    assert BusinessCalendar.from_file(str(path)) == cal


def test_from_file_json_and_round_trip(tmp_path: Path) -> None:
    cal = BusinessCalendar(
        "America/New_York",
        {
            "mon-thu": ["08:00-12:00", "12:30-16:45:30"],
            "fri": ["22:00-24:00"],
            "sun": "10:00-14:00",
        },
        holidays=[date(2026, 11, 26)],
        holiday_rules=["FREQ=YEARLY;BYMONTH=7;BYMONTHDAY=4"],
    )
    path = tmp_path / "hours.json"
    path.write_text(json.dumps(cal.to_dict()), "utf-8")
    assert BusinessCalendar.from_file(path) == cal
    assert BusinessCalendar.from_dict(cal.to_dict()) == cal
    assert cal.to_dict()["hours"] == {
        "mon-thu": ["08:00-12:00", "12:30-16:45:30"],
        "fri": ["22:00-24:00"],
        "sat": [],
        "sun": ["10:00-14:00"],
    }
    assert BusinessCalendar.from_dict(BusinessCalendar.always_open("Asia/Tokyo").to_dict()) == (
        BusinessCalendar.always_open("Asia/Tokyo")
    )


def test_a_holiday_calendar_object_cannot_be_written() -> None:
    cal = BusinessCalendar("UTC", {}, holiday_calendar=BankHolidays())
    with pytest.raises(InvalidInput) as caught:
        cal.to_dict()
    assert caught.value.field == "holiday_calendar"


def test_a_bad_file_reports_every_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        'time_zone = "Europe/Lundun"\n'
        "opening = 1\n"
        "[hours]\n"
        'mon = ["09:00-17:30", "17:00-18:00"]\n'
        'tue = ["9-5"]\n'
        'someday = ["09:00-17:00"]\n'
        "[holidays]\n"
        'dates = ["2026-13-01"]\n'
        'rules = ["FREQ=SOMETIMES"]\n'
        "extra = true\n",
        "utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar.from_file(path)
    assert rejected(caught) == [
        ("opening", 1),
        ("holidays.extra", True),
        ("time_zone", "Europe/Lundun"),
        ("hours.mon", ["09:00-17:30", "17:00-18:00"]),
        ("hours.tue[0]", "9-5"),
        ("hours.someday", ["09:00-17:00"]),
        ("holidays.dates[0]", "2026-13-01"),
        ("holidays.rules[0]", "FREQ=SOMETIMES"),
    ]
    assert str(path) in str(caught.value)


def test_missing_sections_are_reported() -> None:
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar.from_dict({"holidays": ["2026-12-25"]})
    assert rejected(caught) == [
        ("time_zone", None),
        ("hours", None),
        ("holidays", ["2026-12-25"]),
    ]
    with pytest.raises(InvalidInput) as caught:
        BusinessCalendar.from_dict(["time_zone"])  # type: ignore[arg-type]
    assert caught.value.value == ["time_zone"]


def test_unreadable_files_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("time_zone = \n", "utf-8")
    broken_json = tmp_path / "broken.json"
    broken_json.write_text("{", "utf-8")
    yaml = tmp_path / "hours.yaml"
    yaml.write_text("time_zone: UTC\n", "utf-8")
    for path, words in [
        (broken, "not valid TOML"),
        (broken_json, "not valid JSON"),
        (yaml, ".toml or .json"),
        (tmp_path / "missing.toml", "cannot be read"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            BusinessCalendar.from_file(path)
        assert rejected(caught) == [("path", str(path))]
        assert words in str(caught.value)


# --- invariants -----------------------------------------------------------------------

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",  # half-hour daylight saving
    "America/St_Johns",  # UTC-03:30, with daylight saving
    "Asia/Kathmandu",  # UTC+05:45
    "UTC",
]
QUARTER = 900
FIRST = datetime(2025, 1, 1, tzinfo=UTC)


@st.composite
def quarter_hour_weeks(draw: st.DrawFn) -> list[list[tuple[int, int]]]:
    """Weekly hours whose intervals open and close on quarter-hours."""
    week: list[list[tuple[int, int]]] = []
    for _ in range(7):
        count = draw(st.integers(0, 3))
        edges = sorted(draw(st.sets(st.integers(0, 96), min_size=2 * count, max_size=2 * count)))
        week.append(
            [(edges[i] * QUARTER, edges[i + 1] * QUARTER) for i in range(0, len(edges), 2)]
        )
    return week


@st.composite
def calendars(draw: st.DrawFn) -> tuple[BusinessCalendar, list[list[tuple[int, int]]], set[date]]:
    week = draw(quarter_hour_weeks())
    holidays = draw(st.sets(st.dates(date(2025, 1, 1), date(2027, 12, 31)), max_size=12))
    rules = draw(st.sampled_from([[], ["FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25"]]))
    zone = draw(st.sampled_from(ZONES))
    cal = BusinessCalendar(zone, week, holidays=holidays, holiday_rules=rules)
    closed = set(holidays)
    if rules:
        closed |= {date(year, 12, 25) for year in range(2024, 2029)}
    return cal, week, closed


aware_times = st.builds(
    lambda seconds, zone: (FIRST + timedelta(seconds=seconds)).astimezone(ZoneInfo(zone)),
    st.floats(0, 2.5 * 365 * 86400).map(lambda s: round(s, 6)),
    st.sampled_from(ZONES),
)


def reference_open(
    cal: BusinessCalendar, week: list[list[tuple[int, int]]], closed: set[date], instant: datetime
) -> bool:
    """Read the wall clock at ``instant`` and compare with the day's hours."""
    local = instant.astimezone(ZoneInfo(cal.time_zone))
    if local.date() in closed:
        return False
    now = local.hour * 3600 + local.minute * 60 + local.second + local.microsecond / 1e6
    return any(opens <= now < closes for opens, closes in week[local.weekday()])


@settings(max_examples=60, deadline=None)
@given(
    calendars(),
    st.integers(0, 2 * 365 * 96),
    st.integers(0, 60 * 96),
)
def test_agrees_with_a_minute_by_minute_reading_of_the_wall_clock(
    calendar: tuple[BusinessCalendar, list[list[tuple[int, int]]], set[date]],
    first: int,
    quarters: int,
) -> None:
    # Every interval edge, UTC offset and transition of these zones falls on a
    # quarter-hour of UTC, so reading the clock once per quarter-hour is exact.
    cal, week, closed = calendar
    start = FIRST + timedelta(seconds=first * QUARTER)
    end = start + timedelta(seconds=quarters * QUARTER)
    expected = 0
    for n in range(quarters):
        middle = start + timedelta(seconds=n * QUARTER + QUARTER / 2)
        if reference_open(cal, week, closed, middle):
            expected += QUARTER
    assert cal.business_seconds(start, end) == expected


@settings(max_examples=200, deadline=None)
@given(calendars(), aware_times)
def test_is_open_agrees_with_the_wall_clock(
    calendar: tuple[BusinessCalendar, list[list[tuple[int, int]]], set[date]], at: datetime
) -> None:
    cal, week, closed = calendar
    assert cal.is_open(at) == reference_open(cal, week, closed, at)


@settings(max_examples=200, deadline=None)
@given(calendars(), aware_times, aware_times, aware_times)
def test_bounds_and_additivity(
    calendar: tuple[BusinessCalendar, list[list[tuple[int, int]]], set[date]],
    x: datetime,
    y: datetime,
    z: datetime,
) -> None:
    cal = calendar[0]
    a, b, c = sorted([x, y, z], key=datetime.timestamp)
    ab, bc, ac = cal.business_seconds(a, b), cal.business_seconds(b, c), cal.business_seconds(a, c)
    assert 0 <= ab <= elapsed(a, b) + 1e-6
    assert 0 <= ac <= elapsed(a, c) + 1e-6
    assert ac == pytest.approx(ab + bc, abs=1e-6)


@settings(max_examples=200, deadline=None)
@given(calendars(), aware_times, st.floats(0, 60 * 86400))
def test_add_business_seconds_inverts_business_seconds(
    calendar: tuple[BusinessCalendar, list[list[tuple[int, int]]], set[date]],
    start: datetime,
    seconds: float,
) -> None:
    cal = calendar[0]
    assume(any(cal.hours))
    due = cal.add_business_seconds(start, seconds)
    assert due.timestamp() >= start.timestamp()
    assert due.tzinfo == ZoneInfo(cal.time_zone)
    assert cal.business_seconds(start, due) == pytest.approx(seconds, abs=1e-6)
    if seconds > 0:
        # The earliest such instant: a moment earlier, less time had passed.
        earlier = due - timedelta(microseconds=10)
        assert (
            earlier.timestamp() < start.timestamp()
            or cal.business_seconds(start, earlier) < seconds
        )
        opened = cal.next_open(start)
        assert cal.is_open(opened)
        assert cal.business_seconds(start, opened) == 0


@settings(max_examples=100, deadline=None)
@given(calendars())
def test_to_dict_round_trips(
    calendar: tuple[BusinessCalendar, list[list[tuple[int, int]]], set[date]],
) -> None:
    cal = calendar[0]
    data = cal.to_dict()
    assert BusinessCalendar.from_dict(json.loads(json.dumps(data))) == cal
