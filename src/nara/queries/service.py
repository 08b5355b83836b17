"""Read side of service levels: a team's calendar, the policy for a case, presence,
handling-time statistics and the queue a case waits in."""

from __future__ import annotations

import functools
import math
import statistics
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy import case as sql_case
from sqlalchemy.orm import Session

from nara import reference_cache
from nara.config import get_settings
from nara.models import (
    Case,
    CaseStatus,
    MemberPresence,
    Presence,
    ResponsePolicy,
    Team,
    TeamCalendar,
    TeamMember,
    TeamStats,
    TeamTopic,
    Topic,
    WorkSession,
    status_in,
)
from nara.promises.calendar import WEEKDAYS, BusinessCalendar, Interval

QUEUE_STATUSES = (CaseStatus.new.value, CaseStatus.open.value, CaseStatus.waiting_on_team.value)


PRIORITY_SORT = {"urgent": 0, "high": 1, "normal": 2, "low": 3}


def priority_order() -> ColumnElement[int]:
    """Urgent first: a sort key over ``Case.priority``, its values written into the SQL
    (the pull-order indexes of migration 0023 index this very expression)."""
    return sql_case(
        *(
            (Case.priority == literal_column(f"'{name}'"), literal_column(str(rank), Integer))
            for name, rank in PRIORITY_SORT.items()
        ),
        else_=literal_column("4", Integer),
    )


def due_key() -> ColumnElement[datetime | None]:
    """The due time a case is measured against now: the first response's until there is
    one, then the resolution's; NULL for a case without a promise."""
    return sql_case(
        (Case.first_response_at.is_(None), Case.first_response_due_at),
        else_=Case.resolution_due_at,
    )


def pull_order() -> tuple[ColumnElement[Any], ...]:
    """The order work is taken in (the inbox's backlog tabs, "Next case"): the promise
    due first (cases without one last), then priority, then age. Constants only, so that
    the indexes ``ix_cases_pull_team`` and ``ix_cases_pull_owner`` (migration 0023) give
    a page of it as an index range, however large the backlog."""
    return (due_key().asc().nulls_last(), priority_order(), Case.opened_at.asc(), Case.id.asc())


# A work session longer than this is not handling time (the member did other things,
# or forgot to move on); it is left out of the statistics.
MAX_HANDLE = timedelta(hours=2)
RETURN_HORIZON_HOURS = 4  # members back later than this are not counted on
# Statistics a request computes from history read at most this many of the team's latest
# work sessions (an index range on (team_id, started_at)), whatever the history holds.
RECENT_SESSIONS = 500
FAR_FUTURE = datetime(9000, 1, 1, tzinfo=UTC)  # a sort key for "no promise"


def calendar_from_row(row: TeamCalendar | None) -> BusinessCalendar:
    if row is None:
        return BusinessCalendar()
    hours: list[tuple[Interval, ...]] = []
    for name in WEEKDAYS:
        intervals = row.hours.get(name) or []
        hours.append(tuple((int(a), int(b)) for a, b in intervals))
    return BusinessCalendar(
        timezone=row.timezone,
        hours=tuple(hours),
        holiday_country=row.holiday_country,
        closed_dates=frozenset(date.fromisoformat(d) for d in row.closed_dates),
    )


def calendar_for_team(session: Session, team_id: int) -> BusinessCalendar:
    """The team's calendar, read once per session (a request, a job's batch) and kept in
    it: one request asks once, not once per promise and estimate. Writing a calendar
    forgets the kept one (``forget_calendar``)."""
    kept: dict[int, BusinessCalendar] = session.info.setdefault(CALENDARS, {})
    if team_id not in kept:
        kept[team_id] = reference_cache.cached(
            session,
            reference_cache.CALENDARS,
            ("team", team_id),
            lambda s: calendar_from_row(s.get(TeamCalendar, team_id)),
        )
    return kept[team_id]


