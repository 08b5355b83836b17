"""Promises next to their measured results: per team, over a recent window, how many
first-response promises were kept, how long the first human response took, and how far
the expected wait shown to customers was from the wait they got."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.models import Case, Team, WaitEstimate


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


def service_results(session: Session, *, now: datetime, days: int = 30) -> list[TeamResult]:
    since = now - timedelta(days=days)
    teams = list(session.scalars(select(Team).order_by(Team.name_sv)))
    cases = session.execute(
        select(
            Case.team_id, Case.opened_at, Case.first_response_at, Case.first_response_due_at
        ).where(Case.opened_at >= since, Case.first_response_budget_min.is_not(None))
    ).all()
    estimates = session.execute(
        select(
            WaitEstimate.team_id, WaitEstimate.expected_seconds, WaitEstimate.actual_seconds
        ).where(WaitEstimate.made_at >= since, WaitEstimate.actual_seconds > 0)
    ).all()
    results = []
    for team in teams:
        mine = [c for c in cases if c.team_id == team.id]
        answered = [c for c in mine if c.first_response_at is not None]
        kept = sum(1 for c in answered if c.first_response_due_at is None
                   or c.first_response_at <= c.first_response_due_at)  # fmt: skip
        overdue = sum(
            1
            for c in mine
            if c.first_response_at is None
            and c.first_response_due_at is not None
            and c.first_response_due_at < now
        )
        waits = [(c.first_response_at - c.opened_at).total_seconds() / 60 for c in answered]
        errors = [abs(e - a) / a for t, e, a in estimates if t == team.id and a]
        results.append(
            TeamResult(
                team=team,
                with_promise=len(mine),
                kept=kept,
                missed=len(answered) - kept,
                overdue_open=overdue,
                median_first_response_minutes=statistics.median(waits) if waits else None,
                estimates=len(errors),
                median_estimate_error_pct=100 * statistics.median(errors) if errors else None,
            )
        )
    return results
