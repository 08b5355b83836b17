"""Teams, their members and the topics they handle. Teams form a network by topic:
there is deliberately no parent/child table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, false, true
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_sv: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    is_fallback: Mapped[bool] = mapped_column(Boolean, default=False)
    # The one team (if any) that receives self-service hand-overs the engine was not sure
    # of; without one they go to the fallback team (``routing.front_line_team``).
    receives_unsure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # An inactive team takes no new cases or consultations; its history stays.
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # The consultation promise: business minutes (of this team's calendar) in which the
    # team answers a consultation asked of it, unless the asker sets an earlier time.
    consultation_minutes: Mapped[int] = mapped_column(Integer, default=480, server_default="480")
    created_at: Mapped[datetime]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sv


class TeamMember(Base):
    __tablename__ = "team_members"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime]


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_sv: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_sv


class TeamTopic(Base):
    __tablename__ = "team_topics"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    # Routing rule as data: teams of a topic are tried in rank order (lowest first); a
    # team that does not accept overflow only gets the topic's cases as first choice.
    rank: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    accepts_overflow: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
