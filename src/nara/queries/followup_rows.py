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
from operator import attrgetter
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from nara.config import get_settings
from nara.followup import histogram
from nara.followup.days import Day, day_facts, each_day, local_date, month_start, week_start
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


_counters = attrgetter(*COUNTERS)
_bounds = attrgetter(*BOUNDS)
_LOW = np.array([name.endswith("_lo") for name in BOUNDS])


class Batch:
    """Rows (rolled or live, each with its local day) as arrays: their counters, bounds
    and duration histograms, read once and added up per week and per month with numpy.
    A year of a filter is a few hundred to a few thousand rows whose histograms hold tens
    of buckets each: decoding and merging them one by one in Python cost more than every
    statement of the follow-up together at 10 M cases (``benchmarks/README.md``)."""

    def __init__(self, rows: Sequence[Any], days: Sequence[date]) -> None:
        self.rows = rows
        self.days = days
        self.counts = np.nan_to_num(
            np.array([_counters(r) for r in rows], dtype=np.float64).reshape(
                len(rows), len(COUNTERS)
            )
        ).astype(np.int64)
        self.bounds = np.array([_bounds(r) for r in rows], dtype=np.float64).reshape(
            len(rows), len(BOUNDS)
        )
        self._histograms: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}

    def histograms(self, column: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``column``'s buckets as three parallel arrays: the row, the bucket and the
        count of every non-empty bucket of every row."""
        found = self._histograms.get(column)
        if found is None:
            found = self._histograms[column] = _decode_all(
                [getattr(r, column) or "" for r in self.rows]
            )
        return found


def _decode_all(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    pairs = np.array([t.count(":") for t in texts], dtype=np.int64)
    joined = ",".join(t for t in texts if t).replace(":", ",")
    numbers = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
    if len(numbers) != 2 * int(pairs.sum()):  # not as the roll-up writes it: the slow way
        decoded = [histogram.decode(t) for t in texts]
        pairs = np.array([len(d) for d in decoded], dtype=np.int64)
        numbers = np.array([n for d in decoded for item in d.items() for n in item], dtype=np.int64)
    owners = np.repeat(np.arange(len(texts), dtype=np.int64), pairs)
    buckets = np.clip(numbers[0::2], 0, histogram.BUCKETS - 1)
    return owners, buckets, numbers[1::2]


def _sum_by(batch: Batch, group: np.ndarray, n: int, durations: bool) -> list[Tally]:
    """The batch's rows added up into ``n`` tallies, row ``i`` into ``group[i]``."""
    counts = np.zeros((n, len(COUNTERS)), dtype=np.int64)
    np.add.at(counts, group, batch.counts)
    lows = np.full((n, len(BOUNDS)), np.nan)
    highs = np.full((n, len(BOUNDS)), np.nan)
    np.fmin.at(lows, group, batch.bounds)
    np.fmax.at(highs, group, batch.bounds)
    sums: dict[str, np.ndarray] = {}
    if durations:
        for column in ("fr_buckets", "res_buckets"):
            owners, buckets, numbers = batch.histograms(column)
            flat = np.bincount(
                group[owners] * histogram.BUCKETS + buckets,
                weights=numbers,
                minlength=n * histogram.BUCKETS,
            )
            sums[column] = np.rint(flat).astype(np.int64).reshape(n, histogram.BUCKETS)
    out = []
    for i in range(n):
        tally = Tally()
        tally.counts = counts[i].tolist()
        for j, name in enumerate(BOUNDS):
            value = lows[i, j] if _LOW[j] else highs[i, j]
            if not np.isnan(value):
                (tally.lows if _LOW[j] else tally.highs)[name[:-3]] = int(value)
        if durations:
            tally.fr = _nonzero(sums["fr_buckets"][i])
            tally.res = _nonzero(sums["res_buckets"][i])
        out.append(tally)
    return out


def _nonzero(counts: np.ndarray) -> dict[int, int]:
    where = np.flatnonzero(counts)
    return dict(zip(where.tolist(), counts[where].tolist(), strict=True))


class Groups:
    """Counts added up per week (from Monday) and per calendar month (the trends); the
    period's total is the sum of its months."""

    def __init__(self, durations: bool = True) -> None:
        self.durations = durations
        self.weeks: dict[date, Tally] = {}
        self.months: dict[date, Tally] = {}
        self._total: Tally | None = None

    def add_batch(self, batch: Batch) -> None:
        if not batch.rows:
            return
        self._total = None
        for starts, into in (
            ([week_start(d) for d in batch.days], self.weeks),
            ([month_start(d) for d in batch.days], self.months),
        ):
            keys = sorted(set(starts))
            index = {key: i for i, key in enumerate(keys)}
            group = np.array([index[s] for s in starts], dtype=np.int64)
            for key, tally in zip(
                keys, _sum_by(batch, group, len(keys), self.durations), strict=True
            ):
                if key in into:
                    into[key].add(tally)
                else:
                    into[key] = tally

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
            batch = Batch(rows, [row.day for row in rows])
            self.main.add_batch(batch)
            if scope.selfservice() != scope:
                rows = rolled_rows(session, scope.selfservice(), lo, hi)
                batch = Batch(rows, [row.day for row in rows])
            self.selfservice.add_batch(batch)
        self.live = live_days(session, scope, ranges, now, zone)
        for conversations in (False, True):
            rows = [r for r in self.live.rows if (r.team_id == NO_ID) is conversations]
            groups = self.selfservice if conversations else self.main
            groups.add_batch(Batch(rows, [_as_date(r.day) for r in rows]))

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
