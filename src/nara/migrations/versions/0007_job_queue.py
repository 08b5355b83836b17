"""background jobs: the run log, stored knowledge-gap reports, at most one active
self-service model, and (PostgreSQL) the job queue's schema

Revision ID: 0007
Revises: 0006_audit_log
Create Date: 2026-12-06 17:00:00
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006_audit_log"
branch_labels = None
depends_on = None

PROCRASTINATE_SCHEMA = Path(__file__).parent.parent / "sql" / "procrastinate-3.10.0.sql"
UNFINISHED = sa.text("status IN ('queued', 'running')")
ACTIVE = sa.text("is_active")


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("lock_key", sa.String(length=64), nullable=True),
        sa.Column("args", sa.JSON(), nullable=False),
        sa.Column("tick", sa.BigInteger(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("queue_job_id", sa.BigInteger(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=128), nullable=True),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_job_runs_requested_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
    )
    op.create_index("ix_job_runs_task_queued_at", "job_runs", ["task", "queued_at"])
    op.create_index("ix_job_runs_queued_at", "job_runs", ["queued_at"])
    op.create_index("ix_job_runs_queue_job_id", "job_runs", ["queue_job_id"])
    op.create_index("uq_job_runs_task_tick", "job_runs", ["task", "tick"], unique=True)
    op.create_index(
        "uq_job_runs_lock_key_unfinished",
        "job_runs",
        ["lock_key"],
        unique=True,
        postgresql_where=UNFINISHED,
        sqlite_where=UNFINISHED,
    )
    op.create_table(
        "knowledge_gap_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("questions", sa.Integer(), nullable=False),
        sa.Column("gaps", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_knowledge_gap_reports")),
    )
    op.create_index(
        "ix_knowledge_gap_reports_computed_at", "knowledge_gap_reports", ["computed_at"]
    )
    # Two trainings at once could leave two active models; keep the newest.
    op.execute(
        "UPDATE selfservice_models SET is_active = false WHERE is_active AND id <> "
        "(SELECT max(id) FROM selfservice_models WHERE is_active)"
    )
    op.create_index(
        "uq_selfservice_models_one_active",
        "selfservice_models",
        ["is_active"],
        unique=True,
        postgresql_where=ACTIVE,
        sqlite_where=ACTIVE,
    )
    if op.get_bind().dialect.name == "postgresql":
        # procrastinate 3.10's schema, copied (not read from the installed package, so
        # that this migration always creates the same thing); a later procrastinate
        # comes with a migration that applies its SQL deltas. Through the driver's cursor
        # without parameters, so that the schema's "%" are not taken for placeholders.
        cursor = op.get_bind().connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(PROCRASTINATE_SCHEMA.read_text(encoding="utf-8"))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _drop_procrastinate()
    op.drop_index("uq_selfservice_models_one_active", table_name="selfservice_models")
    op.drop_index("ix_knowledge_gap_reports_computed_at", table_name="knowledge_gap_reports")
    op.drop_table("knowledge_gap_reports")
    op.drop_index("uq_job_runs_lock_key_unfinished", table_name="job_runs")
    op.drop_index("uq_job_runs_task_tick", table_name="job_runs")
    op.drop_index("ix_job_runs_queue_job_id", table_name="job_runs")
    op.drop_index("ix_job_runs_queued_at", table_name="job_runs")
    op.drop_index("ix_job_runs_task_queued_at", table_name="job_runs")
    op.drop_table("job_runs")


def _drop_procrastinate() -> None:
    bind = op.get_bind()
    for (table,) in bind.exec_driver_sql(
        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
        "AND tablename LIKE 'procrastinate%%'"
    ).all():
        op.execute(f'DROP TABLE IF EXISTS "{table}" CASCADE')
    for (signature,) in bind.exec_driver_sql(
        "SELECT p.oid::regprocedure::text FROM pg_proc p "
        "JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate%%'"
    ).all():
        op.execute(f"DROP FUNCTION IF EXISTS {signature} CASCADE")
    for (type_name,) in bind.exec_driver_sql(
        "SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
        "WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate%%' "
        "AND t.typtype IN ('e', 'c')"
    ).all():
        op.execute(f'DROP TYPE IF EXISTS "{type_name}" CASCADE')
