"""Callbacks: bookable slots from a team's capacity calendar, and the bookings."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class CallbackStatus(enum.StrEnum):
    booked = "booked"
    cancelled = "cancelled"
    reached = "reached"
    not_reached = "not_reached"


class CallbackSlot(Base):
    """One bookable time of one team. ``booked`` never exceeds ``capacity``: a booking
    increments it with a conditional UPDATE, and a CHECK constraint backs that up."""

    __tablename__ = "callback_slots"
    __table_args__ = (
        UniqueConstraint("team_id", "starts_at"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        Index("ix_callbacks_case", "case_id"),
        Index("ix_callbacks_team_status", "team_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("callback_slots.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    phone: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16))
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
