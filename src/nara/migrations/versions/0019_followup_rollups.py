"""follow-up: daily roll-ups per team, topic, channel and priority, and the indexes
that count a day's first responses, resolutions, conversations, consultations, decisions
and delay notices

Revision ID: 0019
Revises: 0017
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0017"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_cases_first_response", "cases", ["first_response_at"]),
    ("ix_cases_resolved", "cases", ["resolved_at"]),
    ("ix_cases_customer_opened", "cases", ["customer_id", "opened_at"]),
    ("ix_conversations_started", "conversations", ["started_at"]),
    ("ix_consultations_due", "consultations", ["due_at"]),
    ("ix_decisions_requested", "decisions", ["requested_at"]),
    ("ix_case_tasks_kind_created", "case_tasks", ["kind", "created_at"]),
)


def upgrade() -> None:
    op.create_table(
        "followup_daily",
        sa.Column("grain", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("topic_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=16), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("opened", sa.Integer(), nullable=False),
        sa.Column("recontact", sa.Integer(), nullable=False),
        sa.Column("handed_over", sa.Integer(), nullable=False),
        sa.Column("handovers", sa.Integer(), nullable=False),
        sa.Column("kkik_received", sa.Integer(), nullable=False),
        sa.Column("kkik_in_time", sa.Integer(), nullable=False),
        sa.Column("kkik_late", sa.Integer(), nullable=False),
        sa.Column("fr_answered", sa.Integer(), nullable=False),
        sa.Column("fr_kept", sa.Integer(), nullable=False),
        sa.Column("fr_missed", sa.Integer(), nullable=False),
        sa.Column("wait_answered", sa.Integer(), nullable=False),
        sa.Column("wait_ms", sa.BigInteger(), nullable=False),
        sa.Column("wait_within_bar", sa.Integer(), nullable=False),
        sa.Column("resolved", sa.Integer(), nullable=False),
        sa.Column("res_kept", sa.Integer(), nullable=False),
        sa.Column("res_missed", sa.Integer(), nullable=False),
        sa.Column("first_contact", sa.Integer(), nullable=False),
        sa.Column("ss_conversations", sa.Integer(), nullable=False),
        sa.Column("ss_answered", sa.Integer(), nullable=False),
        sa.Column("ss_confirmed", sa.Integer(), nullable=False),
        sa.Column("ss_rejected", sa.Integer(), nullable=False),
        sa.Column("ss_handed_over", sa.Integer(), nullable=False),
        sa.Column("ss_recontact", sa.Integer(), nullable=False),
        sa.Column("cons_decided", sa.Integer(), nullable=False),
        sa.Column("cons_in_time", sa.Integer(), nullable=False),
        sa.Column("dec_at_once", sa.Integer(), nullable=False),
        sa.Column("dec_for_approval", sa.Integer(), nullable=False),
        sa.Column("csat_rated", sa.Integer(), nullable=False),
        sa.Column("csat_sum", sa.Integer(), nullable=False),
        sa.Column("csat_1", sa.Integer(), nullable=False),
        sa.Column("csat_2", sa.Integer(), nullable=False),
        sa.Column("csat_3", sa.Integer(), nullable=False),
        sa.Column("csat_4", sa.Integer(), nullable=False),
        sa.Column("csat_5", sa.Integer(), nullable=False),
        sa.Column("delay_due", sa.Integer(), nullable=False),
        sa.Column("delay_on_time", sa.Integer(), nullable=False),
        sa.Column("delay_late", sa.Integer(), nullable=False),
        sa.Column("fr_budget_lo", sa.Integer(), nullable=True),
        sa.Column("fr_budget_hi", sa.Integer(), nullable=True),
        sa.Column("res_budget_lo", sa.Integer(), nullable=True),
        sa.Column("res_budget_hi", sa.Integer(), nullable=True),
        sa.Column("fr_buckets", sa.Text(), nullable=True),
        sa.Column("res_buckets", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "grain",
            "team_id",
            "topic_id",
            "channel",
            "priority",
            "day",
            name=op.f("pk_followup_daily"),
        ),
    )
    op.create_index("ix_followup_daily_day", "followup_daily", ["day"])
    op.create_table(
        "followup_rollup_state",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rolled_from", sa.Date(), nullable=True),
        sa.Column("rolled_through", sa.Date(), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("rolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_rollup_state")),
    )
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    op.create_index(
        "ix_satisfaction_ratings_commented",
        "satisfaction_ratings",
        ["created_at"],
        postgresql_where=sa.text("comment <> ''"),
        sqlite_where=sa.text("comment <> ''"),
    )


def downgrade() -> None:
    op.drop_index("ix_satisfaction_ratings_commented", table_name="satisfaction_ratings")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.drop_table("followup_rollup_state")
    op.drop_index("ix_followup_daily_day", table_name="followup_daily")
    op.drop_table("followup_daily")
