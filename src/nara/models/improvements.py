"""Improvements (förbättringar): the outer loop of DESIGN.md principle 4. Anyone at the
front line raises a change inward, backed by cases as evidence; an owning team accepts
or declines it; when it is done, its effect on the contacts it was about is measured.

The tables are named in issue 15's design and other modules rely on them: the effect
measurement writes ``improvement_effects``, the similarity search writes suggested rows
of ``improvement_evidence``."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class ImprovementKind(enum.StrEnum):
    fix = "fix"  # remove a cause of contacts
    opportunity = "opportunity"  # something customers would value that we could offer


class ImprovementStatus(enum.StrEnum):
    raised = "raised"
    accepted = "accepted"
    in_progress = "in_progress"
    done = "done"
    declined = "declined"


OPEN_IMPROVEMENT_STATUSES = (
    ImprovementStatus.raised.value,
    ImprovementStatus.accepted.value,
    ImprovementStatus.in_progress.value,
)


class EvidenceStatus(enum.StrEnum):
    suggested = "suggested"
    confirmed = "confirmed"
    rejected = "rejected"


class EvidenceSource(enum.StrEnum):
    raised = "raised"  # the case it was raised from
    manual = "manual"  # linked by a person
    suggested = "suggested"  # suggested by the similarity search
    merged = "merged"  # came with a duplicate merged into it


class FollowerRole(enum.StrEnum):
    reporter = "reporter"
    supporter = "supporter"
    follower = "follower"


class Improvement(Base):
    __tablename__ = "improvements"
    __table_args__ = (
        Index("ix_improvements_status", "status", "id"),
        Index("ix_improvements_owner_team", "owner_team_id", "status"),
        Index("ix_improvements_raised_by", "raised_by_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # What customers experience.
    description: Mapped[str] = mapped_column(Text)
    # The suggested change (may be empty).
    suggestion: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    owner_team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    raised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # The owner's promise when accepting, and the day the change went live.
    target_date: Mapped[date | None] = mapped_column(Date)
    live_at: Mapped[date | None] = mapped_column(Date)
    decline_reason: Mapped[str | None] = mapped_column(Text)
    # A duplicate merged into another improvement keeps its status and points there.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("improvements.id", ondelete="SET NULL")
    )
    # The contact rate counts confirmed evidence plus (when true) every case on its topics.
    count_topic_contacts: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    weeks_before: Mapped[int] = mapped_column(Integer, default=6, server_default="6")
    weeks_after: Mapped[int] = mapped_column(Integer, default=6, server_default="6")


class ImprovementTopic(Base):
    """The topics (the driver) an improvement is about; the first one chose its team."""

    __tablename__ = "improvement_topics"

    improvement_id: Mapped[int] = mapped_column(
        ForeignKey("improvements.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # The order the topics were given in (0 = the first, which chose the owning team).
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ImprovementEvidence(Base):
    """A case as evidence of an improvement: confirmed, or suggested and waiting for a
    person to confirm or reject it."""

    __tablename__ = "improvement_evidence"
    __table_args__ = (
        UniqueConstraint("improvement_id", "case_id"),
        Index("ix_improvement_evidence_case", "case_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvements.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    score: Mapped[float | None] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]


class ImprovementEvent(Base):
    """One entry of an improvement's own timeline (append-only); comments are events of
    type ``improvement.commented``."""

    __tablename__ = "improvement_events"
    __table_args__ = (Index("ix_improvement_events_improvement", "improvement_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvements.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(48))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]


class ImprovementFollower(Base):
    """Who hears about an improvement: the people who raised it (reporters, more than one
    after a merge), those who support it and those who follow it."""

    __tablename__ = "improvement_followers"
    __table_args__ = (Index("ix_improvement_followers_user", "user_id"),)

    improvement_id: Mapped[int] = mapped_column(
        ForeignKey("improvements.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]


class ImprovementEffect(Base):
    """One measurement of an improvement's effect on its contact rate (written by the
    effect measurement; the latest ``measured`` row is the one shown)."""

    __tablename__ = "improvement_effects"
    __table_args__ = (Index("ix_improvement_effects_improvement", "improvement_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    improvement_id: Mapped[int] = mapped_column(ForeignKey("improvements.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(16))  # measured | not_enough_data
    relative_change: Mapped[float | None] = mapped_column(Float)
    ci_low: Mapped[float | None] = mapped_column(Float)
    ci_high: Mapped[float | None] = mapped_column(Float)
    before_rate: Mapped[float | None] = mapped_column(Float)
    after_rate: Mapped[float | None] = mapped_column(Float)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
