"""case embeddings: a vector per case for similar cases, and a topic-and-time index on cases

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 05:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_embeddings",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_embeddings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_embeddings")),
    )
    # A plain CREATE INDEX (never a batch copy of the cases table).
    op.create_index("ix_cases_topic_opened", "cases", ["topic_id", "opened_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_cases_topic_opened", table_name="cases")
    op.drop_table("case_embeddings")
