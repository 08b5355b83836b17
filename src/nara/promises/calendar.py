"""Business calendars: weekly opening hours in a time zone, minus public holidays.

Opening hours are minutes after local midnight (0-1440) per weekday, so a 24/7 calendar
is ``(0, 1440)`` every day and there is no ambiguity about "24:00". Holidays come from
the maintained ``holidays`` library (Swedish public holidays plus the de facto ones,
midsommarafton, julafton and nyårsafton, by default), plus closed dates an organisation
adds itself. Local days are turned into UTC intervals with ``zoneinfo``, so business time
is right across daylight-saving changes.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 1440
MAX_SEARCH_DAYS = 800  # how far ahead to look for open time before giving up

Interval = tuple[int, int]  # minutes after local midnight, start < end
OFFICE_HOURS: tuple[tuple[Interval, ...], ...] = (((480, 1020),),) * 5 + ((),) * 2
ALWAYS_OPEN: tuple[tuple[Interval, ...], ...] = (((0, 1440),),) * 7


class NoOpenHours(ValueError):
    """The calendar has no open time within the search horizon."""


@lru_cache(maxsize=256)
def _holiday_dates(country: str, categories: tuple[str, ...], year: int) -> frozenset[date]:
    found = holidays.country_holidays(country, years=year, categories=categories)
    return frozenset(found.keys())


@lru_cache(maxsize=64)
def holiday_names(
    country: str, categories: tuple[str, ...], year: int, language: str
) -> dict[date, str]:
    """The holidays of one year with their names in ``language`` ("sv" or "en_US")."""
    found = holidays.country_holidays(country, years=year, categories=categories, language=language)
    return dict(sorted(found.items()))


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "Europe/Stockholm"
    # One tuple of intervals per weekday, Monday first.
    hours: tuple[tuple[Interval, ...], ...] = OFFICE_HOURS
    holiday_country: str | None = "SE"
    holiday_categories: tuple[str, ...] = ("public", "de_facto")
    closed_dates: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.hours) != 7:
            raise ValueError("opening hours need exactly seven weekdays")
        for day in self.hours:
            last_end = -1
            for start, end in day:
                if not 0 <= start < end <= DAY_MINUTES:
                    raise ValueError(f"bad opening interval {start}-{end}")
                if start < last_end:
                    raise ValueError("opening intervals of one day must not overlap")
                last_end = end
        ZoneInfo(self.timezone)  # raises for an unknown zone

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def has_open_hours(self) -> bool:
        return any(self.hours)

    def is_closed_day(self, day: date) -> bool:
        if day in self.closed_dates:
            return True
        if self.holiday_country is None:
            return False
        return day in _holiday_dates(self.holiday_country, self.holiday_categories, day.year)

    def day_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """The open intervals of one local day, in UTC (kept per calendar and day: a
        list of promise badges asks for the same few days again and again)."""
        return _day_intervals(self, day)

    def intervals(self, start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals overlapping [start, end), clipped to it, in order (UTC)."""
        _check_aware(start, end)
        if end <= start:
            return
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        while day <= last:
            for a, b in self.day_intervals(day):
                lo, hi = max(a, start), min(b, end)
                if hi > lo:
                    yield lo, hi
            day += timedelta(days=1)

    def is_open(self, at: datetime) -> bool:
        return any(True for _ in self.intervals(at, at + timedelta(microseconds=1)))

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Open time between two instants; negative when ``end`` is before ``start``.
        Longer spans are the difference of the two instants' places in their years, from
        per-year running totals (computed once per calendar and year): a case overdue for
        months costs no more than one due today (a list shows fifty)."""
        if end < start:
            return -self.business_seconds(end, start)
        _check_aware(start, end)
        first = start.astimezone(self.zone).date()
        last = end.astimezone(self.zone).date()
        if (last - first).days <= 3:
            return sum((b - a).total_seconds() for a, b in self.intervals(start, end))
        years = sum(_running_totals(self, year)[-1] for year in range(first.year, last.year))
        return years + self._into_year(last, end) - self._into_year(first, start)

    def _into_year(self, day: date, at: datetime) -> float:
        """Open seconds of ``day``'s year before ``at``, an instant of the local ``day``
        (a day's open intervals lie within it)."""
        today = 0.0
        for a, b in self.day_intervals(day):
            if b <= at:
                today += (b - a).total_seconds()
            elif a < at:
                today += (at - a).total_seconds()
        return _before(self, day) + today

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant when ``seconds`` of open time have passed after ``start``. Zero
        seconds from a closed moment gives the next opening."""
        _check_aware(start)
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        if not self.has_open_hours:
            raise NoOpenHours("the calendar has no opening hours")
        remaining = seconds
        day = start.astimezone(self.zone).date() - timedelta(days=1)
        for _ in range(MAX_SEARCH_DAYS):
            for a, b in self.day_intervals(day):
                lo = max(a, start)
                if b <= lo:
                    continue
                span = (b - lo).total_seconds()
                if remaining <= span:
                    return (lo + timedelta(seconds=remaining)).astimezone(UTC)
                remaining -= span
            day += timedelta(days=1)
        raise NoOpenHours(f"no open time within {MAX_SEARCH_DAYS} days")

    def next_open(self, at: datetime) -> datetime:
        return self.add_business_seconds(at, 0)


@lru_cache(maxsize=8192)
def _day_intervals(calendar: BusinessCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    if calendar.is_closed_day(day):
        return ()
    zone = calendar.zone
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    result = []
    for start, end in calendar.hours[day.weekday()]:
        a = _local(midnight, start, zone)
        b = _local(midnight, end, zone)
        if b > a:
            result.append((a, b))
    return tuple(result)


@lru_cache(maxsize=128)
def _running_totals(calendar: BusinessCalendar, year: int) -> tuple[float, ...]:
    """Open seconds of ``year`` before each of its days (index: day of year - 1), and the
    whole year's at the end."""
    totals = [0.0]
    day = date(year, 1, 1)
    while day.year == year:
        totals.append(
            totals[-1] + sum((b - a).total_seconds() for a, b in calendar.day_intervals(day))
        )
        day += timedelta(days=1)
    return tuple(totals)


def _before(calendar: BusinessCalendar, day: date) -> float:
    """Open seconds of ``day``'s year before ``day``."""
    return _running_totals(calendar, day.year)[day.timetuple().tm_yday - 1]


def _local(midnight: datetime, minutes: int, zone: ZoneInfo) -> datetime:
    """Local wall-clock time ``minutes`` after midnight of that day, as UTC. Wall-clock
    arithmetic: 08:00 stays 08:00 on a daylight-saving day."""
    if minutes >= DAY_MINUTES:
        nxt = (midnight + timedelta(days=1)).date()
        return datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone).astimezone(UTC)
    wall = midnight.replace(hour=minutes // 60, minute=minutes % 60)
    return wall.astimezone(UTC)


def _check_aware(*values: datetime) -> None:
    for value in values:
        if value.tzinfo is None:
            raise ValueError("naive datetime given; business time needs aware datetimes")


def parse_hours(text: str) -> tuple[Interval, ...]:
    """``"08:00-12:00, 13:00-17:00"`` → ((480, 720), (780, 1020)); empty = closed."""
    result: list[Interval] = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            a_text, b_text = (p.strip() for p in part.split("-"))
            start, end = _minutes(a_text), _minutes(b_text)
        except ValueError:
            raise ValueError(f"'{part}' is not a time range like 08:00-17:00") from None
        if not start < end:
            raise ValueError(f"'{part}' ends before it starts")
        result.append((start, end))
    result.sort()
    for (_, end), (start, _) in itertools.pairwise(result):
        if start < end:
            raise ValueError("opening intervals of one day must not overlap")
    return tuple(result)


def _minutes(text: str) -> int:
    hh, mm = text.split(":")
    if not (hh.isdigit() and mm.isdigit() and len(mm) == 2):
        raise ValueError(text)
    value = int(hh) * 60 + int(mm)
    if int(mm) > 59 or value > DAY_MINUTES:
        raise ValueError(text)
    return value


def format_hours(intervals: tuple[Interval, ...]) -> str:
    return ", ".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in intervals)


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
