"""Service levels: team calendars, response-promise policies, presence and work
sessions, expected-wait estimates and case tasks."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class TeamCalendar(Base):
    """A team's opening hours (minutes after local midnight per weekday), holidays and
    callback capacity. A team without a row uses the default calendar (weekdays
    08:00-17:00 Europe/Stockholm with Swedish holidays)."""

    __tablename__ = "team_calendars"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    timezone: Mapped[str] = mapped_column(String(64))
    hours: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"mon": [[480, 1020]], ...}
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    closed_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    callback_slot_minutes: Mapped[int] = mapped_column(Integer, default=15)
    callback_capacity: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime]


class ResponsePolicy(Base):
    """A response promise: business minutes to the first human response and to
    resolution, for a topic, priority and channel (None matches any). The most specific
    matching policy applies."""

    __tablename__ = "response_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), index=True
    )
    priority: Mapped[str | None] = mapped_column(String(16))
    channel: Mapped[str | None] = mapped_column(String(16))
    first_response_minutes: Mapped[int] = mapped_column(Integer)
    resolution_minutes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Presence(enum.StrEnum):
    available = "available"
    busy = "busy"
    away = "away"


class MemberPresence(Base):
    """A member's presence in one team. No row means away."""

    __tablename__ = "member_presence"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime]
    # "Away until 12:45": when a member on a break expects to be back (optional).
    away_until: Mapped[datetime | None]


class WorkSession(Base):
    """An agent working on a case, from taking it to moving on (next case, away,
    resolved or handed on). Handling times and the wait estimator come from these."""

    __tablename__ = "work_sessions"
    __table_args__ = (
        Index("ix_work_sessions_team_ended", "team_id", "ended_at"),
        Index("ix_work_sessions_team_started", "team_id", "started_at"),
        Index("ix_work_sessions_user_open", "user_id", "ended_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]


class TeamStats(Base):
    """A team's recent handling times as the wait estimator uses them, kept by the
    periodic job (``waits.refresh``) so that opening a case reads one row instead of
    the team's latest work sessions."""

    __tablename__ = "team_stats"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    mean_handle_seconds: Mapped[float] = mapped_column(Float)
    mean_first_reply_seconds: Mapped[float] = mapped_column(Float)
    members_known: Mapped[int] = mapped_column(Integer)
    # spread of the handling times: standard deviation of their logarithms (0: unknown)
    handle_log_sd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    computed_at: Mapped[datetime]


class ServiceResultsReport(Base):
    """Promises next to their results per team over the last ``days`` days, as the
    periodic job computed them (``waits.refresh``, every minute): the results page and
    API read this instead of counting a month of cases on every request."""

    __tablename__ = "service_results_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    computed_at: Mapped[datetime]
    days: Mapped[int] = mapped_column(Integer)
    results: Mapped[list[dict[str, Any]]] = mapped_column(JSON)


class WaitEstimate(Base):
    """An expected time to the first human response, as shown to the customer. The
    actual wait is filled in when the first response comes, to measure the error."""

    __tablename__ = "wait_estimates"
    __table_args__ = (
        Index("ix_wait_estimates_case", "case_id", "id"),
        Index("ix_wait_estimates_made", "made_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    made_at: Mapped[datetime]
    expected_seconds: Mapped[float] = mapped_column(Float)
    expected_at: Mapped[datetime]
    queue_ahead: Mapped[int] = mapped_column(Integer)
    agents_available: Mapped[int] = mapped_column(Integer)
    basis: Mapped[str] = mapped_column(String(32))
    context: Mapped[str] = mapped_column(String(16))
    actual_seconds: Mapped[float | None] = mapped_column(Float)


class CaseTask(Base):
    """Something that must be done on a case, created by a rule (for example the
    delay notice of förvaltningslagen §11 in public-authority mode)."""

    __tablename__ = "case_tasks"
    __table_args__ = (
        UniqueConstraint("case_id", "kind"),
        # The follow-up counts the delay notices due each day.
        Index("ix_case_tasks_kind_created", "kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
