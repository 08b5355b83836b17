"""Customer satisfaction (nöjdhet): one answer per resolved case to "How well did we help
you?" on a scale of 1 to 5, with an optional comment. The customer may change it for 7
days after first answering; ``domain/satisfaction.py`` holds the rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class SatisfactionRating(Base):
    __tablename__ = "satisfaction_ratings"
    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score_1_to_5"),
        # The follow-up reads ratings given on a day (roll-ups and the live day).
        Index("ix_satisfaction_ratings_created", "created_at", "id"),
        # The drill-down of one score (the unhappy customers), newest first.
        Index("ix_satisfaction_ratings_score", "score", "created_at"),
        # The follow-up's latest comments: the few ratings with one, newest first.
        Index(
            "ix_satisfaction_ratings_commented",
            "created_at",
            postgresql_where=text("comment <> ''"),
            sqlite_where=text("comment <> ''"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Where the answer came from: "portal", "link" (the signed link e-mail will carry)
    # or "api".
    via: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
