"""Every follow-up count, defined once, as SQL over the base tables: one family per kind
of event, each dated by its own moment in local days (``docs/metrics.md``).

``facts(...)`` gives, for a list of local days, a statement whose rows are
``(day, team_id, topic_id, channel, priority, <counters...>, fr_budget, res_budget,
fr_seconds, res_seconds)``, one per event. The roll-up (``domain/followup_rollups.py``)
sums them per day and cube of the keys into ``followup_daily``; the live days
(``queries/followup.py``) sum them per day and key. Both therefore count the same things.

Days are joined as a small list of literal rows (``[starts_at, ends_at)`` in UTC, and
the one-working-day deadline of a message that arrives that day), so a day is exactly
the local day on both databases, also when the clocks change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Date,
    Integer,
    Numeric,
    Select,
    String,
    Subquery,
    and_,
    bindparam,
    cast,
    exists,
    func,
    literal,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy import case as sql_case
from sqlalchemy import join as sql_join
from sqlalchemy.orm import aliased

from nara.followup.catalogue import WAIT_BAR_MINUTES
from nara.followup.days import Day
from nara.models import (
    ApprovalRequest,
    Case,
    CaseTask,
    Consultation,
    Conversation,
    Decision,
    Outcome,
    SatisfactionRating,
)
from nara.models.base import UTCDateTime
from nara.models.followup import BOUNDS, COUNTERS, NO_ID, NO_VALUE
from nara.queries.followup_sql import KEYS, Dialect

KKIK_CHANNELS = ("email", "web")
"""Written messages: KKiK's "answered within one working day" is about these."""
LIVE_CHANNELS = ("phone", "chat")
"""Where a customer waits on the line: the average wait against the 10-minute bar."""
RECONTACT_DAYS = 7
ANSWERED = (Outcome.answered_confirmed.value, Outcome.answered_no_feedback.value)
FAMILIES = (
    "opened",
    "first_response",
    "resolved",
    "conversations",
    "consultations",
    "decisions",
    "ratings",
    "delay_notices",
)


def maybe_late_message(dialect: Dialect) -> ColumnElement[bool]:
    """The written messages that can have missed KKiK's one working day
    (``KKIK_MAYBE_LATE_PREDICATE``): every late one is among them. The drill-down of the
    late ones narrows to them; on PostgreSQL with the partial index's own literals, so
    that the planner reads that index instead of every message of the days."""
    c = Case
    if dialect.postgres:
        return and_(
            c.channel.in_([literal_column(f"'{channel}'") for channel in KKIK_CHANNELS]),
            or_(
                c.first_response_at.is_(None),
                (c.first_response_at - c.opened_at) > literal_column("interval '23 hours'"),
            ),
        )
    return and_(
        c.channel.in_(KKIK_CHANNELS),
        or_(
            c.first_response_at.is_(None),
            dialect.seconds(c.first_response_at, c.opened_at) > MIN_WORKING_DAY_SECONDS,
        ),
    )


MIN_WORKING_DAY_SECONDS = 23 * 3600
"""The shortest time a message has to be answered in: a working day across the change
to summer time."""


@dataclass(frozen=True)
class KeyFilter:
    """Which keys to count (None: any). ``topic_id`` NO_ID: cases without a topic.
    Self-service conversations (no team, channel or priority) follow only ``topic_id``."""

    team_ids: frozenset[int] | None = None
    topic_id: int | None = None
    channel: str | None = None
    priority: str | None = None


EVERYTHING = KeyFilter()


def days_table(count: int) -> Subquery:
    """``count`` days as rows of bound values (:func:`parameters` gives them):
    ``day, starts_at, ends_at, shift_seconds, deadline``."""
    stamp = UTCDateTime()
    rows = [
        select(
            bindparam(f"d{i}_day", type_=Date).label("day"),
            bindparam(f"d{i}_start", type_=stamp).label("starts_at"),
            bindparam(f"d{i}_end", type_=stamp).label("ends_at"),
            bindparam(f"d{i}_shift", type_=Integer).label("shift_seconds"),
            bindparam(f"d{i}_deadline", type_=stamp).label("deadline"),
        )
        for i in range(count)
    ]
    if len(rows) == 1:
        return rows[0].subquery("days")
    return union_all(*rows).subquery("days")


