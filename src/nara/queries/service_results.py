"""Promises next to their measured results: per team, over a recent window, how many
first-response promises were kept, how long the first human response took, and how far
the expected wait shown to customers was from the wait they got."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import InstrumentedAttribute, Session

from nara.models import Case, ServiceResultsReport, Team, WaitEstimate


@dataclass(frozen=True)
class TeamResult:
    team: Team
    with_promise: int  # cases opened in the window with a first-response promise
    kept: int  # answered by the due time
    missed: int  # answered after the due time
    overdue_open: int  # not answered and past the due time now
    median_first_response_minutes: float | None  # wall-clock, answered cases
    estimates: int  # estimates shown whose actual wait is known
    median_estimate_error_pct: float | None  # median |expected - actual| / actual

    @property
    def kept_share(self) -> float | None:
        decided = self.kept + self.missed + self.overdue_open
        return self.kept / decided if decided else None


REPORT_DAYS = 30
"""The window the periodic job keeps a report for (the results page's and the API's
default)."""
REPORT_FRESH = timedelta(minutes=5)


@dataclass(frozen=True)
class Results:
    teams: list[TeamResult]
    computed_at: datetime  # when the figures were counted (now, or the stored report's)


def current_results(session: Session, *, now: datetime, days: int = REPORT_DAYS) -> Results:
    """The figures of the last ``days`` days: the periodic job's report when it is for
    this window and fresh, else counted now (a GET never writes)."""
    if days == REPORT_DAYS:
        report = session.scalar(
            select(ServiceResultsReport)
            .where(ServiceResultsReport.days == days)
            .order_by(ServiceResultsReport.computed_at.desc())
            .limit(1)
        )
        if report is not None and now - REPORT_FRESH <= report.computed_at <= now:
            return Results(_from_report(session, report.results), report.computed_at)
    return Results(service_results(session, now=now, days=days), now)


RESULT_FIELDS = (
    "with_promise",
    "kept",
    "missed",
    "overdue_open",
    "median_first_response_minutes",
    "estimates",
    "median_estimate_error_pct",
)


def report_rows(results: list[TeamResult]) -> list[dict[str, Any]]:
    """The figures as stored in a report (by team id)."""
    return [
        {"team_id": r.team.id, **{name: getattr(r, name) for name in RESULT_FIELDS}}
        for r in results
    ]


def _from_report(session: Session, rows: list[dict[str, Any]]) -> list[TeamResult]:
    stored = {int(row["team_id"]): row for row in rows}
    out = []
    for team in session.scalars(select(Team).order_by(Team.name_sv)):
        row = stored.get(team.id)
        if row is None:  # a team created since: nothing counted yet
            out.append(TeamResult(team, 0, 0, 0, 0, None, 0, None))
        else:
            out.append(TeamResult(team, **{name: row[name] for name in RESULT_FIELDS}))
    return out


def service_results(session: Session, *, now: datetime, days: int = 30) -> list[TeamResult]:
    """Per team, counted in the database over the window (an index range on
    ``opened_at`` and on ``wait_estimates.made_at``): one grouped query for the
    promises, one median per measure (``percentile_cont`` on PostgreSQL; SQLite, which
    has none, gets the values of the window to take the median in Python)."""
    since = now - timedelta(days=days)
    teams = list(session.scalars(select(Team).order_by(Team.name_sv)))
    window = and_(Case.opened_at >= since, Case.first_response_budget_min.is_not(None))
    answered = Case.first_response_at.is_not(None)
    kept = and_(
        answered,
        or_(
            Case.first_response_due_at.is_(None),
            Case.first_response_at <= Case.first_response_due_at,
        ),
    )
    overdue = and_(
        Case.first_response_at.is_(None),
        Case.first_response_due_at.is_not(None),
        Case.first_response_due_at < now,
    )
    counts = {
        row.team_id: row
        for row in session.execute(
            select(
                Case.team_id,
                func.count().label("with_promise"),
                func.count(sql_case((answered, 1))).label("answered"),
                func.count(sql_case((kept, 1))).label("kept"),
                func.count(sql_case((overdue, 1))).label("overdue"),
            )
            .where(window)
            .group_by(Case.team_id)
        )
    }
    first_response = _medians(
        session,
        select(Case.team_id, Case.opened_at, Case.first_response_at).where(window, answered),
        lambda opened, replied: (replied - opened).total_seconds() / 60,
        func.extract("epoch", Case.first_response_at - Case.opened_at) / 60,
    )
    estimate_window = and_(WaitEstimate.made_at >= since, WaitEstimate.actual_seconds > 0)
    errors = _medians(
        session,
        select(
            WaitEstimate.team_id, WaitEstimate.expected_seconds, WaitEstimate.actual_seconds
        ).where(estimate_window),
        lambda expected, actual: abs(expected - actual) / actual,
        func.abs(WaitEstimate.expected_seconds - WaitEstimate.actual_seconds)
        / WaitEstimate.actual_seconds,
        count_of=WaitEstimate.id,
    )
    results = []
    for team in teams:
        row = counts.get(team.id)
        error = errors.get(team.id)
        results.append(
            TeamResult(
                team=team,
                with_promise=row.with_promise if row else 0,
                kept=row.kept if row else 0,
                missed=(row.answered - row.kept) if row else 0,
                overdue_open=row.overdue if row else 0,
                median_first_response_minutes=(
                    first_response[team.id][0] if team.id in first_response else None
                ),
                estimates=error[1] if error else 0,
                median_estimate_error_pct=100 * error[0] if error else None,
            )
        )
    return results


def _medians(
    session: Session,
    rows: Select[Any, Any, Any],
    in_python: Callable[[Any, Any], float],
    in_sql: ColumnElement[Any],
    count_of: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
) -> dict[int, tuple[float, int]]:
    """Median and count of a measure per team over ``rows`` (team id and the two values
    the measure is made of)."""
    if session.get_bind().dialect.name == "postgresql":
        team = rows.selected_columns[0]
        where = rows.whereclause
        stmt = select(
            team,
            func.percentile_cont(0.5).within_group(in_sql),
            func.count(count_of if count_of is not None else team),
        ).group_by(team)
        if where is not None:
            stmt = stmt.where(where)
        return {t: (float(median), int(n)) for t, median, n in session.execute(stmt)}
    values: dict[int, list[float]] = {}
    for team_id, a, b in session.execute(rows):
        values.setdefault(team_id, []).append(in_python(a, b))
    return {t: (statistics.median(v), len(v)) for t, v in values.items()}
