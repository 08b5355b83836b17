"""The few SQL expressions the follow-up writes differently for PostgreSQL and SQLite:
seconds between two timestamps, a week later, the histogram bucket of a duration, text
aggregation, and the roll-up's cube over the four dimensions. Everything else is the same
statement on both."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    CTE,
    BigInteger,
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    cast,
    func,
    literal,
    literal_column,
    select,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import aggregate_order_by

from nara.followup.histogram import THRESHOLDS
from nara.models.followup import (
    ALL_IDS,
    ALL_VALUES,
    GRAIN_CHANNEL,
    GRAIN_PRIORITY,
    GRAIN_TEAM,
    GRAIN_TOPIC,
)

KEYS = ("team_id", "topic_id", "channel", "priority")
BITS = {"team_id": GRAIN_TEAM, "topic_id": GRAIN_TOPIC, "channel": GRAIN_CHANNEL}
BITS["priority"] = GRAIN_PRIORITY
ALL = {"team_id": ALL_IDS, "topic_id": ALL_IDS, "channel": ALL_VALUES, "priority": ALL_VALUES}


class Dialect:
    def __init__(self, name: str) -> None:
        self.postgres = name == "postgresql"

    def seconds(self, later: Any, earlier: Any) -> ColumnElement[Any]:
        """``later - earlier`` in seconds, rounded to the millisecond (the same value on
        both databases for timestamps to the millisecond)."""
        if self.postgres:
            return func.round(func.extract("epoch", later - earlier), 3)
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)

    def milliseconds(self, seconds: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(func.round(seconds * 1000), BigInteger if self.postgres else Integer)

    def shifted(self, moment: Any, days: int) -> ColumnElement[Any]:
        """``moment`` plus ``days`` days (negative: earlier), as stored timestamps compare."""
        if self.postgres:
            return moment + literal_column(f"interval '{int(days)} days'")  # type: ignore[no-any-return]
        # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff"; %f gives milliseconds.
        return func.strftime("%Y-%m-%d %H:%M:%f", moment, f"{days:+d} days") + "000"

    def bucket(self, seconds: ColumnElement[Any]) -> ColumnElement[Any]:
        """``nara.followup.histogram.bucket`` in SQL: how many thresholds are at most
        ``seconds``."""
        if self.postgres:
            array: ColumnElement[Any] = literal_column(
                "ARRAY[" + ",".join(map(str, THRESHOLDS)) + "]"
            )
            return func.width_bucket(seconds, array)
        return _tree(seconds, 0, len(THRESHOLDS))

    def text_agg(self, value: ColumnElement[Any], order: ColumnElement[Any]) -> ColumnElement[Any]:
        """``value`` of a group's rows joined by commas, in ``order`` (SQLite: in the
        order the rows come, which the callers sort)."""
        if self.postgres:
            return func.string_agg(value, aggregate_order_by(literal_column("','"), order))
        return func.group_concat(value, ",")

    def cube(
        self,
        source: Subquery | CTE,
        *,
        group: Sequence[str],
        measures: dict[str, Any],
    ) -> Select[Any]:
        """``source`` (rows per day, the four keys and ``group`` columns) summed for every
        combination of the keys: ``grain`` and the keys (``ALL`` where not specific) and
        ``measures`` (aggregates of ``source``'s columns, by name)."""
        day = source.c.day
        extra = [source.c[name] for name in group]
        if self.postgres:
            keys = [source.c[k] for k in KEYS]
            grouping = func.grouping(*keys)
            columns: list[Any] = [day, (15 - grouping).label("grain")]
            for key in KEYS:
                columns.append(
                    sql_case((func.grouping(source.c[key]) == 1, ALL[key]), else_=source.c[key])
                    .cast(String if key in ("channel", "priority") else Integer)
                    .label(key)
                )
            columns += [*extra, *(agg.label(name) for name, agg in measures.items())]
            return select(*columns).group_by(day, *extra, func.cube(*keys))
        parts = []
        for grain in range(16):
            columns = [day, literal(grain).label("grain")]
            grouped = [day, *extra]
            for key in KEYS:
                if grain & BITS[key]:
                    columns.append(source.c[key].label(key))
                    grouped.append(source.c[key])
                else:
                    columns.append(literal(ALL[key]).label(key))
            columns += [*extra, *(agg.label(name) for name, agg in measures.items())]
            parts.append(select(*columns).group_by(*grouped))
        return select(union_all(*parts).subquery())


def _tree(x: ColumnElement[Any], lo: int, hi: int) -> ColumnElement[Any]:
    """bisect_right(THRESHOLDS, x), knowing it lies in [lo, hi]: a balanced CASE."""
    if lo >= hi:
        return literal(lo, Integer)
    mid = (lo + hi) // 2
    return sql_case(
        (x < THRESHOLDS[mid], _tree(x, lo, mid)),
        else_=_tree(x, mid + 1, hi),
    )
