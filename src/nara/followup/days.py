"""Local days, weeks and months of the organisation's time zone, and its working days.

A follow-up day is a local calendar date of ``NARA_DISPLAY_TIMEZONE``: from local
midnight to the next, in UTC ``[starts_at, ends_at)`` (23 or 25 hours on the days the
clocks change). A working day is a weekday that is not a Swedish public or de facto
holiday (the default business calendar of ``promises/calendar.py``)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from nara.promises.calendar import BusinessCalendar


def starts_at(day: date, zone: str) -> datetime:
    """Local midnight of ``day``, in UTC."""
    return datetime.combine(day, time(), ZoneInfo(zone)).astimezone(UTC)


def local_date(moment: datetime, zone: str) -> date:
    return moment.astimezone(ZoneInfo(zone)).date()


def each_day(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@lru_cache(maxsize=8)
def _calendar(zone: str) -> BusinessCalendar:
    return BusinessCalendar(timezone=zone)


def is_working_day(day: date, zone: str) -> bool:
    calendar = _calendar(zone)
    return bool(calendar.hours[day.weekday()]) and not calendar.is_closed_day(day)


def next_working_day(day: date, zone: str) -> date:
    """The first working day after ``day``."""
    following = day + timedelta(days=1)
    while not is_working_day(following, zone):
        following += timedelta(days=1)
    return following


@dataclass(frozen=True)
class Day:
    """One local day with what the follow-up's SQL needs of it.

    One working day to answer (KKiK): a message that arrives on a working day is in time
    when answered by the same time of day on the next working day (``shift_seconds``
    after arriving: 24 hours, or more over a weekend or a holiday, an hour less or more
    across a change of the clocks); one that arrives on another day by the end of the
    first working day after it (``deadline``)."""

    day: date
    starts_at: datetime
    ends_at: datetime
    shift_seconds: int | None  # a working day: the time to answer in
    deadline: datetime | None  # not a working day: the moment to answer by


def day_facts(day: date, zone: str) -> Day:
    start, end = starts_at(day, zone), starts_at(day + timedelta(days=1), zone)
    following = next_working_day(day, zone)
    if is_working_day(day, zone):
        shift = int((starts_at(following, zone) - start).total_seconds())
        return Day(day, start, end, shift, None)
    return Day(day, start, end, None, starts_at(following + timedelta(days=1), zone))


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's end)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return day.replace(year=year, month=month, day=candidate)
        except ValueError:
            continue
    raise AssertionError("unreachable")
