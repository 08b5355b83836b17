"""self-service learns from the front line: training examples suggested from hand-overs
and rejected answers, reviewed by a lead before training uses them

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows (demo, import, resolved cases and earlier corrections) were trained
    # on already: they stay accepted examples.
    with op.batch_alter_table("training_examples", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=16), server_default="accepted", nullable=False)
        )
        batch_op.add_column(
            sa.Column("kind", sa.String(length=16), server_default="example", nullable=False)
        )
        batch_op.add_column(sa.Column("not_topic_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("suggested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_training_examples_not_topic_id_topics"),
            "topics",
            ["not_topic_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_training_examples_case_id_cases"),
            "cases",
            ["case_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_training_examples_reviewed_by_id_users"),
            "users",
            ["reviewed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(
            "ix_training_examples_status", ["status", "suggested_at"], unique=False
        )

    # Resolving a case looks up its self-service conversation.
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.create_index("ix_conversations_case_id", ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_case_id")

    with op.batch_alter_table("training_examples", schema=None) as batch_op:
        batch_op.drop_index("ix_training_examples_status")
        batch_op.drop_constraint(
            batch_op.f("fk_training_examples_reviewed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_training_examples_case_id_cases"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_training_examples_not_topic_id_topics"), type_="foreignkey"
        )
        batch_op.drop_column("reviewed_at")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("suggested_at")
        batch_op.drop_column("case_id")
        batch_op.drop_column("not_topic_id")
        batch_op.drop_column("kind")
        batch_op.drop_column("status")
