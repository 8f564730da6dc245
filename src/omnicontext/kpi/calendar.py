"""Business time: opening hours, holidays and the time zone they are read in.

A :class:`BusinessCalendar` says when a support team is open. Duration metrics
(first response, resolution) count only the seconds that fall inside opening
hours, so a ticket raised on Friday at 16:00 and answered on Monday at 10:00
waited two and a half business hours, not 66 clock hours:

>>> from datetime import datetime
>>> from zoneinfo import ZoneInfo
>>> cal = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]})
>>> london = ZoneInfo("Europe/London")
>>> friday = datetime(2026, 3, 6, 16, 0, tzinfo=london)
>>> monday = datetime(2026, 3, 9, 10, 0, tzinfo=london)
>>> cal.business_seconds(friday, monday) / 3600
2.5

Opening hours are local wall-clock times in the calendar's zone; the instants
passed in may be in any zone (they are converted, never reinterpreted), and
durations are real elapsed seconds, so a day that changes its clocks is 23 or
25 hours long. The calendar is open at an instant when the zone's wall clock
then reads a time inside one of that weekday's opening intervals and the local
date is not a holiday. On a day the clocks go forward the skipped wall times
never happen: an interval that opens or closes inside the gap opens or closes
at the jump, and one wholly inside it is empty. On a day the clocks go back the
repeated wall times happen twice, and an interval covering them is open both
times.
"""

from __future__ import annotations

import bisect
import itertools
import math
import numbers
import os
import re
from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs
from dateutil.rrule import rrulestr

from omnicontext._settings import read_settings
from omnicontext.errors import FieldError, InvalidInput

__all__ = ["BusinessCalendar", "ClockTime", "HoursSpec", "IntervalSpec"]

ClockTime: TypeAlias = time | str | int
"""A local wall-clock time: ``time(9, 30)``, ``"09:30"``, ``"09:30:15"`` or seconds
since midnight. As a closing time, ``"24:00"``, ``86400`` and midnight (``time(0)``,
``"00:00"``, ``0``) all mean the end of the day."""

IntervalSpec: TypeAlias = str | tuple[ClockTime, ClockTime] | Sequence[ClockTime]
"""One opening interval: ``"09:00-17:30"`` or an ``(open, close)`` pair."""

HoursSpec: TypeAlias = (
    Mapping[Any, IntervalSpec | Iterable[IntervalSpec]] | Sequence[Iterable[IntervalSpec]]
)
"""Weekly opening hours: a mapping from days (``"mon"``, ``"monday"``, ranges such as
``"mon-fri"``, or ``0`` for Monday to ``6`` for Sunday) to their intervals, or a
sequence of seven lists of intervals, Monday first. Days not given are closed."""

_SUBJECT = "business calendar"
_QUERY = "business time"
_AWARE = "a timezone-aware time is required (naive times are never guessed)"
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAYS_BY_NAME = {name: n for names in (_DAY_NAMES, _FULL_NAMES) for n, name in enumerate(names)}
_CLOCK = re.compile(r"([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?")
_INTERVAL = re.compile(
    r"\s*([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)\s*-\s*([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)\s*"
)
_RULE_START = datetime(1970, 1, 1)
"""Where a holiday rule without its own ``DTSTART`` starts."""
_FILE_KEYS = ("time_zone", "hours", "holidays")
_HOLIDAY_KEYS = ("dates", "rules")

_DAY = 86_400
_MARGIN = _DAY
"""A UTC offset is always less than a day, so the instants a local date's wall clock
covers lie within a day either side of that date read as UTC."""
_CELL = 6 * 3_600
"""Offsets are sampled every six hours; a zone changes its offset at most once in
such a stretch (real transitions are months apart)."""
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIRST_DAY = date(2, 1, 1).toordinal() - _EPOCH_ORDINAL
_LAST_DAY = date(9998, 12, 31).toordinal() - _EPOCH_ORDINAL
_FIRST_INSTANT = float((_FIRST_DAY + 1) * _DAY)
_LAST_INSTANT = float((_LAST_DAY - 1) * _DAY)
_MIN_SPAN_DAYS = 64
_MAX_GROWTH_DAYS = 2 * 366
_CLOSED_LIMIT_DAYS = 4 * 366
"""A search for opening time gives up after this many days without any."""

_Spans: TypeAlias = tuple[tuple[int, int], ...]
_Week: TypeAlias = tuple[_Spans, ...]


class _Reject(Exception):
    """An input value was refused; the argument is the reason."""


# --- parsing -------------------------------------------------------------------------


