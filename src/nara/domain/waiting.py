"""Expected wait for the customer: estimate (and store) the time to the first human
response of a case when it changes, and fill in the actual wait when it comes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nara.models import Case, ServiceResultsReport, Team, TeamStats, WaitEstimate, active_clause
from nara.promises.calendar import NoOpenHours
from nara.promises.estimator import QueueSnapshot, WaitEstimateResult, expected_wait
from nara.queries.service import (
    TeamWorkload,
    calendar_for_team,
    queue_ahead,
    recent_history,
    team_history,
    team_workload,
)
from nara.queries.service_results import REPORT_DAYS, count_results, report_rows


def snapshot(work: TeamWorkload, ahead: int) -> QueueSnapshot:
    """The estimator's input: a team's workload and the cases ahead."""
    return QueueSnapshot(
        ahead=ahead,
        working_elapsed=work.working_elapsed,
        returning_in=work.returning_in,
        mean_handle_seconds=work.mean_handle_seconds,
        mean_first_reply_seconds=work.mean_first_reply_seconds,
        handle_log_sd=work.handle_log_sd,
        fallback_agents=max(1, work.members_known),
    )


def compute_wait(session: Session, case: Case, now: datetime) -> tuple[WaitEstimateResult, int]:
    if case.owner_id is not None:
        # Someone has the case: only their time to the first reply is left (the team's
        # recent handling times; who else is present does not matter). Like any first
        # reply once a case is taken, it runs on past closing time.
        history = recent_history(session, case.team_id, now)
        reply = history.mean_first_reply_seconds
        return WaitEstimateResult(reply, "owner", 1, reply_seconds=reply), 0
    work = team_workload(session, case.team_id, now)
    ahead = queue_ahead(session, case)
    return expected_wait(snapshot(work, ahead)), ahead


def estimate_wait(
    session: Session, case: Case, *, now: datetime, context: str
) -> WaitEstimate | None:
    """Store (and return) the estimate the customer is shown from now on, for a case
    still waiting for its first human response. Made where the wait changes: the case is
    opened (``opened``), moved to another team (``moved``), or taken or handed back
    (``assigned``); pages and the API only read the latest one, so a GET never writes.
    None when the case already has its first response (or the team has no open hours)."""
    estimate = new_estimate(session, case, now=now, context=context)
    if estimate is not None:
        session.add(estimate)
        session.flush()
    return estimate


def new_estimate(
    session: Session, case: Case, *, now: datetime, context: str
) -> WaitEstimate | None:
    """The estimate :func:`estimate_wait` stores, made but not added to the session."""
    if case.first_response_at is not None:
        return None
    result, ahead = compute_wait(session, case, now)
    cal = calendar_for_team(session, case.team_id)
    try:
        # The wait until a member takes the case counts open hours only; the first reply
        # follows from there, also past closing (a member finishes what they took).
        start = max(0.0, result.seconds - result.reply_seconds)
        taken_at = cal.add_business_seconds(now, start)
    except NoOpenHours:
        return None
    expected_at = taken_at + timedelta(seconds=result.reply_seconds)
    return WaitEstimate(
        case_id=case.id,
        team_id=case.team_id,
        made_at=now,
        expected_seconds=(expected_at - now).total_seconds(),
        expected_at=expected_at,
        queue_ahead=ahead,
        agents_available=result.agents if result.basis != "no_agents" else 0,
        basis=result.basis,
        context=context,
        actual_seconds=None,
    )


def record_first_response(session: Session, case: Case, at: datetime) -> None:
    """The first human response came: store the actual wait on every estimate."""
    for estimate in session.scalars(
        select(WaitEstimate).where(
            WaitEstimate.case_id == case.id, WaitEstimate.actual_seconds.is_(None)
        )
    ):
        estimate.actual_seconds = max(0.0, (at - estimate.made_at).total_seconds())
    session.flush()


def refresh_team_stats(*, session: Session, now: datetime) -> int:
    """Store every team's recent handling times (``team_stats``), which opening a case
    then reads as one row (the periodic job, before it refreshes passed estimates).
    Returns the number of teams."""
    teams = list(session.scalars(select(Team.id)))
    for team_id in teams:
        history = team_history(session, team_id, now)
        row = session.get(TeamStats, team_id)
        if row is None:
            row = TeamStats(team_id=team_id)
            session.add(row)
        row.mean_handle_seconds = history.mean_handle_seconds
        row.mean_first_reply_seconds = history.mean_first_reply_seconds
        row.members_known = history.members_known
        row.handle_log_sd = history.handle_log_sd
        row.computed_at = now
    session.flush()
    return len(teams)


def store_service_results(*, session: Session, now: datetime) -> int:
    """Count the results page's figures once (the periodic job) and keep them as the
    only report of their window. Returns the number of teams."""
    results, overall = count_results(session, now=now, days=REPORT_DAYS)
    session.execute(delete(ServiceResultsReport).where(ServiceResultsReport.days == REPORT_DAYS))
    session.add(
        ServiceResultsReport(
            computed_at=now, days=REPORT_DAYS, results=report_rows(results, overall)
        )
    )
    session.flush()
    return len(results)


REFRESH_BATCH = 200


def refresh_passed_estimates(
    *, session: Session, now: datetime, after_id: int, limit: int = REFRESH_BATCH
) -> tuple[int, int | None]:
    """A customer still waiting after the time they were shown gets a new expected time
    (the periodic job, in batches like the promise check: cases in id order, locked with
    SKIP LOCKED). Returns how many were re-estimated and the id to continue after."""
    latest_expected = (
        select(WaitEstimate.expected_at)
        .where(WaitEstimate.case_id == Case.id)
        .order_by(WaitEstimate.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    cases = session.scalars(
        select(Case)
        .where(
            Case.id > after_id,
            active_clause(),
            Case.first_response_at.is_(None),
            latest_expected < now,
        )
        .order_by(Case.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    refreshed = sum(
        1 for case in cases if estimate_wait(session, case, now=now, context="refreshed")
    )
    return refreshed, (cases[-1].id if len(cases) == limit else None)
