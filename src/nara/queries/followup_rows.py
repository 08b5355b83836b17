"""Reading the follow-up's days: the rolled ones from ``followup_daily`` (one row per day
at the filter's grain, one per team of an agent's teams), the others counted live from
the base tables with the same definitions (``followup_facts``), and both added up per
day into :class:`Tally` objects."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.followup import histogram
from nara.followup.days import Day, day_facts, each_day, local_date
from nara.models import Case, Conversation, FollowupDaily, FollowupRollupState
from nara.models.followup import (
    ALL_IDS,
    ALL_VALUES,
    BOUNDS,
    COUNTERS,
    GRAIN_CHANNEL,
    GRAIN_PRIORITY,
    GRAIN_TEAM,
    GRAIN_TOPIC,
    NO_ID,
)
from nara.queries.followup_facts import EVERYTHING, KeyFilter, live_statement, parameters, shape

INDEX = {name: i for i, name in enumerate(COUNTERS)}


class Tally:
    """Counts added up over rows (days, teams, keys): the counters in ``COUNTERS``
    order, the promise bounds and the two duration histograms."""

    __slots__ = ("counts", "fr", "highs", "lows", "res")

    def __init__(self) -> None:
        self.counts = [0] * len(COUNTERS)
        self.lows: dict[str, int] = {}
        self.highs: dict[str, int] = {}
        self.fr: dict[int, int] = {}
        self.res: dict[int, int] = {}

    def add_row(self, row: Any) -> None:
        self.add_parsed(parse(row))

    def add_parsed(self, parsed: Parsed, durations: bool = True) -> None:
        counts, bounds, fr, res = parsed
        self.counts = [a + b for a, b in zip(self.counts, counts, strict=True)]
        for kind, low, value in bounds:
            self._bound(kind, low, value)
        if durations:
            _merge(self.fr, fr)
            _merge(self.res, res)

    def _bound(self, kind: str, low: bool, value: int) -> None:
        if low:
            self.lows[kind] = min(self.lows.get(kind, value), value)
        else:
            self.highs[kind] = max(self.highs.get(kind, value), value)

    def add(self, other: Tally) -> None:
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        for kind, value in other.lows.items():
            self._bound(kind, True, value)
        for kind, value in other.highs.items():
            self._bound(kind, False, value)
        _merge(self.fr, other.fr)
        _merge(self.res, other.res)

    def __getitem__(self, name: str) -> int:
        return self.counts[INDEX[name]]


Parsed = tuple[list[int], list[tuple[str, bool, int]], dict[int, int], dict[int, int]]


def parse(row: Any, durations: bool = True) -> Parsed:
    """A row's counters, bounds and (with ``durations``) histograms, read once."""
    counts = [int(getattr(row, name) or 0) for name in COUNTERS]
    bounds = [
        (name[:-3], name.endswith("_lo"), int(value))
        for name in BOUNDS
        if (value := getattr(row, name)) is not None
    ]
    if not durations:
        return counts, bounds, {}, {}
    return counts, bounds, histogram.decode(row.fr_buckets), histogram.decode(row.res_buckets)


class Groups:
    """Counts added up, in one pass over the rows, per week (from Monday) and per
    calendar month (the trends); the period's total is the sum of its months."""

    def __init__(self, durations: bool = True) -> None:
        self.durations = durations
        self.weeks: dict[date, Tally] = {}
        self.months: dict[date, Tally] = {}
        self._total: Tally | None = None

    def add_row(self, row: Any, day: date) -> None:
        self.add_parsed(parse(row, self.durations), day)

    def add_parsed(self, parsed: Parsed, day: date) -> None:
        self._total = None
        week = day - timedelta(days=day.weekday())
        for tally in (
            self.weeks.setdefault(week, Tally()),
            self.months.setdefault(day.replace(day=1), Tally()),
        ):
            tally.add_parsed(parsed, self.durations)

    @property
    def total(self) -> Tally:
        if self._total is None:
            self._total = Tally()
            for month in self.months.values():
                self._total.add(month)
        return self._total


def _merge(into: dict[int, int], other: Mapping[int, int]) -> None:
    for key, count in other.items():
        into[key] = into.get(key, 0) + count