def _clock(value: object, *, closing: bool) -> int:
    """Seconds since local midnight; a closing midnight is the end of the day (86400)."""
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise _Reject("must be a local wall-clock time without tzinfo")
        if value.microsecond:
            raise _Reject("must be a whole number of seconds")
        seconds = value.hour * 3_600 + value.minute * 60 + value.second
    elif isinstance(value, str):
        match = _CLOCK.fullmatch(value.strip())
        if match is None:
            raise _Reject("must be a time such as '09:00' or '17:30:00'")
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
        if minute > 59 or second > 59 or hour > 24 or (hour == 24 and (minute or second)):
            raise _Reject("must be a time from 00:00 to 24:00")
        seconds = hour * 3_600 + minute * 60 + second
    elif isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value <= _DAY:
            raise _Reject("must be between 0 and 86400 seconds since midnight")
        seconds = value
    else:
        raise _Reject("must be a time, 'HH:MM' or seconds since midnight")
    if closing and seconds == 0:
        return _DAY
    if not closing and seconds == _DAY:
        raise _Reject("24:00 may only close an interval")
    return seconds


def _interval(value: object) -> tuple[int, int]:
    if isinstance(value, str):
        match = _INTERVAL.fullmatch(value)
        if match is None:
            raise _Reject("must be an interval such as '09:00-17:30'")
        pair: Sequence[object] = (match[1], match[2])
    elif isinstance(value, Sequence) and len(value) == 2:
        pair = value
    else:
        raise _Reject("must be an interval such as '09:00-17:30' or an (open, close) pair")
    opens, closes = _clock(pair[0], closing=False), _clock(pair[1], closing=True)
    if opens >= closes:
        raise _Reject(
            "must close after it opens; split hours past midnight at 24:00 "
            "(22:00-24:00, then 00:00-06:00 the next day)"
        )
    return opens, closes