KeyShape = tuple[bool, bool, bool, bool]
"""Which of team, topic, channel and priority a statement filters on."""


def shape(keys: KeyFilter) -> KeyShape:
    return (
        keys.team_ids is not None,
        keys.topic_id is not None,
        keys.channel is not None,
        keys.priority is not None,
    )


def parameters(days: Sequence[Day], now: datetime, zone: str, keys: KeyFilter) -> dict[str, Any]:
    """The values of a statement built for ``len(days)`` days and ``keys``' shape."""
    out: dict[str, Any] = {
        "now": now,
        "zone": zone,
        "range_start": days[0].starts_at,
        "range_end": days[-1].ends_at,
    }
    for i, d in enumerate(days):
        out[f"d{i}_day"] = d.day
        out[f"d{i}_start"] = d.starts_at
        out[f"d{i}_end"] = d.ends_at
        out[f"d{i}_shift"] = d.shift_seconds
        out[f"d{i}_deadline"] = d.deadline
    if keys.team_ids is not None:
        out["teams"] = sorted(keys.team_ids) or [NO_ID - 1]
    if keys.topic_id is not None:
        out["topic"] = keys.topic_id
    if keys.channel is not None:
        out["channel"] = keys.channel
    if keys.priority is not None:
        out["priority"] = keys.priority
    return out


def _any(rows: Select[Any]) -> ColumnElement[bool]:
    """Whether ``rows`` (correlated with the outer row) has one: a probe of its index per
    row. (An EXISTS in a select list lets PostgreSQL hash the whole other table once,
    which grows with the history.)"""
    return rows.limit(1).scalar_subquery().is_not(None)


