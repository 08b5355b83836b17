"""Promises next to their measured results: per team and for all teams together, over a
recent window, how many first-response promises were kept, how long the first human
response took, how far the expected wait shown to customers was from the wait they got,
how often cases were handed over and kept their first owner, and how consultations asked
of a team were answered (docs/service-levels.md)."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy import case as sql_case
from sqlalchemy.orm import InstrumentedAttribute, Session

from nara.models import Case, Consultation, ServiceResultsReport, Team, WaitEstimate


@dataclass(frozen=True)
class Figures:
    """The figures of one team, or of all teams together."""

    with_promise: int  # cases opened in the window with a first-response promise
    kept: int  # answered by the due time
    missed: int  # answered after the due time
    overdue_open: int  # not answered and past the due time now
    median_first_response_minutes: float | None  # wall-clock, answered cases
    estimates: int  # estimates shown whose actual wait is known
    median_estimate_error_pct: float | None  # median |expected - actual| / actual
    cases_opened: int  # every case opened in the window
    handovers: int  # their hand-overs (cases.handover_count), all together
    resolved: int  # of them, those resolved (or closed) by now
    kept_first_owner: int  # resolved with their first owner, never handed over
    consultations_decided: int  # due in the window and answered, or overdue now
    consultations_in_time: int  # of those, answered by their due time
    consultations_answered: int  # due in the window and answered (the median's count)
    consultation_median_answer_minutes: float | None  # wall-clock, asked to first answer

    @property
    def kept_share(self) -> float | None:
        decided = self.kept + self.missed + self.overdue_open
        return self.kept / decided if decided else None

    @property
    def handovers_per_case(self) -> float | None:
        return self.handovers / self.cases_opened if self.cases_opened else None

    @property
    def kept_first_owner_share(self) -> float | None:
        return self.kept_first_owner / self.resolved if self.resolved else None

    @property
    def consultations_answered_in_time_share(self) -> float | None:
        if not self.consultations_decided:
            return None
        return self.consultations_in_time / self.consultations_decided


@dataclass(frozen=True)
class TeamResult(Figures):
    team: Team


KEPT_TARGET = 0.8
"""The share of first-response promises a team aims to keep: the results page draws it as
the target line (the table's meter also marks a share below 80 % as low)."""

REPORT_DAYS = 30
"""The window the periodic job keeps a report for (the results page's and the API's
default)."""
REPORT_FRESH = timedelta(minutes=5)


@dataclass(frozen=True)
class Results:
    teams: list[TeamResult]
    overall: Figures  # all teams together
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
            stored = _from_report(session, report.results)
            if stored is not None:
                return Results(*stored, computed_at=report.computed_at)
    teams, overall = count_results(session, now=now, days=days)
    return Results(teams, overall, now)


RESULT_FIELDS = (
    "with_promise",
    "kept",
    "missed",
    "overdue_open",
    "median_first_response_minutes",
    "estimates",
    "median_estimate_error_pct",
    "cases_opened",
    "handovers",
    "resolved",
    "kept_first_owner",
    "consultations_decided",
    "consultations_in_time",
    "consultations_answered",
    "consultation_median_answer_minutes",
)
NOTHING = Figures(0, 0, 0, 0, None, 0, None, 0, 0, 0, 0, 0, 0, 0, None)


def _stored(figures: Figures) -> dict[str, Any]:
    return {name: getattr(figures, name) for name in RESULT_FIELDS}


def report_rows(results: list[TeamResult], overall: Figures) -> list[dict[str, Any]]:
    """The figures as stored in a report: one row per team id, and all teams together
    as the row with team id None."""
    rows = [{"team_id": r.team.id, **_stored(r)} for r in results]
    return [*rows, {"team_id": None, **_stored(overall)}]


def _from_report(
    session: Session, rows: list[dict[str, Any]]
) -> tuple[list[TeamResult], Figures] | None:
    """The stored figures; None when the report lacks some (written before they were
    counted), so that they are counted now instead."""
    if not rows or any(name not in row for row in rows for name in RESULT_FIELDS):
        return None
    stored = {row["team_id"]: row for row in rows}
    if None not in stored:
        return None
    out = []
    for team in session.scalars(select(Team).order_by(Team.name_sv)):
        row = stored.get(team.id)
        values = _stored(NOTHING) if row is None else row  # a team created since
        out.append(TeamResult(team=team, **{name: values[name] for name in RESULT_FIELDS}))
    overall = stored[None]
    return out, Figures(**{name: overall[name] for name in RESULT_FIELDS})


def service_results(session: Session, *, now: datetime, days: int = 30) -> list[TeamResult]:
    """Per team (see :func:`count_results`)."""
    return count_results(session, now=now, days=days)[0]


def count_results(
    session: Session, *, now: datetime, days: int = 30
) -> tuple[list[TeamResult], Figures]:
    """Per team and for all teams together, counted in the database over the window (an
    index range on ``opened_at`` and on ``wait_estimates.made_at``): one grouped query
    for the cases, one for the consultations, one median per measure
    (``percentile_cont`` with ``ROLLUP`` on PostgreSQL; SQLite, which has neither, gets
    the values of the window to take the medians in Python)."""
    since = now - timedelta(days=days)
    teams = list(session.scalars(select(Team).order_by(Team.name_sv)))
    counts = _case_counts(session, since, now)
    consulted = _consultation_counts(session, since, now)
    promise = and_(Case.opened_at >= since, Case.first_response_budget_min.is_not(None))
    first_response = _medians(
        session,
        select(Case.team_id, Case.opened_at, Case.first_response_at).where(
            promise, Case.first_response_at.is_not(None)
        ),
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
    answers = _medians(
        session,
        select(Consultation.team_id, Consultation.asked_at, Consultation.first_answered_at).where(
            Consultation.due_at >= since, Consultation.first_answered_at.is_not(None)
        ),
        lambda asked, answered: (answered - asked).total_seconds() / 60,
        func.extract("epoch", Consultation.first_answered_at - Consultation.asked_at) / 60,
    )

    def figures(team_id: int | None, case_row: Any, consult_row: Any) -> dict[str, Any]:
        error = errors.get(team_id)
        answer = answers.get(team_id)
        return {
            "with_promise": case_row.with_promise if case_row else 0,
            "kept": case_row.kept if case_row else 0,
            "missed": (case_row.answered - case_row.kept) if case_row else 0,
            "overdue_open": case_row.overdue if case_row else 0,
            "median_first_response_minutes": (
                first_response[team_id][0] if team_id in first_response else None
            ),
            "estimates": error[1] if error else 0,
            "median_estimate_error_pct": 100 * error[0] if error else None,
            "cases_opened": case_row.opened if case_row else 0,
            "handovers": int(case_row.handovers or 0) if case_row else 0,
            "resolved": case_row.resolved if case_row else 0,
            "kept_first_owner": case_row.kept_first_owner if case_row else 0,
            "consultations_decided": consult_row.decided if consult_row else 0,
            "consultations_in_time": consult_row.in_time if consult_row else 0,
            "consultations_answered": answer[1] if answer else 0,
            "consultation_median_answer_minutes": answer[0] if answer else None,
        }

    results = [
        TeamResult(team=team, **figures(team.id, counts.get(team.id), consulted.get(team.id)))
        for team in teams
    ]
    overall = figures(None, None, None)
    for name in SUMMED:
        overall[name] = sum(getattr(r, name) for r in results)
    overall["missed"] = sum(r.missed for r in results)
    return results, Figures(**overall)


SUMMED = (
    "with_promise",
    "kept",
    "overdue_open",
    "cases_opened",
    "handovers",
    "resolved",
    "kept_first_owner",
    "consultations_decided",
    "consultations_in_time",
)
"""The counts of all teams together are the sums of the teams' (each case and each
consultation counts for exactly one team); the medians are taken over all values."""


def _case_counts(session: Session, since: datetime, now: datetime) -> dict[int, Any]:
    """Per team, over the cases opened since ``since``: the promises, the hand-overs and
    whether resolved cases kept their first owner, in one grouped query."""
    promise = Case.first_response_budget_min.is_not(None)
    answered = and_(promise, Case.first_response_at.is_not(None))
    kept = and_(
        answered,
        or_(
            Case.first_response_due_at.is_(None),
            Case.first_response_at <= Case.first_response_due_at,
        ),
    )
    overdue = and_(
        promise,
        Case.first_response_at.is_(None),
        Case.first_response_due_at.is_not(None),
        Case.first_response_due_at < now,
    )
    resolved = Case.resolved_at.is_not(None)
    kept_owner = and_(
        resolved,
        Case.handover_count == 0,
        Case.first_owner_id.is_not(None),
        Case.owner_id == Case.first_owner_id,
    )
    rows = session.execute(
        select(
            Case.team_id,
            func.count().label("opened"),
            func.count(sql_case((promise, 1))).label("with_promise"),
            func.count(sql_case((answered, 1))).label("answered"),
            func.count(sql_case((kept, 1))).label("kept"),
            func.count(sql_case((overdue, 1))).label("overdue"),
            func.sum(Case.handover_count).label("handovers"),
            func.count(sql_case((resolved, 1))).label("resolved"),
            func.count(sql_case((kept_owner, 1))).label("kept_first_owner"),
        )
        .where(Case.opened_at >= since)
        .group_by(Case.team_id)
    )
    return {row.team_id: row for row in rows}


def _consultation_counts(session: Session, since: datetime, now: datetime) -> dict[int, Any]:
    """Per consulted team, over the consultations due since ``since``: those answered or
    overdue now, and those answered by their due time."""
    answered = Consultation.first_answered_at.is_not(None)
    decided = or_(answered, Consultation.due_at < now)
    rows = session.execute(
        select(
            Consultation.team_id,
            func.count(sql_case((decided, 1))).label("decided"),
            func.count(sql_case((Consultation.answered_in_time.is_(True), 1))).label("in_time"),
        )
        .where(Consultation.due_at >= since)
        .group_by(Consultation.team_id)
    )
    return {row.team_id: row for row in rows}


def _medians(
    session: Session,
    rows: Select[Any, Any, Any],
    in_python: Callable[[Any, Any], float],
    in_sql: ColumnElement[Any],
    count_of: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
) -> dict[int | None, tuple[float, int]]:
    """Median and count of a measure per team over ``rows`` (team id and the two values
    the measure is made of), and over all teams together (key None)."""
    if session.get_bind().dialect.name == "postgresql":
        team = rows.selected_columns[0]
        where = rows.whereclause
        stmt = select(
            team,
            func.percentile_cont(0.5).within_group(in_sql),
            func.count(count_of if count_of is not None else team),
        ).group_by(func.rollup(team))
        if where is not None:
            stmt = stmt.where(where)
        return {
            t: (float(median), int(n))
            for t, median, n in session.execute(stmt)
            if median is not None  # the total of no rows at all
        }
    values: dict[int | None, list[float]] = {}
    for team_id, a, b in session.execute(rows):
        value = in_python(a, b)
        values.setdefault(team_id, []).append(value)
        values.setdefault(None, []).append(value)
    return {t: (statistics.median(v), len(v)) for t, v in values.items()}