CALENDARS = "nara.team_calendars"


def forget_calendar(session: Session, team_id: int) -> None:
    """A calendar is being stored for ``team_id``: read it again next time."""
    session.info.get(CALENDARS, {}).pop(team_id, None)


@functools.cache
def _policies_matching() -> Select[ResponsePolicy]:
    """:func:`matching_policy`'s query, built once (opening a case runs it)."""
    return select(ResponsePolicy).where(
        or_(ResponsePolicy.topic_id.is_(None), ResponsePolicy.topic_id == bindparam("rp_topic")),
        or_(
            ResponsePolicy.priority.is_(None),
            ResponsePolicy.priority == bindparam("rp_priority"),
        ),
        or_(ResponsePolicy.channel.is_(None), ResponsePolicy.channel == bindparam("rp_channel")),
    )


def matching_policy(
    session: Session, *, topic_id: int | None, priority: str, channel: str
) -> ResponsePolicy | None:
    """The most specific policy matching the case: a topic match weighs more than a
    priority match, which weighs more than a channel match; None matches anything."""
    params = {"rp_topic": topic_id, "rp_priority": priority, "rp_channel": channel}
    rows = session.scalars(_policies_matching(), params).all()
    if not rows:
        return None

    def specificity(p: ResponsePolicy) -> tuple[int, int]:
        score = (p.topic_id is not None) * 4 + (p.priority is not None) * 2
        return score + (p.channel is not None), -p.id

    return max(rows, key=specificity)


def presence_of(session: Session, team_id: int, user_id: int) -> Presence:
    status = session.scalar(
        select(MemberPresence.status).where(
            MemberPresence.team_id == team_id, MemberPresence.user_id == user_id
        )
    )
    return Presence(status) if status else Presence.away


def presence_by_team(session: Session, user_id: int) -> dict[int, Presence]:
    rows = session.execute(
        select(MemberPresence.team_id, MemberPresence.status).where(
            MemberPresence.user_id == user_id
        )
    )
    return {team_id: Presence(status) for team_id, status in rows}


def due_sort_key() -> ColumnElement[datetime]:
    """The promise a case is measured against now: the first response until there is
    one, then resolution. Cases without a promise sort last."""
    return func.coalesce(due_key(), FAR_FUTURE)


def queue_clause(team_ids: list[int] | BindParameter[list[int]]) -> ColumnElement[bool]:
    """Cases waiting to be taken: unassigned, active and not waiting on the customer
    (an index range over the backlog, ``ix_cases_active_team``)."""
    return and_(
        Case.team_id.in_(team_ids),
        Case.owner_id.is_(None),
        status_in(QUEUE_STATUSES),
    )


def queue_ahead(session: Session, case: Case) -> int:
    """Waiting cases of the case's team that are taken before it (pull order: promise
    due time, then priority, then age)."""
    key = due_sort_key()
    rank = priority_order()
    # The case's own place in the order, from the object (the same expressions as the
    # SQL keys), so that only the count goes to the database.
    due = case.first_response_due_at if case.first_response_at is None else case.resolution_due_at
    my_due = due or FAR_FUTURE
    my_rank = PRIORITY_SORT.get(case.priority, 4)
    before = or_(
        key < my_due,
        and_(key == my_due, rank < my_rank),
        and_(key == my_due, rank == my_rank, Case.opened_at < case.opened_at),
        and_(key == my_due, rank == my_rank, Case.opened_at == case.opened_at,
             Case.id < case.id),
    )  # fmt: skip
    return (
        session.scalar(
            select(func.count(Case.id)).where(
                queue_clause([case.team_id]), Case.id != case.id, before
            )
        )
        or 0
    )


@dataclass(frozen=True)
class TeamWorkload:
    working_elapsed: list[float | None]  # per available member: seconds on current case
    returning_in: list[float]  # per away/busy member with a return time: seconds until back
    mean_handle_seconds: float
    mean_first_reply_seconds: float
    members_known: int  # members who worked recently (fallback when none available)
    handle_log_sd: float = 0.0  # spread of the handling times (0: not known)


