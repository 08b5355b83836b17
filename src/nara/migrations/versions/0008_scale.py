"""fast at scale: stored promise warning and check times, indexes over the backlog and
recent windows

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 19:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ACTIVE = "status IN ('new', 'open', 'waiting_on_customer', 'waiting_on_team')"
CHECK = "promise_check_at IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("first_response_warn_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("resolution_warn_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("promise_check_at", sa.DateTime(timezone=True)))
    # Every active case with a promise is looked at once by the next check, which then
    # stores when it next needs to look (a lower bound is always safe).
    op.execute(
        "UPDATE cases SET promise_check_at = opened_at WHERE status IN "
        "('new', 'open', 'waiting_on_customer', 'waiting_on_team') AND "
        "(first_response_due_at IS NOT NULL OR resolution_due_at IS NOT NULL)"
    )
    op.create_index("ix_cases_team_opened", "cases", ["team_id", "opened_at", "id"])
    for name, columns, where in (
        ("ix_cases_active_team", ["team_id", "owner_id"], ACTIVE),
        ("ix_cases_active_owner", ["owner_id"], ACTIVE),
        ("ix_cases_active_opened", ["opened_at"], ACTIVE),
        ("ix_cases_promise_check", ["promise_check_at"], CHECK),
    ):
        op.create_index(
            name,
            "cases",
            columns,
            postgresql_where=sa.text(where),
            sqlite_where=sa.text(where),
        )
    op.create_index("ix_work_sessions_team_started", "work_sessions", ["team_id", "started_at"])
    op.create_table(
        "team_stats",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("mean_handle_seconds", sa.Float(), nullable=False),
        sa.Column("mean_first_reply_seconds", sa.Float(), nullable=False),
        sa.Column("members_known", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_team_stats_team_id_teams"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_team_stats")),
    )
    op.create_index("ix_wait_estimates_made", "wait_estimates", ["made_at"])

    op.create_table(
        "service_results_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("results", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_results_reports")),
    )


def downgrade() -> None:
    op.drop_table("service_results_reports")
    op.drop_table("team_stats")
    op.drop_index("ix_wait_estimates_made", table_name="wait_estimates")
    op.drop_index("ix_work_sessions_team_started", table_name="work_sessions")
    for name in (
        "ix_cases_promise_check",
        "ix_cases_active_opened",
        "ix_cases_active_owner",
        "ix_cases_active_team",
        "ix_cases_team_opened",
    ):
        op.drop_index(name, table_name="cases")
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("promise_check_at")
        batch.drop_column("resolution_warn_at")
        batch.drop_column("first_response_warn_at")