def _n(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sql_case((condition, 1), else_=0)


class Facts:
    """The event families over ``count`` days, filtered by the keys of ``keys`` (a
    shape: the values are bound at execution, :func:`parameters`).

    Each family reads its table on its own moment within the days' range (bound
    constants: the planner sees the window). PostgreSQL dates an event by its local date
    (``timezone(zone, moment)``) and joins the days only where the working-day deadline
    is needed; SQLite joins the days by their UTC intervals."""

    def __init__(
        self,
        dialect: Dialect,
        count: int,
        keys: KeyShape = (False, False, False, False),
        *,
        items: bool = False,
        score: bool = False,
    ) -> None:
        self.sql, self.keys, self.items = dialect, keys, items
        self.score = score
        """Only the ratings of one score (bound as ``score``): the drill-down of a score
        enters the ratings by their score's index, however rare the score."""
        self.now = bindparam("now", type_=UTCDateTime())
        self.days = days_table(count)

    # ---- shared pieces ----
    def _dated(
        self, entity: Any, moment: Any, *, deadlines: bool = False, on: Any = None
    ) -> tuple[Any, Any, list[ColumnElement[bool]]]:
        """``(from, day, where)`` for events of ``entity`` dated by ``moment``."""
        stamp = UTCDateTime()
        where = [
            moment >= bindparam("range_start", type_=stamp),
            moment < bindparam("range_end", type_=stamp),
        ]
        if on is not None:
            where.append(on)
        d = self.days.c
        if self.sql.postgres:
            day = cast(func.timezone(bindparam("zone", type_=String), moment), Date)
            if deadlines:
                return sql_join(entity, self.days, d.day == day), d.day, where
            return entity, day, where
        joined = sql_join(self.days, entity, and_(moment >= d.starts_at, moment < d.ends_at))
        return joined, d.day, where

    def _in_time(self, arrived: Any, answered: Any) -> ColumnElement[bool]:
        """Answered within one working day of arriving (KKiK; the days row of arrival)."""
        d = self.days.c
        return and_(
            answered.is_not(None),
            or_(
                and_(
                    d.shift_seconds.is_not(None),
                    self.sql.seconds(answered, arrived) <= d.shift_seconds,
                ),
                and_(d.shift_seconds.is_(None), answered <= d.deadline),
            ),
        )

    def _deadline_passed(self, arrived: Any) -> ColumnElement[bool]:
        d = self.days.c
        return or_(
            and_(
                d.shift_seconds.is_not(None), self.sql.seconds(self.now, arrived) > d.shift_seconds
            ),
            and_(d.shift_seconds.is_(None), d.deadline < self.now),
        )

    def _case_keys(self, c: Any, team: Any = None) -> dict[str, Any]:
        return {
            "team_id": team if team is not None else c.team_id,
            "topic_id": func.coalesce(c.topic_id, NO_ID),
            "channel": c.channel,
            "priority": c.priority,
        }

    def _where_keys(self, keys: dict[str, Any]) -> list[ColumnElement[bool]]:
        teams, topic, channel, priority = self.keys
        out: list[ColumnElement[bool]] = []
        if teams:
            out.append(keys["team_id"].in_(bindparam("teams", expanding=True)))
        if topic:
            out.append(keys["topic_id"] == bindparam("topic", type_=Integer))
        if channel:
            out.append(keys["channel"] == bindparam("channel", type_=String))
        if priority:
            out.append(keys["priority"] == bindparam("priority", type_=String))
        return out

    def _row(
        self, day: Any, keys: dict[str, Any], values: dict[str, Any], item: tuple[Any, Any, Any]
    ) -> list[Any]:
        """The fact's columns; with ``items`` also the item's id, its case's id and the
        moment that dates it (for the drill-down)."""
        unknown = set(values) - {*COUNTERS, "fr_budget", "res_budget", "fr_seconds", "res_seconds"}
        assert not unknown, unknown
        columns: list[Any] = [day.label("day")]
        columns += [keys[k].label(k) for k in KEYS]
        columns += [(values.get(name, literal(0))).label(name) for name in COUNTERS]
        for name in ("fr_budget", "res_budget"):
            columns.append(values.get(name, null()).cast(Integer).label(name))
        for name in ("fr_seconds", "res_seconds"):
            columns.append(values.get(name, null().cast(Numeric)).label(name))
        if self.items:
            item_id, case_id, moment = item
            columns += [item_id.label("item_id"), case_id.label("case_id"), moment.label("at")]
        return columns

    # ---- the families ----
    def opened(self) -> Select[Any]:
        c = Case
        p = aliased(Case, name="p")
        keys = self._case_keys(c)
        kkik = c.channel.in_(KKIK_CHANNELS)
        in_time = and_(kkik, self._in_time(c.opened_at, c.first_response_at))
        late = and_(
            kkik,
            ~self._in_time(c.opened_at, c.first_response_at),
            or_(c.first_response_at.is_not(None), self._deadline_passed(c.opened_at)),
        )
        again = exists().where(
            p.customer_id == c.customer_id,
            p.opened_at >= self.sql.shifted(c.opened_at, -RECONTACT_DAYS),
            p.opened_at < c.opened_at,
            p.id != c.id,
        )
        values = {
            "opened": literal(1),
            "recontact": _n(again),
            "handed_over": _n(c.handover_count > 0),
            "handovers": c.handover_count,
            "kkik_received": _n(kkik),
            "kkik_in_time": _n(in_time),
            "kkik_late": _n(late),
        }
        source, day, where = self._dated(c, c.opened_at, deadlines=True)
        return (
            select(*self._row(day, keys, values, (c.id, c.id, c.opened_at)))
            .select_from(source)
            .where(*where, *self._where_keys(keys))
        )

    def first_response(self) -> Select[Any]:
        c = Case
        keys = self._case_keys(c)
        seconds = self.sql.seconds(c.first_response_at, c.opened_at)
        promise = c.first_response_budget_min.is_not(None)
        live = c.channel.in_(LIVE_CHANNELS)
        values = {
            "fr_answered": literal(1),
            "fr_kept": _n(
                and_(
                    promise,
                    or_(
                        c.first_response_due_at.is_(None),
                        c.first_response_at <= c.first_response_due_at,
                    ),
                )
            ),
            "fr_missed": _n(
                and_(
                    promise,
                    c.first_response_due_at.is_not(None),
                    c.first_response_at > c.first_response_due_at,
                )
            ),
            "wait_answered": _n(live),
            "wait_ms": sql_case((live, self.sql.milliseconds(seconds)), else_=0),
            "wait_within_bar": _n(and_(live, seconds <= WAIT_BAR_MINUTES * 60)),
            "fr_budget": c.first_response_budget_min,
            "fr_seconds": seconds,
        }
        source, day, where = self._dated(c, c.first_response_at)
        return (
            select(*self._row(day, keys, values, (c.id, c.id, c.first_response_at)))
            .select_from(source)
            .where(*where, *self._where_keys(keys))
        )

    def resolved(self) -> Select[Any]:
        c = Case
        p = aliased(Case, name="p")
        keys = self._case_keys(c)
        promise = c.resolution_budget_min.is_not(None)
        consulted = _any(select(Consultation.id).where(Consultation.case_id == c.id))
        came_back = exists().where(
            p.customer_id == c.customer_id,
            p.opened_at > c.resolved_at,
            p.opened_at <= self.sql.shifted(c.resolved_at, RECONTACT_DAYS),
            p.id != c.id,
        )
        values = {
            "resolved": literal(1),
            "res_kept": _n(
                and_(
                    promise,
                    or_(c.resolution_due_at.is_(None), c.resolved_at <= c.resolution_due_at),
                )
            ),
            "res_missed": _n(
                and_(
                    promise,
                    c.resolution_due_at.is_not(None),
                    c.resolved_at > c.resolution_due_at,
                )
            ),
            "first_contact": _n(and_(c.handover_count == 0, ~consulted, ~came_back)),
            "res_budget": c.resolution_budget_min,
            "res_seconds": self.sql.seconds(c.resolved_at, c.opened_at),
        }
        source, day, where = self._dated(c, c.resolved_at)
        return (
            select(*self._row(day, keys, values, (c.id, c.id, c.resolved_at)))
            .select_from(source)
            .where(*where, *self._where_keys(keys))
        )

    def conversations(self) -> Select[Any]:
        v = aliased(Conversation, name="v")
        keys: dict[str, Any] = {
            "team_id": literal(NO_ID, Integer),
            "topic_id": func.coalesce(v.topic_id, NO_ID),
            "channel": literal(NO_VALUE, String),
            "priority": literal(NO_VALUE, String),
        }
        answered = v.outcome.in_(ANSWERED)
        values = {
            "ss_conversations": literal(1),
            "ss_answered": _n(answered),
            "ss_confirmed": _n(v.outcome == Outcome.answered_confirmed.value),
            "ss_rejected": _n(v.outcome == Outcome.answered_rejected.value),
            "ss_handed_over": _n(v.case_id.is_not(None)),
            "ss_recontact": _n(and_(answered, v.resolved.is_(False))),
        }
        source, day, where = self._dated(v, v.started_at)
        if self.keys[1]:
            where.append(keys["topic_id"] == bindparam("topic", type_=Integer))
        return (
            select(*self._row(day, keys, values, (v.id, v.case_id, v.started_at)))
            .select_from(source)
            .where(*where)
        )

    def consultations(self) -> Select[Any]:
        k = aliased(Consultation, name="k")
        c = Case
        keys = self._case_keys(c, team=k.team_id)
        values = {
            "cons_decided": _n(or_(k.first_answered_at.is_not(None), k.due_at < self.now)),
            "cons_in_time": _n(k.answered_in_time.is_(True)),
        }
        source, day, where = self._dated(k, k.due_at)
        return (
            select(*self._row(day, keys, values, (k.id, k.case_id, k.due_at)))
            .select_from(source)
            .join(c, c.id == k.case_id)
            .where(*where, *self._where_keys(keys))
        )

    def decisions(self) -> Select[Any]:
        d = aliased(Decision, name="d")
        c = Case
        keys = self._case_keys(c, team=d.team_id)
        asked = _any(
            select(ApprovalRequest.id).where(
                ApprovalRequest.case_id == d.case_id, ApprovalRequest.decision_id == d.id
            )
        )
        values = {"dec_at_once": _n(~asked), "dec_for_approval": _n(asked)}
        source, day, where = self._dated(d, d.requested_at)
        return (
            select(*self._row(day, keys, values, (d.id, d.case_id, d.requested_at)))
            .select_from(source)
            .join(c, c.id == d.case_id)
            .where(*where, *self._where_keys(keys))
        )

    def ratings(self) -> Select[Any]:
        r = aliased(SatisfactionRating, name="r")
        c = Case
        keys = self._case_keys(c)
        values: dict[str, Any] = {"csat_rated": literal(1), "csat_sum": r.score}
        for score in range(1, 6):
            values[f"csat_{score}"] = _n(r.score == score)
        source, day, where = self._dated(r, r.created_at)
        if self.score:
            where.append(r.score == bindparam("score", type_=Integer))
        return (
            select(*self._row(day, keys, values, (r.case_id, r.case_id, r.created_at)))
            .select_from(source)
            .join(c, c.id == r.case_id)
            .where(*where, *self._where_keys(keys))
        )

    def delay_notices(self) -> Select[Any]:
        t = aliased(CaseTask, name="t")
        c = Case
        keys = self._case_keys(c)
        on_time = self._in_time(t.created_at, t.done_at)
        values = {
            "delay_due": literal(1),
            "delay_on_time": _n(on_time),
            "delay_late": _n(
                and_(~on_time, or_(t.done_at.is_not(None), self._deadline_passed(t.created_at)))
            ),
        }
        notice = t.kind == "delay_notice"
        source, day, where = self._dated(t, t.created_at, deadlines=True, on=notice)
        return (
            select(*self._row(day, keys, values, (t.case_id, t.case_id, t.created_at)))
            .select_from(source)
            .join(c, c.id == t.case_id)
            .where(*where, *self._where_keys(keys))
        )

    def family(self, name: str) -> Select[Any]:
        method = getattr(self, name)
        return method()  # type: ignore[no-any-return]


# ---- the statements (built once per shape; values bound at execution) ----
@lru_cache(maxsize=64)
def rollup_statement(dialect: str, count: int) -> Select[Any]:
    """``followup_daily``'s rows for ``count`` days (see :func:`cubed`)."""
    return cubed(Facts(Dialect(dialect), count))


@lru_cache(maxsize=256)
def live_statement(dialect: str, count: int, keys: KeyShape) -> Select[Any]:
    """Per day and full key, for ``count`` days counted live (see :func:`summed`)."""
    return summed(Facts(Dialect(dialect), count, keys))


# ---- summing the facts ----
def summed(facts: Facts) -> Select[Any]:
    """Per day and full key: the counters summed, the promise bounds, and the two
    histograms as text (``day``, the four keys, ``COUNTERS``, ``BOUNDS``,
    ``fr_buckets``, ``res_buckets``)."""
    sql = facts.sql
    ctes = {name: facts.family(name).cte(f"f_{name}") for name in FAMILIES}
    everything = union_all(*(select(cte) for cte in ctes.values())).subquery("facts")
    keyed = _sum_keys(everything).subquery("keyed")
    fr = _histogram(sql, ctes["first_response"], "fr_seconds")
    res = _histogram(sql, ctes["resolved"], "res_seconds")
    return _joined(keyed, fr, res, "fr_buckets", "res_buckets")


def _measures(source: Subquery) -> dict[str, Any]:
    out: dict[str, Any] = {name: func.sum(source.c[name]) for name in COUNTERS}
    out["fr_budget_lo"] = func.min(source.c.fr_budget)
    out["fr_budget_hi"] = func.max(source.c.fr_budget)
    out["res_budget_lo"] = func.min(source.c.res_budget)
    out["res_budget_hi"] = func.max(source.c.res_budget)
    return out


def _sum_keys(facts: Subquery) -> Select[Any]:
    keys = [facts.c.day, *(facts.c[k] for k in KEYS)]
    measures = _measures(facts)
    return select(*keys, *(agg.label(name) for name, agg in measures.items())).group_by(*keys)


def _histogram(sql: Dialect, family: CTE, seconds: str) -> Subquery:
    """Per day and full key, the family's durations as ``bucket:count`` text."""
    bucketed = select(
        family.c.day, *(family.c[k] for k in KEYS), sql.bucket(family.c[seconds]).label("b")
    ).subquery()
    keys = [bucketed.c.day, *(bucketed.c[k] for k in KEYS)]
    counted = select(*keys, bucketed.c.b, func.count().label("n")).group_by(*keys, bucketed.c.b)
    counted_q = counted.order_by(bucketed.c.b).subquery()
    keys = [counted_q.c.day, *(counted_q.c[k] for k in KEYS)]
    piece = cast(counted_q.c.b, String) + ":" + cast(counted_q.c.n, String)
    agg = sql.text_agg(piece, counted_q.c.b)
    return select(*keys, agg.label("buckets")).group_by(*keys).subquery()


def _joined(
    counters: Subquery,
    fr: Subquery,
    res: Subquery,
    fr_name: str,
    res_name: str,
    grain: bool = False,
) -> Select[Any]:
    on = ["day", *(["grain"] if grain else []), *KEYS]

    def match(other: Subquery) -> ColumnElement[bool]:
        return and_(*(counters.c[k] == other.c[k] for k in on))

    return (
        select(counters, fr.c.buckets.label(fr_name), res.c.buckets.label(res_name))
        .select_from(counters)
        .outerjoin(fr, match(fr))
        .outerjoin(res, match(res))
    )


def cubed(facts: Facts) -> Select[Any]:
    """Per day and every combination of the keys (``grain``): what ``followup_daily``
    holds, column for column."""
    sql = facts.sql
    ctes = {name: facts.family(name).cte(f"f_{name}") for name in FAMILIES}
    everything = union_all(*(select(cte) for cte in ctes.values())).subquery("facts")
    keyed = _sum_keys(everything).cte("keyed")
    counters = sql.cube(keyed, group=(), measures=_cube_measures(keyed)).subquery("counters")
    fr = _cube_histogram(sql, ctes["first_response"], "fr_seconds")
    res = _cube_histogram(sql, ctes["resolved"], "res_seconds")
    return _joined(counters, fr, res, "fr_buckets", "res_buckets", grain=True)


def _cube_measures(keyed: CTE) -> dict[str, Any]:
    out: dict[str, Any] = {name: func.sum(keyed.c[name]) for name in COUNTERS}
    for name in BOUNDS:
        out[name] = (func.min if name.endswith("_lo") else func.max)(keyed.c[name])
    return out


def _cube_histogram(sql: Dialect, family: CTE, seconds: str) -> Subquery:
    bucketed = select(
        family.c.day, *(family.c[k] for k in KEYS), sql.bucket(family.c[seconds]).label("b")
    ).subquery()
    keys = [bucketed.c.day, *(bucketed.c[k] for k in KEYS)]
    counted = (
        select(*keys, bucketed.c.b, func.count().label("n"))
        .group_by(*keys, bucketed.c.b)
        .cte(f"{seconds}_counted")
    )
    cubed_q = sql.cube(counted, group=("b",), measures={"n": func.sum(counted.c.n)})
    cube = cubed_q.order_by(literal_column("b")).subquery()
    keys = [cube.c.day, cube.c.grain, *(cube.c[k] for k in KEYS)]
    piece = cast(cube.c.b, String) + ":" + cast(cube.c.n, String)
    agg = sql.text_agg(piece, cube.c.b)
    return select(*keys, agg.label("buckets")).group_by(*keys).subquery()