def _clock_text(seconds: int) -> str:
    hours, rest = divmod(seconds, 3_600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _interval_text(span: tuple[int, int]) -> str:
    return f"{_clock_text(span[0])}-{_clock_text(span[1])}"


def _day_numbers(key: object) -> list[int] | None:
    """The weekdays (Monday 0) a key of the hours names, or ``None``."""
    if isinstance(key, int) and not isinstance(key, bool):
        return [key] if 0 <= key <= 6 else None
    if not isinstance(key, str):
        return None
    first, dash, last = key.strip().lower().partition("-")
    start = _DAYS_BY_NAME.get(first.strip())
    if not dash:
        return None if start is None else [start]
    end = _DAYS_BY_NAME.get(last.strip())
    if start is None or end is None:
        return None
    return [(start + n) % 7 for n in range((end - start) % 7 + 1)]


def _day_spans(value: object, field: str, errors: list[FieldError]) -> _Spans:
    items: list[object]
    if isinstance(value, str):
        items = [value]
    elif isinstance(value, Iterable) and not isinstance(value, Mapping):
        items = list(value)
        # One (open, close) pair of times given without the enclosing list.
        if len(items) == 2 and all(isinstance(item, time) for item in items):
            items = [tuple(items)]
    else:
        errors.append(
            FieldError(field, value, "must be a list of intervals such as '09:00-17:30'")
        )
        return ()
    spans: list[tuple[int, int]] = []
    for n, item in enumerate(items):
        try:
            spans.append(_interval(item))
        except _Reject as exc:
            errors.append(FieldError(f"{field}[{n}]", item, str(exc)))
    spans.sort()
    for before, after in itertools.pairwise(spans):
        if after[0] < before[1]:
            reason = f"{_interval_text(before)} overlaps {_interval_text(after)}"
            errors.append(FieldError(field, value, reason))
    return tuple(spans)


def _hours(value: object, prefix: str, errors: list[FieldError]) -> _Week:
    week: list[_Spans | None] = [None] * 7
    given_by: list[object] = [None] * 7
    if isinstance(value, Mapping):
        pairs: list[tuple[object, object]] = list(value.items())
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 7:
        pairs = list(enumerate(value))
    else:
        reason = "must map days such as 'mon-fri' to lists of intervals, or be seven lists"
        errors.append(FieldError(prefix, value, reason))
        return ((),) * 7
    for key, spec in pairs:
        name = _DAY_NAMES[key] if isinstance(key, int) and 0 <= key <= 6 else str(key)
        field = f"{prefix}.{name}"
        days = _day_numbers(key)
        if days is None:
            reason = "is not a day: use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri"
            errors.append(FieldError(field, spec, reason))
            continue
        spans = _day_spans(spec, field, errors)
        for day in days:
            if week[day] is not None:
                reason = f"{_DAY_NAMES[day]} is also given by {given_by[day]!r}"
                errors.append(FieldError(field, spec, reason))
            week[day] = spans
            given_by[day] = key
    return tuple(spans or () for spans in week)


def _holiday_dates(value: object, prefix: str, errors: list[FieldError]) -> frozenset[date]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        errors.append(FieldError(prefix, value, "must be a list of dates such as '2026-12-25'"))
        return frozenset()
    found: set[date] = set()
    for n, item in enumerate(value):
        if isinstance(item, datetime):
            errors.append(FieldError(f"{prefix}[{n}]", item, "must be a date, not a date-time"))
        elif isinstance(item, date):
            found.add(item)
        elif isinstance(item, str):
            try:
                found.add(date.fromisoformat(item.strip()))
            except ValueError:
                errors.append(FieldError(f"{prefix}[{n}]", item, "must be a date 'YYYY-MM-DD'"))
        else:
            errors.append(FieldError(f"{prefix}[{n}]", item, "must be a date 'YYYY-MM-DD'"))
    return frozenset(found)


def _parse_rule(text: str) -> Any:
    """The parsed rule (an ``rrule`` or ``rruleset``), checked to yield naive date-times."""
    rule = rrulestr(text, dtstart=_RULE_START, cache=True)
    rule.between(datetime(2000, 1, 1), datetime(2000, 12, 31, 23, 59, 59), inc=True)
    return rule


def _holiday_rules(value: object, prefix: str, errors: list[FieldError]) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        reason = "must be a list of RRULE strings such as 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25'"
        errors.append(FieldError(prefix, value, reason))
        return ()
    rules: list[str] = []
    for n, item in enumerate(value):
        field = f"{prefix}[{n}]"
        if not isinstance(item, str) or not item.strip():
            errors.append(FieldError(field, item, "must be an RRULE string"))
            continue
        try:
            _parse_rule(item.strip())
        except Exception as exc:  # rrulestr raises several kinds for malformed rules
            errors.append(FieldError(field, item, f"is not a valid RRULE: {exc}"))
            continue
        rules.append(item.strip())
    return tuple(rules)


def _zone_name(value: object, errors: list[FieldError]) -> str:
    if isinstance(value, ZoneInfo):
        value = value.key
    if isinstance(value, str):
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            pass
        else:
            return value
    reason = "must be an IANA time zone name such as 'Europe/London'"
    errors.append(FieldError("time_zone", value, reason))
    return "UTC"


# --- the cached view of opening time -------------------------------------------------


class _Index:
    """Every opening interval of the local dates ``[first_day, end_day)`` (numbered
    from 1970-01-01) as merged, sorted UTC epoch seconds, with the business seconds
    before each interval starts (``before``) and by the time it ends (``by_end``).

    Every interval that meets ``[low, high)`` is listed, so business time between
    two instants of that range is a difference of two look-ups.
    """

    __slots__ = ("before", "by_end", "end_day", "ends", "first_day", "high", "low", "starts")

    def __init__(self, first_day: int, end_day: int, pieces: list[tuple[int, int]]) -> None:
        self.first_day = first_day
        self.end_day = end_day
        self.low = float(first_day * _DAY + _MARGIN)
        self.high = float(end_day * _DAY - _MARGIN)
        starts: list[float] = []
        ends: list[float] = []
        for start, end in sorted(pieces):
            if ends and start <= ends[-1]:
                ends[-1] = max(ends[-1], float(end))
            else:
                starts.append(float(start))
                ends.append(float(end))
        before: list[float] = []
        by_end: list[float] = []
        total = 0.0
        for low, high in zip(starts, ends, strict=True):
            before.append(total)
            total += high - low
            by_end.append(total)
        self.starts = starts
        self.ends = ends
        self.before = before
        self.by_end = by_end

    def cumulative(self, at: float) -> float:
        """Business seconds from the first interval listed to ``at``."""
        i = bisect.bisect_right(self.starts, at) - 1
        if i < 0:
            return 0.0
        if at >= self.ends[i]:
            return self.by_end[i]
        return self.before[i] + (at - self.starts[i])


def _local_date(value: object) -> date:
    if (
        isinstance(value, date)
        and not isinstance(value, datetime)
        and _FIRST_DAY <= value.toordinal() - _EPOCH_ORDINAL < _LAST_DAY
    ):
        return value
    reason = "must be a date (not a date-time) in years 2 to 9998"
    raise InvalidInput(_QUERY, [FieldError("day", value, reason)])


def _instant(value: object, name: str) -> float:
    if isinstance(value, datetime) and value.utcoffset() is not None:
        return value.timestamp()
    raise InvalidInput(_QUERY, [FieldError(name, value, _AWARE)])


def _rebuild(
    time_zone: str,
    hours: _Week,
    holidays: frozenset[date],
    holiday_rules: tuple[str, ...],
    holiday_calendar: Container[date] | None,
) -> BusinessCalendar:
    return BusinessCalendar(
        time_zone,
        hours,
        holidays=holidays,
        holiday_rules=holiday_rules,
        holiday_calendar=holiday_calendar,
    )


@attrs.frozen(init=False, repr=False)
class BusinessCalendar:
    """When a support team is open: weekly hours and holidays in one time zone.

    ``time_zone``: an IANA zone name, required (time zones are never guessed).
    ``hours``: each weekday's opening intervals (see :data:`HoursSpec`); a day
    without intervals is closed. Intervals of a day may not overlap, and an
    interval must close after it opens: hours past midnight are split at 24:00.
    ``holidays``: dates closed all day (``date`` objects or ``"YYYY-MM-DD"``).
    ``holiday_rules``: recurring holidays as RRULE strings read by
    :func:`dateutil.rrule.rrulestr`; a rule without its own ``DTSTART`` starts
    on 1970-01-01 (give one, as ``"DTSTART:20260102\\nRRULE:FREQ=WEEKLY;INTERVAL=2"``,
    when the phase matters). ``holiday_calendar``: any object that answers
    ``date in obj``, such as ``holidays.country_holidays("GB")`` from the
    ``holidays`` package; it is asked once per date and assumed not to change.

    Stored, ``hours`` is seven tuples (Monday first) of ``(open, close)``
    seconds since local midnight, ``close`` up to 86400 (24:00). Bad values
    raise :class:`~omnicontext.errors.InvalidInput` naming every one.

    >>> cal = BusinessCalendar("America/New_York", {"mon-fri": ["09:00-12:00", "13:00-17:00"]},
    ...                        holidays=["2026-12-25"])
    >>> cal.hours[0]
    ((32400, 43200), (46800, 61200))
    >>> BusinessCalendar("Mars/Olympus", {"mon": ["17:00-09:00"], "funday": []})
    Traceback (most recent call last):
    ...
    omnicontext.errors.InvalidInput: invalid business calendar: time_zone='Mars/Olympus': must be
    an IANA time zone name such as 'Europe/London'; hours.mon[0]='17:00-09:00': must close after
    it opens; split hours past midnight at 24:00 (22:00-24:00, then 00:00-06:00 the next day);
    hours.funday=[]: is not a day: use mon, tue, wed, thu, fri, sat, sun or a range like mon-fri
    """

    time_zone: str
    hours: _Week
    holidays: frozenset[date]
    holiday_rules: tuple[str, ...]
    holiday_calendar: Container[date] | None = attrs.field(hash=False)
    _zone: ZoneInfo = attrs.field(init=False, eq=False, hash=False)
    _rules: tuple[Any, ...] = attrs.field(init=False, eq=False, hash=False)
    _days: dict[int, tuple[tuple[int, int], ...]] = attrs.field(init=False, eq=False, hash=False)
    _rule_years: dict[int, frozenset[date]] = attrs.field(init=False, eq=False, hash=False)
    _offsets: dict[int, int] = attrs.field(init=False, eq=False, hash=False)
    _changes: dict[int, tuple[int, int] | None] = attrs.field(init=False, eq=False, hash=False)
    _index: _Index | None = attrs.field(init=False, eq=False, hash=False)

    def __init__(
        self,
        time_zone: str | ZoneInfo,
        hours: HoursSpec,
        *,
        holidays: Iterable[date | str] = (),
        holiday_rules: Iterable[str] = (),
        holiday_calendar: Container[date] | None = None,
    ) -> None:
        errors: list[FieldError] = []
        self._build(
            errors,
            time_zone=time_zone,
            hours=hours,
            holidays=holidays,
            holiday_rules=holiday_rules,
            holiday_calendar=holiday_calendar,
            prefixes=("hours", "holidays", "holiday_rules"),
        )

    def _build(
        self,
        errors: list[FieldError],
        *,
        time_zone: object,
        hours: object,
        holidays: object,
        holiday_rules: object,
        holiday_calendar: object,
        prefixes: tuple[str, str, str],
    ) -> None:
        zone = _zone_name(time_zone, errors)
        week = _hours(hours, prefixes[0], errors)
        dates = _holiday_dates(holidays, prefixes[1], errors)
        rules = _holiday_rules(holiday_rules, prefixes[2], errors)
        container: Container[date] | None = None
        if isinstance(holiday_calendar, Container):
            container = holiday_calendar
        elif holiday_calendar is not None:
            reason = "must support 'date in obj'"
            errors.append(FieldError("holiday_calendar", holiday_calendar, reason))
        if errors:
            raise InvalidInput(_SUBJECT, errors)
        self.__attrs_init__(zone, week, dates, rules, container)
        object.__setattr__(self, "_zone", ZoneInfo(zone))
        object.__setattr__(self, "_rules", tuple(_parse_rule(rule) for rule in rules))
        for name in ("_days", "_rule_years", "_offsets", "_changes"):
            object.__setattr__(self, name, {})
        object.__setattr__(self, "_index", None)

    def __reduce__(self) -> tuple[Any, ...]:
        fields = (self.time_zone, self.hours, self.holidays, self.holiday_rules)
        return (_rebuild, (*fields, self.holiday_calendar))

    def __repr__(self) -> str:
        parts = [f"{self.time_zone!r}", f"{self._hours_dict()!r}"]
        if self.holidays:
            parts.append(f"holidays={sorted(d.isoformat() for d in self.holidays)!r}")
        if self.holiday_rules:
            parts.append(f"holiday_rules={list(self.holiday_rules)!r}")
        if self.holiday_calendar is not None:
            parts.append(f"holiday_calendar={self.holiday_calendar!r}")
        return f"BusinessCalendar({', '.join(parts)})"

    # --- construction ------------------------------------------------------------------

    @classmethod
    def always_open(cls, time_zone: str = "UTC") -> BusinessCalendar:
        """A calendar open every second of every day: business time is clock time.

        >>> cal = BusinessCalendar.always_open()
        >>> cal.hours[6]
        ((0, 86400),)
        """
        return cls(time_zone, {"mon-sun": ["00:00-24:00"]})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BusinessCalendar:
        """A calendar from its plain form (a parsed TOML or JSON document).

        ``time_zone`` and ``hours`` are required; ``holidays`` may hold
        ``dates`` and ``rules``. Every problem is reported in one
        :class:`~omnicontext.errors.InvalidInput`.

        >>> cal = BusinessCalendar.from_dict({
        ...     "time_zone": "Europe/London",
        ...     "hours": {"mon-fri": ["09:00-17:30"]},
        ...     "holidays": {"dates": ["2026-12-25"], "rules": ["FREQ=YEARLY;BYYEARDAY=1"]},
        ... })
        >>> cal.to_dict()["hours"]
        {'mon-fri': ['09:00-17:30'], 'sat-sun': []}
        >>> BusinessCalendar.from_dict({"hours": {"mon": ["9-5"]}, "holidays": {"days": []}})
        Traceback (most recent call last):
        ...
        omnicontext.errors.InvalidInput: invalid business calendar: time_zone=None: is required,
        an IANA time zone name such as 'Europe/London'; holidays.days=[]: is not a known key
        (expected dates, rules); hours.mon[0]='9-5': must be an interval such as '09:00-17:30'
        """
        errors: list[FieldError] = []
        if not isinstance(data, Mapping):
            raise InvalidInput(
                _SUBJECT, [FieldError("calendar", data, "must be a table of settings")]
            )
        for key, value in data.items():
            if key not in _FILE_KEYS:
                reason = f"is not a known key (expected {', '.join(_FILE_KEYS)})"
                errors.append(FieldError(str(key), value, reason))
        if "time_zone" not in data:
            reason = "is required, an IANA time zone name such as 'Europe/London'"
            errors.append(FieldError("time_zone", None, reason))
        if "hours" not in data:
            reason = "is required: a table mapping days such as 'mon-fri' to intervals"
            errors.append(FieldError("hours", None, reason))
        holidays = data.get("holidays", {})
        if not isinstance(holidays, Mapping):
            errors.append(FieldError("holidays", holidays, "must be a table with dates and rules"))
            holidays = {}
        for key, value in holidays.items():
            if key not in _HOLIDAY_KEYS:
                reason = f"is not a known key (expected {', '.join(_HOLIDAY_KEYS)})"
                errors.append(FieldError(f"holidays.{key}", value, reason))
        calendar = cls.__new__(cls)
        calendar._build(
            errors,
            time_zone=data.get("time_zone", "UTC"),
            hours=data.get("hours", {}),
            holidays=holidays.get("dates", ()),
            holiday_rules=holidays.get("rules", ()),
            holiday_calendar=None,
            prefixes=("hours", "holidays.dates", "holidays.rules"),
        )
        return calendar

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> BusinessCalendar:
        """A calendar read from a ``.toml`` or ``.json`` file in the :meth:`from_dict` form.

        A file that cannot be read or parsed, or whose content is invalid,
        raises :class:`~omnicontext.errors.InvalidInput`; content errors are
        all listed, and the message names the file.
        """
        data = read_settings(path, _SUBJECT)
        try:
            return cls.from_dict(data)
        except InvalidInput as exc:
            raise InvalidInput(f"{_SUBJECT} in {path}", exc.errors) from None

    def _hours_dict(self) -> dict[str, list[str]]:
        table: dict[str, list[str]] = {}
        first = 0
        for day in range(1, 8):
            if day == 7 or self.hours[day] != self.hours[first]:
                key = _DAY_NAMES[first]
                if day - 1 > first:
                    key += f"-{_DAY_NAMES[day - 1]}"
                table[key] = [_interval_text(span) for span in self.hours[first]]
                first = day
        return table

    def to_dict(self) -> dict[str, Any]:
        """The plain form :meth:`from_dict` reads back into an equal calendar.

        Runs of days with the same hours are written as ranges (``"mon-fri"``),
        closed days as empty lists. A ``holiday_calendar`` cannot be written:
        list its dates in ``holidays`` instead.

        >>> cal = BusinessCalendar("Asia/Tokyo", {"mon-fri": "09:00-18:00", "sat": "10:00-14:00"})
        >>> cal.to_dict()
        {'time_zone': 'Asia/Tokyo', 'hours': {'mon-fri': ['09:00-18:00'], 'sat': ['10:00-14:00'],
        'sun': []}, 'holidays': {'dates': [], 'rules': []}}
        >>> BusinessCalendar.from_dict(cal.to_dict()) == cal
        True
        """
        if self.holiday_calendar is not None:
            reason = "cannot be written out; list its dates in holidays instead"
            raise InvalidInput(
                _SUBJECT, [FieldError("holiday_calendar", self.holiday_calendar, reason)]
            )
        return {
            "time_zone": self.time_zone,
            "hours": self._hours_dict(),
            "holidays": {
                "dates": sorted(day.isoformat() for day in self.holidays),
                "rules": list(self.holiday_rules),
            },
        }

    # --- questions ---------------------------------------------------------------------

    def is_holiday(self, day: date) -> bool:
        """Whether the local date ``day`` is a holiday (closed all day).

        >>> cal = BusinessCalendar("UTC", {"mon-fri": ["09:00-17:00"]},
        ...                        holiday_rules=["FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25"])
        >>> cal.is_holiday(date(2030, 12, 25)), cal.is_holiday(date(2030, 12, 24))
        (True, False)
        """
        return self._holiday(_local_date(day))

    def _holiday(self, day: date) -> bool:
        if day in self.holidays:
            return True
        if self._rules:
            dates = self._rule_years.get(day.year)
            if dates is None:
                first = datetime(day.year, 1, 1)
                last = datetime(day.year, 12, 31, 23, 59, 59)
                dates = frozenset(
                    when.date() for rule in self._rules for when in rule.between(first, last, True)
                )
                self._rule_years[day.year] = dates
            if day in dates:
                return True
        return self.holiday_calendar is not None and day in self.holiday_calendar

    def opening_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The stretches of time the calendar is open on the local date ``day``,
        as ``(start, end)`` in the calendar's zone; empty on holidays and closed days.

        On 25 October 2026 London's clocks go back from 02:00 to 01:00, so the
        wall clock reads 01:00-01:30 twice:

        >>> cal = BusinessCalendar("Europe/London", {"sun": ["00:00-01:30"]})
        >>> for a, b in cal.opening_intervals(date(2026, 10, 25)):
        ...     print(a.isoformat(), "to", b.isoformat())
        2026-10-25T00:00:00+01:00 to 2026-10-25T01:30:00+01:00
        2026-10-25T01:00:00+00:00 to 2026-10-25T01:30:00+00:00
        """
        number = _local_date(day).toordinal() - _EPOCH_ORDINAL
        return [(self._datetime(a), self._datetime(b)) for a, b in self._day_pieces(number)]

    def is_open(self, at: datetime) -> bool:
        """Whether the calendar is open at the instant ``at`` (open at opening
        time, closed at closing time).

        >>> cal = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]})
        >>> cal.is_open(datetime(2026, 7, 1, 8, 30, tzinfo=UTC))  # 09:30 in London
        True
        >>> cal.is_open(datetime(2026, 7, 1, 17, 30, tzinfo=ZoneInfo("Europe/London")))
        False
        """
        t = _instant(at, "at")
        index = self._covering(t, t, "at", at)
        i = bisect.bisect_right(index.starts, t) - 1
        return i >= 0 and t < index.ends[i]

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of opening time in ``[start, end)``, counted in real elapsed time.

        Each call takes about the same time whatever the span: opening time is
        cached per local date and summed once, so this is a difference of two
        look-ups.

        >>> cal = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]})
        >>> cal.business_seconds(datetime(2026, 3, 6, 16, tzinfo=UTC),
        ...                      datetime(2026, 3, 9, 10, tzinfo=UTC))
        9000.0
        >>> monday, friday = datetime(2026, 3, 9, tzinfo=UTC), datetime(2026, 3, 6, tzinfo=UTC)
        >>> cal.business_seconds(monday, friday)
        Traceback (most recent call last):
        ...
        omnicontext.errors.InvalidInput: invalid business time: end=datetime.datetime(2026, 3, 6,
        0, 0, tzinfo=datetime.timezone.utc): is before start 2026-03-09T00:00:00+00:00
        """
        a = _instant(start, "start")
        b = _instant(end, "end")
        if b < a:
            reason = f"is before start {start.isoformat()}"
            raise InvalidInput(_QUERY, [FieldError("end", end, reason)])
        index = self._index
        if index is None or a < index.low or b > index.high:
            index = self._covering(a, b, "start", start)
        return index.cumulative(b) - index.cumulative(a)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant at which ``seconds`` of business time have passed since
        ``start`` (an SLA due time), in the calendar's zone.

        It is the earliest such instant, so the inverse of :meth:`business_seconds`:
        ``business_seconds(start, add_business_seconds(start, s)) == s``. A due
        time that falls as the calendar closes is the closing time, and zero
        seconds give ``start`` itself.

        >>> cal = BusinessCalendar("Europe/London", {"mon-fri": ["09:00-17:30"]})
        >>> friday = datetime(2026, 3, 6, 16, tzinfo=ZoneInfo("Europe/London"))
        >>> cal.add_business_seconds(friday, 4 * 3600).isoformat()
        '2026-03-09T11:30:00+00:00'
        """
        t = _instant(start, "start")
        if (
            isinstance(seconds, bool)
            or not isinstance(seconds, numbers.Real)
            or not math.isfinite(seconds)
            or seconds < 0
        ):
            reason = "must be a finite number of seconds >= 0"
            raise InvalidInput(_QUERY, [FieldError("seconds", seconds, reason)])
        seconds = float(seconds)
        if seconds == 0:
            return start.astimezone(self._zone)
        self._check_ever_open()
        if t + seconds > _LAST_INSTANT:
            raise InvalidInput(
                _QUERY, [FieldError("seconds", seconds, "reaches past the year 9998")]
            )
        index = self._covering(t, t, "start", start)
        while True:
            target = index.cumulative(t) + seconds
            # The first interval that ends after ``t`` (``seconds`` may be too small
            # to change ``target`` at all) and by whose end enough time has passed.
            i = bisect.bisect_right(index.ends, t)
            i = max(i, bisect.bisect_left(index.by_end, target, lo=i))
            if i < len(index.starts):
                due = max(t, index.starts[i] + (target - index.before[i]))
                if due <= index.high:
                    return self._datetime(due)
            index = self._further(index, t, "seconds", seconds)

    def next_open(self, at: datetime) -> datetime:
        """The first instant at or after ``at`` at which the calendar is open, in
        the calendar's zone (the same instant if it is open at ``at``).

        >>> cal = BusinessCalendar("America/New_York", {"mon-fri": ["09:00-17:00"]})
        >>> cal.next_open(datetime(2026, 3, 6, 23, 0, tzinfo=UTC)).isoformat()
        '2026-03-09T09:00:00-04:00'
        """
        t = _instant(at, "at")
        self._check_ever_open()
        index = self._covering(t, t, "at", at)
        while True:
            i = bisect.bisect_right(index.starts, t)
            if i > 0 and t < index.ends[i - 1]:
                return at.astimezone(self._zone)
            if i < len(index.starts) and index.starts[i] < index.high:
                return self._datetime(index.starts[i])
            index = self._further(index, t, "at", at)

    # --- machinery ---------------------------------------------------------------------

    def _check_ever_open(self) -> None:
        if not any(self.hours):
            reason = "has no opening hours on any day, so the calendar never opens"
            raise InvalidInput(_SUBJECT, [FieldError("hours", self._hours_dict(), reason)])

    def _datetime(self, instant: float) -> datetime:
        return (_UTC_EPOCH + timedelta(seconds=instant)).astimezone(self._zone)

    def _covering(self, low: float, high: float, name: str, value: object) -> _Index:
        """An index whose range holds ``[low, high]``, built or grown as needed."""
        index = self._index
        if index is not None and index.low <= low and high <= index.high:
            return index
        if not _FIRST_INSTANT <= low <= high <= _LAST_INSTANT:
            raise InvalidInput(_QUERY, [FieldError(name, value, "must be in years 2 to 9998")])
        first = math.floor((low - _MARGIN) / _DAY)
        end = math.floor((high + _MARGIN) / _DAY) + 1
        if index is None:
            pad = max(0, _MIN_SPAN_DAYS - (end - first)) // 2 + 1
            first, end = first - pad, end + pad
        else:
            # Grow geometrically (up to two years at a time) so that rebuilding
            # the index costs amortised constant time per local date.
            growth = min(index.end_day - index.first_day, _MAX_GROWTH_DAYS)
            if first < index.first_day:
                first = min(first, index.first_day - growth)
            if end > index.end_day:
                end = max(end, index.end_day + growth)
            first, end = min(first, index.first_day), max(end, index.end_day)
        first, end = max(first, _FIRST_DAY), min(end, _LAST_DAY)
        pieces = [piece for day in range(first, end) for piece in self._day_pieces(day)]
        index = _Index(first, end, pieces)
        object.__setattr__(self, "_index", index)
        return index

    def _further(self, index: _Index, since: float, name: str, value: object) -> _Index:
        """The index grown forward, or an error if it has long had no opening time."""
        last = max(since, index.ends[-1] if index.ends else since)
        if index.high - last > _CLOSED_LIMIT_DAYS * _DAY:
            reason = f"the calendar has no opening time in the {_CLOSED_LIMIT_DAYS} days after "
            reason += self._datetime(last).isoformat()
            raise InvalidInput(_QUERY, [FieldError(name, value, reason)])
        if index.high >= _LAST_INSTANT:
            raise InvalidInput(_QUERY, [FieldError(name, value, "reaches past the year 9998")])
        return self._covering(since, min(index.high + _DAY, _LAST_INSTANT), name, value)

    def _day_pieces(self, day: int) -> tuple[tuple[int, int], ...]:
        """The opening time of local date number ``day`` as UTC epoch second pairs."""
        cached = self._days.get(day)
        if cached is not None:
            return cached
        spans = self.hours[(day + 3) % 7]  # 1970-01-01 was a Thursday
        found: list[tuple[int, int]] = []
        if spans and not self._holiday(date.fromordinal(day + _EPOCH_ORDINAL)):
            midnight = day * _DAY  # the local midnight, as if it were UTC
            segments = self._segments(midnight - _MARGIN, midnight + _DAY + _MARGIN)
            for opens, closes in spans:
                # The instants whose wall-clock reading is in [opens, closes): on a
                # stretch with UTC offset ``offset``, wall = instant + offset.
                for low, high, offset in segments:
                    start = max(low, midnight + opens - offset)
                    end = min(high, midnight + closes - offset)
                    if start < end:
                        found.append((start, end))
            found.sort()
        merged: list[tuple[int, int]] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], end))
            else:
                merged.append((start, end))
        pieces = tuple(merged)
        self._days[day] = pieces
        return pieces

    def _segments(self, low: int, high: int) -> list[tuple[int, int, int]]:
        """``[low, high)`` (multiples of six hours) cut where the UTC offset changes,
        as ``(start, end, offset)``."""
        segments: list[tuple[int, int, int]] = []
        start, offset = low, self._offset(low // _CELL)
        for cell in range(low // _CELL, high // _CELL):
            change = self._change(cell)
            if change is not None:
                segments.append((start, change[0], offset))
                start, offset = change
        segments.append((start, high, offset))
        return segments

    def _offset(self, cell: int) -> int:
        """The zone's UTC offset in seconds at the start of six-hour cell ``cell``."""
        offset = self._offsets.get(cell)
        if offset is None:
            offset = self._offset_at(cell * _CELL)
            self._offsets[cell] = offset
        return offset

    def _offset_at(self, instant: int) -> int:
        delta = self._datetime(instant).utcoffset()
        assert delta is not None
        return delta // timedelta(seconds=1)

    def _change(self, cell: int) -> tuple[int, int] | None:
        """When in six-hour cell ``cell`` the offset changes, and to what, if it does."""
        if cell in self._changes:
            return self._changes[cell]
        before, after = self._offset(cell), self._offset(cell + 1)
        change: tuple[int, int] | None = None
        if before != after:
            low, high = cell * _CELL, (cell + 1) * _CELL
            while high - low > 1:
                middle = (low + high) // 2
                if self._offset_at(middle) == before:
                    low = middle
                else:
                    high = middle
            change = (high, after)
        self._changes[cell] = change
        return change
