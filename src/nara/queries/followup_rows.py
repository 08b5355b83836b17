"""Reading the follow-up's days: the rolled ones from ``followup_daily`` (one row per day
at the filter's grain, one per team of an agent's teams), the others counted live from
the base tables with the same definitions (``followup_facts``), and both added up per
day into :class:`Tally` objects."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from nara.followup import histogram
from nara.followup.days import day_facts, each_day, local_date
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
from nara.queries.followup_facts import KeyFilter, live_statement, parameters, shape

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
        counts = self.counts
        for i, name in enumerate(COUNTERS):
            value = getattr(row, name)
            if value:
                counts[i] += int(value)
        for name in BOUNDS:
            value = getattr(row, name)
            if value is not None:
                self._bound(name[:-3], name.endswith("_lo"), int(value))
        if row.fr_buckets:
            _merge(self.fr, histogram.decode(row.fr_buckets))
        if row.res_buckets:
            _merge(self.res, histogram.decode(row.res_buckets))

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


def rolled_days(session: Session, scope: Scope, first: date, last: date) -> dict[date, Tally]:
    """Per rolled day of ``first``..``last``: the day's counts for ``scope``."""
    d = FollowupDaily
    rows = session.execute(
        select(*(getattr(d, name) for name in ROW_COLUMNS)).where(
            *_key_clauses(scope, scope.grain), d.day >= first, d.day <= last
        )
    )
    out: dict[date, Tally] = {}
    for row in rows:
        out.setdefault(row.day, Tally()).add_row(row)
    return out


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

    def days(self, *, selfservice: bool = False) -> dict[date, Tally]:
        out: dict[date, Tally] = {}
        for row in self.rows:
            if (row.team_id == NO_ID) != selfservice:
                continue
            out.setdefault(_as_date(row.day), Tally()).add_row(row)
        return out

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
    only)."""
    days = [day_facts(day, zone) for first, last in ranges for day in each_day(first, last)]
    dialect = session.get_bind().dialect.name
    keys = scope.key_filter()
    rows: list[Any] = []
    for start in range(0, len(days), LIVE_CHUNK):
        part = days[start : start + LIVE_CHUNK]
        statement = live_statement(dialect, len(part), shape(keys))
        rows += session.execute(statement, parameters(part, now, zone, keys)).all()
    return LiveDays(rows)


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


def sum_days(days: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in days:
        total.add(tally)
    return total


class Period:
    """The days of the figures, read from the roll-ups or counted live."""

    def __init__(
        self, session: Session, scope: Scope, first: date, last: date, now: datetime, zone: str
    ) -> None:
        self.first, self.last = first, last
        self.rolled, ranges = split_period(first, last, rolled_range(session, zone))
        self.main: dict[date, Tally] = {}
        self.selfservice: dict[date, Tally] = {}
        if first > last:
            self.live = live_days(session, scope, [], now, zone)
            return
        if self.rolled is not None:
            lo, hi = self.rolled
            self.main = rolled_days(session, scope, lo, hi)
            ss_scope = scope.selfservice()
            same = ss_scope == scope
            self.selfservice = self.main if same else rolled_days(session, ss_scope, lo, hi)
        self.live = live_days(session, scope, ranges, now, zone)
        for day, tally in self.live.days().items():
            self.main.setdefault(day, Tally()).add(tally)
        for day, tally in self.live.days(selfservice=True).items():
            self.selfservice.setdefault(day, Tally()).add(tally)

    def breakdown(
        self, session: Session, scope: Scope, by: str, column: str
    ) -> dict[int | str, int]:
        found: dict[int | str, int] = {}
        if self.rolled is not None:
            found.update(rolled_breakdown(session, scope, *self.rolled, by, column))
        for key, count in self.live.breakdown(by, column).items():
            found[key] = found.get(key, 0) + count
        return found

    def totals(self, days: list[date] | None = None) -> tuple[Tally, Tally]:
        if days is None:
            return sum_days(self.main.values()), sum_days(self.selfservice.values())
        empty = Tally()
        main = sum_days(self.main.get(d, empty) for d in days)
        return main, sum_days(self.selfservice.get(d, empty) for d in days)
