"""Read side of the service-level settings, shared by the API and the pages: presence,
response policies, routing links and a team's calendar as shown and edited."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from nara.models import MemberPresence, ResponsePolicy, Team, TeamCalendar, TeamTopic, Topic, User
from nara.promises.calendar import WEEKDAYS, format_hours
from nara.queries.service import calendar_from_row

DEFAULT_SLOT_MINUTES = 15
DEFAULT_CAPACITY = 1


def presence_rows(session: Session, user_id: int) -> dict[int, MemberPresence]:
    """A member's presence rows by team (a team without a row means away)."""
    rows = session.scalars(select(MemberPresence).where(MemberPresence.user_id == user_id))
    return {row.team_id: row for row in rows}


@functools.cache
def _with_presence() -> Select[Team, MemberPresence]:
    """:func:`teams_with_presence`' query, built once (every inbox page runs it)."""
    return (
        select(Team, MemberPresence)
        .outerjoin(
            MemberPresence,
            and_(
                MemberPresence.team_id == Team.id,
                MemberPresence.user_id == bindparam("tp_user"),
            ),
        )
        .where(Team.id.in_(bindparam("tp_teams", expanding=True)))
        .order_by(Team.name_sv)
    )


def teams_with_presence(
    session: Session, user_id: int, team_ids: list[int]
) -> tuple[list[Team], dict[int, MemberPresence]]:
    """A member's teams (by name) and their presence in each, in one query."""
    rows = session.execute(_with_presence(), {"tp_user": user_id, "tp_teams": team_ids}).all()
    return [team for team, _ in rows], {p.team_id: p for _, p in rows if p is not None}


def team_presence(session: Session, team_id: int) -> list[tuple[User, MemberPresence]]:
    rows = session.execute(
        select(User, MemberPresence)
        .join(MemberPresence, MemberPresence.user_id == User.id)
        .where(MemberPresence.team_id == team_id)
        .order_by(User.display_name)
    )
    return [(user, presence) for user, presence in rows]


def policies(session: Session) -> list[ResponsePolicy]:
    """Response policies, the organisation-wide ones first."""
    return list(
        session.scalars(
            select(ResponsePolicy).order_by(
                ResponsePolicy.topic_id.is_not(None),
                ResponsePolicy.topic_id,
                ResponsePolicy.priority,
                ResponsePolicy.channel,
                ResponsePolicy.id,
            )
        )
    )


def routing_links(session: Session, topic_id: int | None = None) -> list[TeamTopic]:
    """Team-topic links in routing order (one topic, or all)."""
    stmt = select(TeamTopic).order_by(TeamTopic.topic_id, TeamTopic.rank, TeamTopic.team_id)
    if topic_id is not None:
        stmt = stmt.where(TeamTopic.topic_id == topic_id)
    return list(session.scalars(stmt))


def teams_by_id(session: Session, ids: list[int] | None = None) -> dict[int, Team]:
    stmt = select(Team).order_by(Team.name_sv)
    if ids is not None:
        stmt = stmt.where(Team.id.in_(ids))
    return {team.id: team for team in session.scalars(stmt)}


def topics_by_id(session: Session) -> dict[int, Topic]:
    return {t.id: t for t in session.scalars(select(Topic).order_by(Topic.name_sv))}


@dataclass(frozen=True)
class CalendarView:
    team_id: int
    hours: dict[str, str]  # "mon" -> "08:00-12:00, 13:00-17:00"
    timezone: str
    holiday_country: str | None
    closed_dates: list[str]
    callback_slot_minutes: int
    callback_capacity: int
    is_default: bool


def calendar_view(session: Session, team_id: int) -> CalendarView:
    row = session.get(TeamCalendar, team_id)
    cal = calendar_from_row(row)
    return CalendarView(
        team_id=team_id,
        hours={day: format_hours(cal.hours[i]) for i, day in enumerate(WEEKDAYS)},
        timezone=cal.timezone,
        holiday_country=cal.holiday_country,
        closed_dates=sorted(d.isoformat() for d in cal.closed_dates),
        callback_slot_minutes=row.callback_slot_minutes if row else DEFAULT_SLOT_MINUTES,
        callback_capacity=row.callback_capacity if row else DEFAULT_CAPACITY,
        is_default=row is None,
    )
