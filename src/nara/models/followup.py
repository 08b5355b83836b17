"""The follow-up's daily roll-ups (``docs/metrics.md``): per local day and for every
combination of team, topic, channel and priority, the counts of what happened that day
and the day's response and resolution times as log-spaced buckets.

A row's ``grain`` says which of the four dimensions it is specific to (bits: 8 team,
4 topic, 2 channel, 1 priority); a dimension it is not specific to holds ``ALL`` (0 or
``*``). Grain 0 is the whole organisation, grain 15 one team, topic, channel and
priority. Every filter of the follow-up reads one row per day (or one per team of an
agent's teams), so a year is a few hundred rows whatever the number of cases. Written
only by ``domain/followup_rollups.py``."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Index, Integer, SmallInteger, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base

ALL_IDS = 0
"""``team_id``/``topic_id`` of a row not specific to teams (or topics)."""
NO_ID = -1
"""``topic_id`` of cases without a topic; ``team_id`` of self-service conversations."""
ALL_VALUES = "*"
NO_VALUE = "-"
"""``channel``/``priority`` of self-service conversations (they have neither)."""

GRAIN_TEAM, GRAIN_TOPIC, GRAIN_CHANNEL, GRAIN_PRIORITY = 8, 4, 2, 1

COUNTERS: tuple[str, ...] = (
    # cases opened that day
    "opened",
    "recontact",
    "handed_over",
    "handovers",
    "kkik_received",
    "kkik_in_time",
    "kkik_late",
    # first human responses that day
    "fr_answered",
    "fr_kept",
    "fr_missed",
    "wait_answered",
    "wait_ms",
    "wait_within_bar",
    # cases resolved that day
    "resolved",
    "res_kept",
    "res_missed",
    "first_contact",
    # self-service conversations started that day
    "ss_conversations",
    "ss_answered",
    "ss_confirmed",
    "ss_rejected",
    "ss_handed_over",
    "ss_recontact",
    # consultations due that day
    "cons_decided",
    "cons_in_time",
    # decisions requested that day
    "dec_at_once",
    "dec_for_approval",
    # satisfaction ratings given that day
    "csat_rated",
    "csat_sum",
    "csat_1",
    "csat_2",
    "csat_3",
    "csat_4",
    "csat_5",
    # delay notices (förvaltningslagen 11 §) due that day
    "delay_due",
    "delay_on_time",
    "delay_late",
)
"""Additive counts (sums over rows are the counts over their union)."""
BOUNDS: tuple[str, ...] = ("fr_budget_lo", "fr_budget_hi", "res_budget_lo", "res_budget_hi")
"""The smallest and largest promise (minutes) among the day's counted cases: combined
with min and max."""
BUCKETS: tuple[str, ...] = ("fr_buckets", "res_buckets")
"""Wall-clock minutes to the first human response and to resolution, as
``nara.followup.histogram`` text."""


class FollowupDaily(Base):
    __tablename__ = "followup_daily"
    __table_args__ = (
        Index("ix_followup_daily_day", "day"),
        # The breakdowns by channel and topic sum ``opened`` from the index alone.
        Index(
            "ix_followup_daily_opened",
            "grain",
            "team_id",
            "topic_id",
            "channel",
            "priority",
            "day",
            "opened",
        ),
    )

    grain: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    topic_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    priority: Mapped[str] = mapped_column(String(16), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)

    opened: Mapped[int] = mapped_column(Integer, default=0)
    recontact: Mapped[int] = mapped_column(Integer, default=0)
    handed_over: Mapped[int] = mapped_column(Integer, default=0)
    handovers: Mapped[int] = mapped_column(Integer, default=0)
    kkik_received: Mapped[int] = mapped_column(Integer, default=0)
    kkik_in_time: Mapped[int] = mapped_column(Integer, default=0)
    kkik_late: Mapped[int] = mapped_column(Integer, default=0)
    fr_answered: Mapped[int] = mapped_column(Integer, default=0)
    fr_kept: Mapped[int] = mapped_column(Integer, default=0)
    fr_missed: Mapped[int] = mapped_column(Integer, default=0)
    wait_answered: Mapped[int] = mapped_column(Integer, default=0)
    wait_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    wait_within_bar: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    res_kept: Mapped[int] = mapped_column(Integer, default=0)
    res_missed: Mapped[int] = mapped_column(Integer, default=0)
    first_contact: Mapped[int] = mapped_column(Integer, default=0)
    ss_conversations: Mapped[int] = mapped_column(Integer, default=0)
    ss_answered: Mapped[int] = mapped_column(Integer, default=0)
    ss_confirmed: Mapped[int] = mapped_column(Integer, default=0)
    ss_rejected: Mapped[int] = mapped_column(Integer, default=0)
    ss_handed_over: Mapped[int] = mapped_column(Integer, default=0)
    ss_recontact: Mapped[int] = mapped_column(Integer, default=0)
    cons_decided: Mapped[int] = mapped_column(Integer, default=0)
    cons_in_time: Mapped[int] = mapped_column(Integer, default=0)
    dec_at_once: Mapped[int] = mapped_column(Integer, default=0)
    dec_for_approval: Mapped[int] = mapped_column(Integer, default=0)
    csat_rated: Mapped[int] = mapped_column(Integer, default=0)
    csat_sum: Mapped[int] = mapped_column(Integer, default=0)
    csat_1: Mapped[int] = mapped_column(Integer, default=0)
    csat_2: Mapped[int] = mapped_column(Integer, default=0)
    csat_3: Mapped[int] = mapped_column(Integer, default=0)
    csat_4: Mapped[int] = mapped_column(Integer, default=0)
    csat_5: Mapped[int] = mapped_column(Integer, default=0)
    delay_due: Mapped[int] = mapped_column(Integer, default=0)
    delay_on_time: Mapped[int] = mapped_column(Integer, default=0)
    delay_late: Mapped[int] = mapped_column(Integer, default=0)
    fr_budget_lo: Mapped[int | None] = mapped_column(Integer)
    fr_budget_hi: Mapped[int | None] = mapped_column(Integer)
    res_budget_lo: Mapped[int | None] = mapped_column(Integer)
    res_budget_hi: Mapped[int | None] = mapped_column(Integer)
    fr_buckets: Mapped[str | None] = mapped_column(Text)
    res_buckets: Mapped[str | None] = mapped_column(Text)


class FollowupRollupState(Base):
    """Which local days the roll-ups hold: every day from ``rolled_from`` to
    ``rolled_through`` (both included), counted in ``timezone``. One row (id 1)."""

    __tablename__ = "followup_rollup_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    rolled_from: Mapped[date | None] = mapped_column(Date)
    rolled_through: Mapped[date | None] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64))
    rolled_at: Mapped[datetime]
