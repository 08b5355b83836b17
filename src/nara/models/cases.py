"""Cases, their append-only timeline, the case-number counter and idempotency keys."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class StatusCategory(enum.StrEnum):
    open = "open"
    waiting_on_customer = "waiting_on_customer"
    waiting_on_team = "waiting_on_team"
    resolved = "resolved"
    closed = "closed"


class CaseStatus(enum.StrEnum):
    new = "new"
    open = "open"
    waiting_on_customer = "waiting_on_customer"
    waiting_on_team = "waiting_on_team"
    resolved = "resolved"
    closed = "closed"


STATUS_CATEGORY: dict[CaseStatus, StatusCategory] = {
    CaseStatus.new: StatusCategory.open,
    CaseStatus.open: StatusCategory.open,
    CaseStatus.waiting_on_customer: StatusCategory.waiting_on_customer,
    CaseStatus.waiting_on_team: StatusCategory.waiting_on_team,
    CaseStatus.resolved: StatusCategory.resolved,
    CaseStatus.closed: StatusCategory.closed,
}


ACTIVE_STATUSES = (
    CaseStatus.new.value,
    CaseStatus.open.value,
    CaseStatus.waiting_on_customer.value,
    CaseStatus.waiting_on_team.value,
)
"""Statuses of a case someone still has to work on (not resolved, not closed)."""


def active_clause() -> ColumnElement[bool]:
    """``Case.status`` is one of :data:`ACTIVE_STATUSES` (see :func:`status_in`)."""
    return status_in(ACTIVE_STATUSES)


def status_in(statuses: Iterable[str]) -> ColumnElement[bool]:
    """``Case.status IN (...)`` with the statuses written into the SQL as literals: a
    prepared (generic) plan can then still prove the predicate of the partial indexes
    over the backlog and use them, which a bound parameter would hide."""
    values = sorted(set(statuses))
    known = {status.value for status in CaseStatus}
    if all(value in known for value in values):
        # Known statuses only (nothing a caller typed): written into the SQL when it is
        # compiled, so the compiled statement is cached with them, not rendered per run.
        return Case.status.in_([literal_column(f"'{value}'") for value in values])
    return Case.status.in_(bindparam(None, values, expanding=True, literal_execute=True))


class Channel(enum.StrEnum):
    web = "web"
    chat = "chat"
    email = "email"
    phone = "phone"


class Priority(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


PRIORITY_RANK = {Priority.low: 0, Priority.normal: 1, Priority.high: 2, Priority.urgent: 3}


ACTIVE_PREDICATE = "status IN ('new', 'open', 'waiting_on_customer', 'waiting_on_team')"
""":data:`ACTIVE_STATUSES` as SQL text: the predicate of the partial indexes over the
backlog. A query uses them when it names the statuses as literals (``active_clause``)."""


KKIK_PREDICATE = "channel IN ('email', 'web')"
"""Written messages, which KKiK's "answered within one working day" is about (the
follow-up's ``KKIK_CHANNELS``)."""
KKIK_MAYBE_LATE_PREDICATE = (
    f"{KKIK_PREDICATE} AND (first_response_at IS NULL"
    " OR first_response_at - opened_at > interval '23 hours')"
)
"""Written messages that can have missed one working day: unanswered, or answered more
than 23 hours after arriving (the shortest working day to answer in is 24 hours less the
hour the clocks move forward). PostgreSQL's partial index of them is used by a query that
repeats this predicate with its literals."""


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_team_status", "team_id", "status"),
        # An owner's cases of a status (the inbox's mine tab counts them, up to its cap).
        Index("ix_cases_owner_status", "owner_id", "status"),
        Index("ix_cases_opened", "opened_at", "id"),
        Index("ix_cases_team_queue", "team_id", "owner_id", "status"),
        Index("ix_cases_team_opened", "team_id", "opened_at", "id"),
        # A topic's cases in a time window: similar cases, contacts per topic and week.
        Index("ix_cases_topic_opened", "topic_id", "opened_at", "id"),
        # The follow-up counts each day's first responses and resolutions (roll-ups and
        # the live day), and a customer's contacts within a week (re-contacts).
        Index("ix_cases_first_response", "first_response_at"),
        Index("ix_cases_resolved", "resolved_at"),
        Index("ix_cases_customer_opened", "customer_id", "opened_at"),
        # The backlog (active cases) is small next to the history; these keep the
        # inbox, the queue and the checks bound to it at any number of cases.
        Index(
            "ix_cases_active_team",
            "team_id",
            "owner_id",
            postgresql_where=text(ACTIVE_PREDICATE),
            sqlite_where=text(ACTIVE_PREDICATE),
        ),
        Index(
            "ix_cases_active_owner",
            "owner_id",
            postgresql_where=text(ACTIVE_PREDICATE),
            sqlite_where=text(ACTIVE_PREDICATE),
        ),
        Index(
            "ix_cases_active_opened",
            "opened_at",
            postgresql_where=text(ACTIVE_PREDICATE),
            sqlite_where=text(ACTIVE_PREDICATE),
        ),
        # The follow-up's drill-downs: a team's resolutions newest first, and the
        # written messages that can have missed KKiK's one working day (docs/metrics.md).
        Index(
            "ix_cases_team_resolved",
            "team_id",
            "resolved_at",
            postgresql_where=text("resolved_at IS NOT NULL"),
            sqlite_where=text("resolved_at IS NOT NULL"),
        ),
        Index(
            "ix_cases_kkik_late",
            "opened_at",
            postgresql_where=text(KKIK_MAYBE_LATE_PREDICATE),
            sqlite_where=text(KKIK_PREDICATE),
        ),
        Index(
            "ix_cases_promise_check",
            "promise_check_at",
            postgresql_where=text("promise_check_at IS NOT NULL"),
            sqlite_where=text("promise_check_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    channel: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Response promise (svarslöfte): the policy's budgets are copied when it applies, so
    # a later policy change does not move the goalposts of an open case.
    promise_policy_id: Mapped[int | None] = mapped_column(
        ForeignKey("response_policies.id", ondelete="SET NULL")
    )
    first_response_budget_min: Mapped[int | None] = mapped_column(Integer)
    resolution_budget_min: Mapped[int | None] = mapped_column(Integer)
    first_response_due_at: Mapped[datetime | None]
    resolution_due_at: Mapped[datetime | None]
    promise_paused_at: Mapped[datetime | None]
    # When each promise enters its warning (less than the warning fraction of its budget
    # left), stored with the due times so that lists show a badge without calendar maths.
    first_response_warn_at: Mapped[datetime | None]
    resolution_warn_at: Mapped[datetime | None]
    # The earliest instant at which the periodic check has something to do for this case
    # (a warning or a breach not yet raised); None when nothing is pending. The check
    # reads only the cases whose time has come (a partial index), never the backlog.
    promise_check_at: Mapped[datetime | None]
    # Promise alerts already raised (each is raised once): "first_response.warning", ...
    promise_alerts: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Routing needed attention, e.g. "no_team_for_topic" (sent to the fallback team).
    routing_flag: Mapped[str | None] = mapped_column(String(32))
    # Ownership that stays: the case's first owner, how often it was handed over to
    # another team or person, and the case a duplicate was merged into.
    first_owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handover_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))

    @property
    def status_category(self) -> StatusCategory:
        return STATUS_CATEGORY[CaseStatus(self.status)]


class CaseEvent(Base):
    """One entry of a case's timeline. Append-only: no code path updates or deletes one."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case", "case_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    is_public: Mapped[bool]
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class CaseNumberCounter(Base):
    """The last case number used per year; incremented atomically by one upsert."""

    __tablename__ = "case_number_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_value: Mapped[int] = mapped_column(Integer)


class IdempotencyKey(Base):
    """Remembers which case a retried ``POST /cases`` with the same key created."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
