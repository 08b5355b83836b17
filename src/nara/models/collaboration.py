"""Working together on one case: consultations (samråd) of other teams, who took part
in a case (and so keeps reading it), related and merged cases, and staff notifications.

A case keeps one owning team and one owner; other teams are consulted inside it
(principle 2 of DESIGN.md). ``docs/access.md`` says what each of these grants."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class ConsultationStatus(enum.StrEnum):
    open = "open"  # asked, waiting for the consulted team's answer
    answered = "answered"  # answered; the owner reads it and closes (or follows up)
    closed = "closed"  # done; the consulted team keeps read access to the case


OPEN_CONSULTATION = "status = 'open'"


class Consultation(Base):
    """A question from a case's owning team to another team (or a named member of it),
    with a due time in business hours of the consulted team's calendar."""

    __tablename__ = "consultations"
    __table_args__ = (
        Index("ix_consultations_case", "case_id", "id"),
        Index("ix_consultations_team_status", "team_id", "status", "due_at"),
        Index("ix_consultations_asked_by", "asked_by_id", "status"),
        # The follow-up counts the consultations due each day.
        Index("ix_consultations_due", "due_at"),
        # The periodic check reads only open consultations whose next alert is due.
        Index(
            "ix_consultations_check",
            "check_at",
            postgresql_where=text("check_at IS NOT NULL"),
            sqlite_where=text("check_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    asking_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    question: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ConsultationStatus.open.value)
    asked_at: Mapped[datetime]
    due_at: Mapped[datetime]
    warn_at: Mapped[datetime | None]
    # When the periodic check next has something to do (the warning, then the overdue
    # event); None when nothing is pending (answered, closed, or both alerts raised).
    check_at: Mapped[datetime | None]
    alerts: Mapped[list[str]] = mapped_column(JSON, default=list)  # "warning", "overdue"
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None]
    # Answered by its due time (first answer; a follow-up keeps the first verdict).
    answered_in_time: Mapped[bool | None]
    first_answered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    follow_ups: Mapped[int] = mapped_column(default=0, server_default="0")


class CaseParticipant(Base):
    """A team or a person that took part in a case without owning it (a consulted team,
    an earlier owner): they keep read access to that case, nothing more."""

    __tablename__ = "case_participants"
    __table_args__ = (
        Index("ix_case_participants_team", "team_id", "case_id"),
        Index("ix_case_participants_user", "user_id", "case_id"),
        Index("ix_case_participants_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))  # "consulted", "earlier_owner"
    created_at: Mapped[datetime]


class CaseLinkKind(enum.StrEnum):
    related = "related"


class CaseLink(Base):
    """Two cases that belong together ("related to"); stored once, from the lower id."""

    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_id", "other_case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    other_case_id: Mapped[int] = mapped_column(
        ForeignKey("cases.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16), default=CaseLinkKind.related.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class Notification(Base):
    """Something a staff member should look at, stored so every app process sees it."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user", "user_id", "id"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # consultation.asked, consultation.answered, consultation.overdue, case.handed_over,
    # note.mention, ...
    kind: Mapped[str] = mapped_column(String(48))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE")
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