@dataclass(frozen=True)
class Scope:
    """The keys the figures are about, as ids (resolved from the filters' slugs).
    ``team_ids`` None: every team (the whole organisation)."""

    team_ids: frozenset[int] | None
    topic_id: int | None
    channel: str | None
    priority: str | None

    @property
    def grain(self) -> int:
        return (
            (GRAIN_TEAM if self.team_ids is not None else 0)
            | (GRAIN_TOPIC if self.topic_id is not None else 0)
            | (GRAIN_CHANNEL if self.channel is not None else 0)
            | (GRAIN_PRIORITY if self.priority is not None else 0)
        )

    def key_filter(self) -> KeyFilter:
        return KeyFilter(self.team_ids, self.topic_id, self.channel, self.priority)

    def holds(self, row: Any) -> bool:
        """Whether a full-key row is in scope (a conversation's: by topic only)."""
        if self.topic_id is not None and row.topic_id != self.topic_id:
            return False
        if row.team_id == NO_ID:
            return True
        return (
            (self.team_ids is None or row.team_id in self.team_ids)
            and (self.channel is None or row.channel == self.channel)
            and (self.priority is None or row.priority == self.priority)
        )

    def selfservice(self) -> Scope:
        """Conversations have no team, channel or priority: only the topic applies."""
        return Scope(None, self.topic_id, None, None)


def rollup_state(session: Session) -> FollowupRollupState | None:
    return session.get(FollowupRollupState, 1)


def rolled_range(session: Session, zone: str) -> tuple[date, date] | None:
    """The days the roll-ups hold in ``zone`` (None: none, or counted in another zone)."""
    state = rollup_state(session)
    if state is None or state.timezone != zone:
        return None
    if state.rolled_from is None or state.rolled_through is None:
        return None
    return state.rolled_from, state.rolled_through


def earliest_day(session: Session, zone: str) -> date | None:
    """The local day of the first case or conversation (None: nothing yet)."""
    found = [
        session.scalar(select(func.min(Case.opened_at))),
        session.scalar(select(func.min(Conversation.started_at))),
    ]
    moments = [m for m in found if m is not None]
    return local_date(min(moments), zone) if moments else None


def _key_clauses(scope: Scope, grain: int) -> list[ColumnElement[bool]]:
    d = FollowupDaily
    out: list[ColumnElement[bool]] = [d.grain == grain]
    if grain & GRAIN_TEAM:
        if scope.team_ids is not None:
            out.append(d.team_id.in_(sorted(scope.team_ids) or [NO_ID - 1]))
    else:
        out.append(d.team_id == ALL_IDS)
    if grain & GRAIN_TOPIC:
        if scope.topic_id is not None:
            out.append(d.topic_id == scope.topic_id)
    else:
        out.append(d.topic_id == ALL_IDS)
    if grain & GRAIN_CHANNEL:
        if scope.channel is not None:
            out.append(d.channel == scope.channel)
    else:
        out.append(d.channel == ALL_VALUES)
    if grain & GRAIN_PRIORITY:
        if scope.priority is not None:
            out.append(d.priority == scope.priority)
    else:
        out.append(d.priority == ALL_VALUES)
    return out


ROW_COLUMNS = ("day", *COUNTERS, *BOUNDS, "fr_buckets", "res_buckets")


def rolled_rows(session: Session, scope: Scope, first: date, last: date) -> list[Any]:
    """The rolled rows of ``first``..``last`` for ``scope``: one per day (one per team
    and day for several teams)."""
    d = FollowupDaily
    return list(
        session.execute(
            select(*(getattr(d, name) for name in ROW_COLUMNS)).where(
                *_key_clauses(scope, scope.grain), d.day >= first, d.day <= last
            )
        )
    )


def rolled_breakdown(
    session: Session, scope: Scope, first: date, last: date, by: str, column: str
) -> dict[Any, int]:
    """``column`` summed per value of ``by`` (``channel`` or ``topic_id``)."""
    d = FollowupDaily
    bit = GRAIN_CHANNEL if by == "channel" else GRAIN_TOPIC
    key = getattr(d, by)
    rows = session.execute(
        select(key, func.sum(getattr(d, column)))
        .where(*_key_clauses(scope, scope.grain | bit), d.day >= first, d.day <= last)
        .group_by(key)
    )
    return {value: int(total or 0) for value, total in rows if total}


@dataclass
class LiveDays:
    """The live days' rows per full key (the breakdowns read them too)."""

    rows: list[Any]

    def breakdown(self, by: str, column: str) -> dict[Any, int]:
        out: Counter[Any] = Counter()
        for row in self.rows:
            if row.team_id != NO_ID and getattr(row, column):
                out[getattr(row, by)] += int(getattr(row, column))
        return dict(out)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def live_days(
    session: Session, scope: Scope, ranges: Sequence[tuple[date, date]], now: datetime, zone: str
) -> LiveDays:
    """The days of ``ranges`` counted now from the base tables (conversations by topic
    only). A short range (today, and yesterday before the job has rolled it) is counted
    for every key at once and reused by this process for ``NARA_FOLLOWUP_LIVE_SECONDS``
    for every filter and viewer; a longer one is counted for ``scope`` alone."""
    days = [day_facts(day, zone) for first, last in ranges for day in each_day(first, last)]
    if not days:
        return LiveDays([])
    seconds = get_settings().followup_live_seconds
    if seconds > 0 and len(days) <= SHORT_LIVE_DAYS:
        rows = _everything(session, days, now, zone, seconds)
        return LiveDays([row for row in rows if scope.holds(row)])
    return LiveDays(_count(session, days, now, zone, scope.key_filter()))