WORKLOADS = "nara.team_workloads"


@contextmanager
def workloads_kept(session: Session) -> Iterator[None]:
    """Within the block, a team's workload at a given moment is read once: opening a case
    asks for it when routing and again for the customer's estimate."""
    session.info[WORKLOADS] = {}
    try:
        yield
    finally:
        session.info.pop(WORKLOADS, None)


def team_workload(session: Session, team_id: int, now: datetime) -> TeamWorkload:
    """The queue's state now (presence, who works on what, who comes back when: always
    live) and the team's recent handling times (the statistics the periodic job keeps
    in ``team_stats``, read live when they are missing or stale)."""
    kept: dict[tuple[int, datetime], TeamWorkload] | None = session.info.get(WORKLOADS)
    if kept is not None and (team_id, now) in kept:
        return kept[(team_id, now)]
    work = _team_workload(session, team_id, now)
    if kept is not None:
        kept[(team_id, now)] = work
    return work


def _team_workload(session: Session, team_id: int, now: datetime) -> TeamWorkload:
    # A member's current case counts whichever team it belongs to: someone busy with
    # another team's case is not free for this one.
    working_since = (
        select(func.max(WorkSession.started_at))
        .where(WorkSession.user_id == MemberPresence.user_id, WorkSession.ended_at.is_(None))
        .correlate(MemberPresence)
        .scalar_subquery()
    )
    rows = session.execute(
        select(MemberPresence.status, MemberPresence.away_until, working_since).where(
            MemberPresence.team_id == team_id
        )
    ).all()
    horizon = now + timedelta(hours=RETURN_HORIZON_HOURS)
    returning = [
        (until - now).total_seconds()
        for status, until, _ in rows
        if status != Presence.available.value and until is not None and now < until <= horizon
    ]
    elapsed: list[float | None] = [
        None if started is None else max(0.0, (now - started).total_seconds())
        for status, _, started in rows
        if status == Presence.available.value
    ]
    history = recent_history(session, team_id, now)
    return TeamWorkload(
        working_elapsed=elapsed,
        returning_in=returning,
        mean_handle_seconds=history.mean_handle_seconds,
        mean_first_reply_seconds=history.mean_first_reply_seconds,
        members_known=history.members_known,
        handle_log_sd=history.handle_log_sd,
    )


@dataclass(frozen=True)
class TeamHistory:
    """A team's recent handling times, as the wait estimator uses them."""

    mean_handle_seconds: float
    mean_first_reply_seconds: float
    members_known: int  # members who worked recently (fallback when none available)
    handle_log_sd: float = 0.0  # standard deviation of log handling times (0: not known)


STATS_FRESH = timedelta(minutes=5)
"""Statistics kept by the periodic job are used while younger than this; older (the job
is not running) they are computed live."""


def recent_history(session: Session, team_id: int, now: datetime) -> TeamHistory:
    """The team's recent handling times: the stored statistics while fresh, else live."""
    return stored_history(session, team_id, now) or team_history(session, team_id, now)


def stored_history(session: Session, team_id: int, now: datetime) -> TeamHistory | None:
    """The statistics the periodic job stored for the team, if fresh."""
    row = session.get(TeamStats, team_id)
    if row is None or not now - STATS_FRESH <= row.computed_at <= now:
        return None
    return TeamHistory(
        row.mean_handle_seconds,
        row.mean_first_reply_seconds,
        row.members_known,
        row.handle_log_sd,
    )


