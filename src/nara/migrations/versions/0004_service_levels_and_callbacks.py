"""routing rules, response promises, team calendars, presence, work sessions, wait
estimates, case tasks and callbacks

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 18:56:58.153109
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "callback_slots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "booked >= 0 AND booked <= capacity",
            name=op.f("ck_callback_slots_booked_within_capacity"),
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_callback_slots_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callback_slots")),
        sa.UniqueConstraint(
            "team_id", "starts_at", name=op.f("uq_callback_slots_team_id_starts_at")
        ),
    )
    op.create_table(
        "member_presence",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("away_until", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_member_presence_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_member_presence_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "user_id", name=op.f("pk_member_presence")),
    )
    with op.batch_alter_table("member_presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_member_presence_user_id"), ["user_id"], unique=False)

    op.create_table(
        "response_policies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=16), nullable=True),
        sa.Column("channel", sa.String(length=16), nullable=True),
        sa.Column("first_response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_response_policies_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_response_policies")),
    )
    with op.batch_alter_table("response_policies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_response_policies_topic_id"), ["topic_id"], unique=False
        )

    op.create_table(
        "team_calendars",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("hours", sa.JSON(), nullable=False),
        sa.Column("holiday_country", sa.String(length=8), nullable=True),
        sa.Column("closed_dates", sa.JSON(), nullable=False),
        sa.Column("callback_slot_minutes", sa.Integer(), nullable=False),
        sa.Column("callback_capacity", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_team_calendars_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_calendars")),
    )
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("booked_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booked_by_id"], ["users.id"], name=op.f("fk_callbacks_booked_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_callbacks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_callbacks_done_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["callback_slots.id"], name=op.f("fk_callbacks_slot_id_callback_slots")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_callbacks_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_callbacks")),
    )
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.create_index("ix_callbacks_case", ["case_id"], unique=False)
        batch_op.create_index("ix_callbacks_team_status", ["team_id", "status"], unique=False)

    op.create_table(
        "case_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_tasks_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["done_by_id"], ["users.id"], name=op.f("fk_case_tasks_done_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_tasks")),
        sa.UniqueConstraint("case_id", "kind", name=op.f("uq_case_tasks_case_id_kind")),
    )
    op.create_table(
        "wait_estimates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expected_seconds", sa.Float(), nullable=False),
        sa.Column("expected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("queue_ahead", sa.Integer(), nullable=False),
        sa.Column("agents_available", sa.Integer(), nullable=False),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("context", sa.String(length=16), nullable=False),
        sa.Column("actual_seconds", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_wait_estimates_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_wait_estimates_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wait_estimates")),
    )
    with op.batch_alter_table("wait_estimates", schema=None) as batch_op:
        batch_op.create_index("ix_wait_estimates_case", ["case_id", "id"], unique=False)

    op.create_table(
        "work_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_work_sessions_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_work_sessions_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_work_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_work_sessions")),
    )
    with op.batch_alter_table("work_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_work_sessions_team_ended", ["team_id", "ended_at"], unique=False)
        batch_op.create_index("ix_work_sessions_user_open", ["user_id", "ended_at"], unique=False)

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("promise_policy_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("first_response_budget_min", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("resolution_budget_min", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("first_response_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("resolution_due_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("promise_paused_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("promise_alerts", sa.JSON(), server_default=sa.text("'[]'"), nullable=False)
        )
        batch_op.add_column(sa.Column("routing_flag", sa.String(length=32), nullable=True))
        batch_op.create_index(
            "ix_cases_team_queue", ["team_id", "owner_id", "status"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_cases_promise_policy_id_response_policies"),
            "response_policies",
            ["promise_policy_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("team_topics", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rank", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("accepts_overflow", sa.Boolean(), server_default=sa.true(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("team_topics", schema=None) as batch_op:
        batch_op.drop_column("accepts_overflow")
        batch_op.drop_column("rank")

    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_cases_promise_policy_id_response_policies"), type_="foreignkey"
        )
        batch_op.drop_index("ix_cases_team_queue")
        batch_op.drop_column("routing_flag")
        batch_op.drop_column("promise_alerts")
        batch_op.drop_column("promise_paused_at")
        batch_op.drop_column("resolution_due_at")
        batch_op.drop_column("first_response_due_at")
        batch_op.drop_column("resolution_budget_min")
        batch_op.drop_column("first_response_budget_min")
        batch_op.drop_column("promise_policy_id")

    with op.batch_alter_table("work_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_work_sessions_user_open")
        batch_op.drop_index("ix_work_sessions_team_ended")

    op.drop_table("work_sessions")
    with op.batch_alter_table("wait_estimates", schema=None) as batch_op:
        batch_op.drop_index("ix_wait_estimates_case")

    op.drop_table("wait_estimates")
    op.drop_table("case_tasks")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_index("ix_callbacks_team_status")
        batch_op.drop_index("ix_callbacks_case")

    op.drop_table("callbacks")
    op.drop_table("team_calendars")
    with op.batch_alter_table("response_policies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_response_policies_topic_id"))

    op.drop_table("response_policies")
    with op.batch_alter_table("member_presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_presence_user_id"))

    op.drop_table("member_presence")
    op.drop_table("callback_slots")