def _count(
    session: Session, days: list[Day], now: datetime, zone: str, keys: KeyFilter
) -> list[Any]:
    dialect = session.get_bind().dialect.name
    rows: list[Any] = []
    for start in range(0, len(days), LIVE_CHUNK):
        part = days[start : start + LIVE_CHUNK]
        statement = live_statement(dialect, len(part), shape(keys))
        rows += session.execute(statement, parameters(part, now, zone, keys)).all()
    return rows


SHORT_LIVE_DAYS = 2
_counted: dict[tuple[str, str, tuple[date, ...]], tuple[datetime, datetime, list[Any]]] = {}
_counted_lock = threading.Lock()


def _everything(
    session: Session, days: list[Day], now: datetime, zone: str, seconds: int
) -> list[Any]:
    """Every key's rows of ``days``, counted at most every ``seconds`` per process."""
    key = (str(session.get_bind().engine.url), zone, tuple(d.day for d in days))
    with _counted_lock:
        found = _counted.get(key)
    if found is not None and found[0] <= now < found[1]:
        return found[2]
    rows = _count(session, days, now, zone, EVERYTHING)
    with _counted_lock:
        if len(_counted) > 64:
            _counted.clear()
        _counted[key] = (now, now + timedelta(seconds=seconds), rows)
    return rows


def forget_live_counts() -> None:
    """Drop the reused live counts (tests)."""
    with _counted_lock:
        _counted.clear()


LIVE_CHUNK = 366
"""Days counted live in one statement (SQLite joins at most 500 selects in one union)."""


def split_period(
    first: date, last: date, rolled: tuple[date, date] | None
) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The part of ``first..last`` read from the roll-ups and the parts counted live."""
    if rolled is None:
        return None, [(first, last)]
    lo, hi = max(first, rolled[0]), min(last, rolled[1])
    if lo > hi:
        return None, [(first, last)]
    live = []
    if first < lo:
        live.append((first, lo - timedelta(days=1)))
    if hi < last:
        live.append((hi + timedelta(days=1), last))
    return (lo, hi), live


class Period:
    """The figures' days, read from the roll-ups or counted live, added up for the
    period, per week and per month (``main``: the cases' counts for the scope;
    ``selfservice``: the conversations', by topic only)."""

    def __init__(
        self, session: Session, scope: Scope, first: date, last: date, now: datetime, zone: str
    ) -> None:
        self.first, self.last = first, last
        self.rolled, ranges = split_period(first, last, rolled_range(session, zone))
        self.main, self.selfservice = Groups(), Groups(durations=False)
        if first > last:
            self.live = LiveDays([])
            return
        if self.rolled is not None:
            lo, hi = self.rolled
            rows = rolled_rows(session, scope, lo, hi)
            same = scope.selfservice() == scope
            for row in rows:
                parsed = parse(row)
                self.main.add_parsed(parsed, row.day)
                if same:
                    self.selfservice.add_parsed(parsed, row.day)
            if not same:
                for row in rolled_rows(session, scope.selfservice(), lo, hi):
                    self.selfservice.add_row(row, row.day)
        self.live = live_days(session, scope, ranges, now, zone)
        for row in self.live.rows:
            groups = self.selfservice if row.team_id == NO_ID else self.main
            groups.add_row(row, _as_date(row.day))

    def breakdown(
        self, session: Session, scope: Scope, by: str, column: str
    ) -> dict[int | str, int]:
        found: dict[int | str, int] = {}
        if self.rolled is not None:
            found.update(rolled_breakdown(session, scope, *self.rolled, by, column))
        for key, count in self.live.breakdown(by, column).items():
            found[key] = found.get(key, 0) + count
        return found

    def totals(self) -> tuple[Tally, Tally]:
        return self.main.total, self.selfservice.total

    def week(self, start: date) -> tuple[Tally, Tally]:
        return self.main.weeks.get(start, Tally()), self.selfservice.weeks.get(start, Tally())

    def month(self, start: date) -> tuple[Tally, Tally]:
        return self.main.months.get(start, Tally()), self.selfservice.months.get(start, Tally())