def team_history(session: Session, team_id: int, now: datetime) -> TeamHistory:
    """The team's recent handling times from its latest work sessions (index ranges on
    ``(team_id, ended_at)`` and ``(team_id, started_at)``, bounded, never the history)."""
    settings = get_settings()
    recent = (
        select(WorkSession.started_at, WorkSession.ended_at)
        .where(WorkSession.team_id == team_id, WorkSession.ended_at.is_not(None))
        .where(WorkSession.ended_at >= now - timedelta(days=14))
        .order_by(WorkSession.ended_at.desc())
        .limit(50)
    )
    durations = [
        (ended - started).total_seconds()
        for started, ended in session.execute(recent)
        if ended is not None and started < ended <= started + MAX_HANDLE
    ]
    handle = (
        sum(durations) / len(durations)
        if len(durations) >= 5
        else settings.default_handle_minutes * 60
    )
    first_reply = _mean_first_reply(session, team_id, now)
    if first_reply is None:
        first_reply = min(settings.default_first_reply_minutes * 60, handle)
    latest = (
        select(WorkSession.user_id)
        .where(WorkSession.team_id == team_id, WorkSession.started_at >= now - timedelta(days=7))
        .order_by(WorkSession.started_at.desc())
        .limit(RECENT_SESSIONS)
        .subquery()
    )
    members_known = session.scalar(select(func.count(func.distinct(latest.c.user_id)))) or 0
    return TeamHistory(handle, first_reply, members_known, log_spread(durations))


def log_spread(durations: list[float]) -> float:
    """Standard deviation of the logarithms of handling times (0 with fewer than five)."""
    logs = [math.log(d) for d in durations if d > 0]
    return statistics.stdev(logs) if len(logs) >= 5 else 0.0


def _mean_first_reply(session: Session, team_id: int, now: datetime) -> float | None:
    """Mean time from the first work session on a case to its first response, over the
    team's recent cases (at least five, else None): the cases of the team's latest
    :data:`RECENT_SESSIONS` work sessions, so the cost does not grow with history."""
    latest = (
        select(WorkSession.case_id, WorkSession.started_at)
        .where(WorkSession.team_id == team_id, WorkSession.started_at >= now - timedelta(days=14))
        .order_by(WorkSession.started_at.desc())
        .limit(RECENT_SESSIONS)
        .subquery()
    )
    first_start = (
        select(latest.c.case_id, func.min(latest.c.started_at).label("started"))
        .group_by(latest.c.case_id)
        .subquery()
    )
    rows = session.execute(
        select(first_start.c.started, Case.first_response_at)
        .join(Case, Case.id == first_start.c.case_id)
        .where(Case.first_response_at.is_not(None))
        .order_by(Case.first_response_at.desc())
        .limit(50)
    ).all()
    gaps = [
        (replied - started).total_seconds()
        for started, replied in rows
        if replied is not None and started <= replied <= started + MAX_HANDLE
    ]
    return sum(gaps) / len(gaps) if len(gaps) >= 5 else None


def setup_warnings(session: Session) -> list[str]:
    """What an operator should fix for routing and promises to work as intended."""
    warnings: list[str] = []
    if session.scalar(select(Team.id).where(Team.is_fallback.is_(True))) is None:
        warnings.append(
            "no fallback team: cases of a topic no team handles are refused "
            "(nara team fallback SLUG)"
        )
    orphans = session.scalars(
        select(Topic.slug)
        .where(Topic.is_active.is_(True), ~Topic.id.in_(select(TeamTopic.topic_id)))
        .order_by(Topic.slug)
    ).all()
    if orphans:
        warnings.append(
            f"topics no team handles (they go to the fallback team): {', '.join(orphans)}"
        )
    empty = session.scalars(
        select(Team.slug).where(~Team.id.in_(select(TeamMember.team_id))).order_by(Team.slug)
    ).all()
    if empty:
        warnings.append(f"teams without members: {', '.join(empty)}")
    if session.scalar(select(ResponsePolicy.id).limit(1)) is None:
        warnings.append("no response promises: cases get no due times (see /admin/service)")
    return warnings
