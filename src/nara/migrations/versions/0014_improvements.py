"""improvements: raised from cases, evidence, followers, timeline and measured effects

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 04:45:27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "improvements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("owner_team_id", sa.Integer(), nullable=False),
        sa.Column("raised_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=True),
        sa.Column("live_at", sa.Date(), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.Column("merged_into_id", sa.Integer(), nullable=True),
        sa.Column("count_topic_contacts", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("weeks_before", sa.Integer(), server_default="6", nullable=False),
        sa.Column("weeks_after", sa.Integer(), server_default="6", nullable=False),
        sa.ForeignKeyConstraint(
            ["merged_into_id"],
            ["improvements.id"],
            name=op.f("fk_improvements_merged_into_id_improvements"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_team_id"], ["teams.id"], name=op.f("fk_improvements_owner_team_id_teams")
        ),
        sa.ForeignKeyConstraint(
            ["raised_by_id"],
            ["users.id"],
            name=op.f("fk_improvements_raised_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvements")),
    )
    with op.batch_alter_table("improvements", schema=None) as batch_op:
        batch_op.create_index(
            "ix_improvements_owner_team", ["owner_team_id", "status"], unique=False
        )
        batch_op.create_index("ix_improvements_raised_by", ["raised_by_id"], unique=False)
        batch_op.create_index("ix_improvements_status", ["status", "id"], unique=False)

    op.create_table(
        "improvement_effects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("relative_change", sa.Float(), nullable=True),
        sa.Column("ci_low", sa.Float(), nullable=True),
        sa.Column("ci_high", sa.Float(), nullable=True),
        sa.Column("before_rate", sa.Float(), nullable=True),
        sa.Column("after_rate", sa.Float(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvements.id"],
            name=op.f("fk_improvement_effects_improvement_id_improvements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_effects")),
    )
    with op.batch_alter_table("improvement_effects", schema=None) as batch_op:
        batch_op.create_index(
            "ix_improvement_effects_improvement", ["improvement_id", "id"], unique=False
        )

    op.create_table(
        "improvement_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=48), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_improvement_events_actor_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvements.id"],
            name=op.f("fk_improvement_events_improvement_id_improvements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_events")),
    )
    with op.batch_alter_table("improvement_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_improvement_events_improvement", ["improvement_id", "id"], unique=False
        )

    op.create_table(
        "improvement_followers",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvements.id"],
            name=op.f("fk_improvement_followers_improvement_id_improvements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_improvement_followers_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("improvement_id", "user_id", name=op.f("pk_improvement_followers")),
    )
    with op.batch_alter_table("improvement_followers", schema=None) as batch_op:
        batch_op.create_index("ix_improvement_followers_user", ["user_id"], unique=False)

    op.create_table(
        "improvement_topics",
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvements.id"],
            name=op.f("fk_improvement_topics_improvement_id_improvements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_improvement_topics_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("improvement_id", "topic_id", name=op.f("pk_improvement_topics")),
    )
    with op.batch_alter_table("improvement_topics", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_improvement_topics_topic_id"), ["topic_id"], unique=False
        )

    op.create_table(
        "improvement_evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("improvement_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_improvement_evidence_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_improvement_evidence_decided_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["improvement_id"],
            ["improvements.id"],
            name=op.f("fk_improvement_evidence_improvement_id_improvements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_improvement_evidence")),
        sa.UniqueConstraint(
            "improvement_id", "case_id", name=op.f("uq_improvement_evidence_improvement_id_case_id")
        ),
    )
    with op.batch_alter_table("improvement_evidence", schema=None) as batch_op:
        batch_op.create_index("ix_improvement_evidence_case", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("improvement_evidence", schema=None) as batch_op:
        batch_op.drop_index("ix_improvement_evidence_case")

    op.drop_table("improvement_evidence")
    with op.batch_alter_table("improvement_topics", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_improvement_topics_topic_id"))

    op.drop_table("improvement_topics")
    with op.batch_alter_table("improvement_followers", schema=None) as batch_op:
        batch_op.drop_index("ix_improvement_followers_user")

    op.drop_table("improvement_followers")
    with op.batch_alter_table("improvement_events", schema=None) as batch_op:
        batch_op.drop_index("ix_improvement_events_improvement")

    op.drop_table("improvement_events")
    with op.batch_alter_table("improvement_effects", schema=None) as batch_op:
        batch_op.drop_index("ix_improvement_effects_improvement")

    op.drop_table("improvement_effects")
    with op.batch_alter_table("improvements", schema=None) as batch_op:
        batch_op.drop_index("ix_improvements_status")
        batch_op.drop_index("ix_improvements_raised_by")
        batch_op.drop_index("ix_improvements_owner_team")

    op.drop_table("improvements")
