"""Time for seeded history on an hourly grid: when customers get in touch (a weekday and
hour profile) and how a team's business time passes (its calendar), both as
cumulative sums over hours that are inverted with a binary search.

Instants are POSIX seconds (floats) here; the row builders turn them into datetimes.
Business time is exact for calendars that open and close on whole hours (every demo
calendar) and interpolated within an hour otherwise, which is close enough for seeded
data; the app itself computes due times with ``nara.promises.calendar``.
"""

from __future__ import annotations

import bisect
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from nara.promises.calendar import BusinessCalendar

MINUTE = 60.0
HOUR = 3600.0
DAY = 24 * HOUR

# Contacts per local hour on a weekday (relative): a bank's contact centre, busiest in the
# morning, a dip at lunch, quiet at night (web forms and e-mail still come in).
WEEKDAY_HOURS = (
    *(0.05, 0.03, 0.02, 0.02, 0.03, 0.08),  # 00-05
    *(0.25, 0.7, 1.5, 2.1, 2.0, 1.7),  # 06-11
    *(1.3, 1.5, 1.45, 1.3, 1.0, 0.75),  # 12-17
    *(0.55, 0.5, 0.45, 0.35, 0.2, 0.1),  # 18-23
)
DAY_FACTOR = (1.15, 1.0, 0.95, 0.95, 0.9, 0.35, 0.25)  # Monday first; Mondays are busiest
HOLIDAY_FACTOR = 0.3


def at(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def at_or_none(t: float | None) -> datetime | None:
    return None if t is None else at(t)


def _floor_hour(t: float) -> float:
    return float(int(t // HOUR) * HOUR)


class ArrivalCurve:
    """How contacts spread over ``[start, end)``: ``at(u)`` is the instant below which a
    share ``u`` of them arrive. Feeding it increasing shares gives sorted instants."""

    def __init__(self, start: float, end: float, zone: ZoneInfo) -> None:
        holidays = BusinessCalendar(timezone=zone.key)
        self._origin = _floor_hour(start)
        self._start, self._end = start, end
        self._cum: list[float] = []
        total = 0.0
        hour = self._origin
        while hour < end:
            local = datetime.fromtimestamp(hour, UTC).astimezone(zone)
            weight = WEEKDAY_HOURS[local.hour] * DAY_FACTOR[local.weekday()]
            if holidays.is_closed_day(local.date()):
                weight *= HOLIDAY_FACTOR
            # The first and the last hour count only with their part inside the range.
            inside = min(hour + HOUR, end) - max(hour, start)
            total += weight * inside / HOUR
            self._cum.append(total)
            hour += HOUR
        self.total = total

    def at(self, share: float) -> float:
        target = min(max(share, 0.0), 1.0) * self.total
        index = min(bisect.bisect_left(self._cum, target), len(self._cum) - 1)
        before = self._cum[index - 1] if index else 0.0
        weight = self._cum[index] - before
        lo = max(self._origin + index * HOUR, self._start)
        hi = min(self._origin + (index + 1) * HOUR, self._end)
        if weight <= 0:
            return lo
        return lo + (hi - lo) * (target - before) / weight


class BusinessClock:
    """A team calendar's business seconds between ``start`` and ``end``, per hour.
    ``value(t)`` is the business time from ``start`` to ``t``; ``instant(x)`` the first
    instant at which it reaches ``x`` (None beyond ``end``)."""

    def __init__(self, calendar: BusinessCalendar, start: float, end: float) -> None:
        self._origin = _floor_hour(start)
        hours = int((end - self._origin) // HOUR) + 1
        self._open = [0.0] * hours
        if calendar.has_open_hours:
            first = datetime.fromtimestamp(self._origin, UTC)
            last = datetime.fromtimestamp(self._origin + hours * HOUR, UTC)
            for a, b in calendar.intervals(first, last):
                self._add(a.timestamp(), b.timestamp())
        self._cum = [0.0]
        for seconds in self._open:
            self._cum.append(self._cum[-1] + seconds)
        self.has_hours = self._cum[-1] > 0

    def _add(self, a: float, b: float) -> None:
        while a < b:
            index = int((a - self._origin) // HOUR)
            edge = self._origin + (index + 1) * HOUR
            self._open[index] += min(b, edge) - a
            a = edge

    def value(self, t: float) -> float:
        offset = t - self._origin
        index = int(offset // HOUR)
        if index < 0:
            return 0.0
        if index >= len(self._open):
            return self._cum[-1]
        return self._cum[index] + self._open[index] * (offset - index * HOUR) / HOUR

    def instant(self, x: float) -> float | None:
        if x <= 0:
            return self._origin
        index = bisect.bisect_left(self._cum, x) - 1
        if index >= len(self._open):
            return None
        # cum[index] < x <= cum[index + 1]: the hour is (partly) open.
        fraction = (x - self._cum[index]) / self._open[index]
        return self._origin + (index + fraction) * HOUR

    def add(self, t: float, seconds: float) -> float | None:
        """The instant ``seconds`` (> 0) of business time after ``t``."""
        if seconds <= 0:
            return t
        return self.instant(self.value(t) + seconds)

    def is_open(self, t: float) -> bool:
        index = int((t - self._origin) // HOUR)
        return 0 <= index < len(self._open) and self._open[index] > 0
