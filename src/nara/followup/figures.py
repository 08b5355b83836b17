"""What the follow-up answers, as frozen dataclasses: the API serialises them, the pages
render them (charts and tables), CSV exports them. Each figure carries the drill-down
``metric`` whose list holds exactly the ``count`` items it was computed over."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Literal

from nara.followup.filters import Filters

if TYPE_CHECKING:
    from nara.models import Case

Unit = Literal["count", "share", "minutes", "score", "per_case"]
"""``count``: a number of cases (or consultations, decisions, conversations); ``share``:
0..1; ``minutes``: a duration; ``score``: a satisfaction score 1..5; ``per_case``: a
mean per case (hand-overs)."""


@dataclass(frozen=True)
class Target:
    """What a figure is held against.

    ``kind``: ``promise`` (the cases' own response promises: ``minutes`` is the smallest
    budget among the counted cases and ``minutes_high`` the largest, equal when one
    promise applies), ``bar`` (a fixed bar, e.g. the National Audit Office's 10 minutes),
    ``law`` (a rule of förvaltningslagen) or ``kkik`` (one working day)."""

    kind: Literal["promise", "bar", "law", "kkik"]
    minutes: float | None = None
    minutes_high: float | None = None


@dataclass(frozen=True)
class Figure:
    """One figure. ``value`` is None when there is nothing to compute it from (a share of
    nothing, a median of no durations). ``count`` is the number of items behind it (for a
    share or a median: the population it is taken over) and ``metric`` the drill-down key
    that lists exactly those items (None: not drillable)."""

    key: str
    value: float | None
    unit: Unit
    count: int
    metric: str | None
    target: Target | None = None


@dataclass(frozen=True)
class BreakdownRow:
    """One row of a breakdown (a channel, a topic, a score, an age band). ``filters``:
    the filters to add to the figures' own for the drill-down (``{"topic": "swish"}``);
    ``metric`` with those filters lists exactly ``count`` items."""

    value: str
    count: int
    share: float | None
    metric: str
    filters: Mapping[str, str] = field(default_factory=dict)
    name_sv: str | None = None
    name_en: str | None = None


@dataclass(frozen=True)
class Breakdown:
    key: str  # "opened_by_channel", "opened_by_topic", "csat_scores", "backlog_age", ...
    rows: tuple[BreakdownRow, ...]


@dataclass(frozen=True)
class Section:
    """A part of the follow-up: ``volumes``, ``selfservice``, ``promises``, ``backlog``,
    ``collaboration``, ``improvements``, ``satisfaction``, ``authority``.
    ``dimensions``: the filters that apply to it (self-service has no team, channel or
    priority; the backlog is a snapshot of now, whatever the period)."""

    key: str
    figures: tuple[Figure, ...]
    breakdowns: tuple[Breakdown, ...] = ()
    dimensions: tuple[str, ...] = ("period", "team", "topic", "channel", "priority")

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class TrendPoint:
    """A week (Monday to Sunday) or a calendar month, cut to the period."""

    first: date
    last: date
    value: float | None
    count: int


@dataclass(frozen=True)
class Trend:
    key: str  # a figure key
    unit: Unit
    weekly: tuple[TrendPoint, ...]
    monthly: tuple[TrendPoint, ...]


@dataclass(frozen=True)
class Comment:
    """A customer's comment with their score, on a case the viewer may read."""

    case_number: str
    score: int
    comment: str
    at: datetime


@dataclass(frozen=True)
class ImprovementLine:
    """An improvement done in the period and its measured effect (when measured)."""

    id: int
    title: str
    status: str
    done_at: datetime | None
    verdict: str | None  # the effect's verdict key, None: not measured yet
    change_pct: float | None  # the measured change of contacts per day, in per cent


@dataclass(frozen=True)
class FollowupFigures:
    """Everything ``GET /api/v1/followup`` answers and the follow-up page shows.

    ``rolled_through``: the last day read from the daily roll-ups (None: nothing rolled
    yet); the days after it up to ``filters.last`` were counted live. ``team_ids``: the
    teams the figures cover (None: every team)."""

    filters: Filters
    team_ids: frozenset[int] | None
    computed_at: datetime
    timezone: str
    rolled_through: date | None
    sections: tuple[Section, ...]
    trends: tuple[Trend, ...]
    comments: tuple[Comment, ...] = ()
    improvements: tuple[ImprovementLine, ...] = ()

    def section(self, key: str) -> Section:
        for s in self.sections:
            if s.key == key:
                return s
        raise KeyError(key)

    def figure(self, key: str) -> Figure:
        for s in self.sections:
            for f in s.figures:
                if f.key == key:
                    return f
        raise KeyError(key)

    def trend(self, key: str) -> Trend:
        for t in self.trends:
            if t.key == key:
                return t
        raise KeyError(key)


@dataclass(frozen=True)
class PersonalFigures:
    """An agent's own figures over the period (live, on the cases they own now, the
    decisions they asked for and the improvements they raised)."""

    user_id: int
    filters: Filters
    computed_at: datetime
    figures: tuple[Figure, ...]

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)


ItemKind = Literal["case", "consultation", "decision", "conversation", "improvement"]


@dataclass(frozen=True)
class DrilldownItem:
    """One item behind a figure: a case, or a consultation, decision or rating's case, a
    self-service conversation or an improvement. ``at`` is the moment that put it in the
    figure (opened, answered, resolved, due, rated, ...). ``case`` is set when the item
    is (or belongs to) a case the viewer may read; ``detail`` holds the few facts the list
    shows (a score, a conversation's outcome and topic, an improvement's title)."""

    kind: ItemKind
    id: int
    at: datetime
    case: Case | None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DrilldownPage:
    """A page of the items behind ``metric``, newest first. ``left_out``: how many items
    the figure counts that belong to cases the viewer may not read (given on the first
    page, None on the following ones); they are never listed."""

    metric: str
    items: tuple[DrilldownItem, ...]
    next_cursor: str | None
    left_out: int | None
