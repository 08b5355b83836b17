"""customer satisfaction: one rating per resolved case

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "satisfaction_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.SmallInteger(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score BETWEEN 1 AND 5", name=op.f("ck_satisfaction_ratings_score_1_to_5")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_satisfaction_ratings_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_satisfaction_ratings_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_ratings")),
        sa.UniqueConstraint("case_id", name=op.f("uq_satisfaction_ratings_case_id")),
    )
    op.create_index("ix_satisfaction_ratings_created", "satisfaction_ratings", ["created_at", "id"])
    op.create_index(
        op.f("ix_satisfaction_ratings_customer_id"), "satisfaction_ratings", ["customer_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_satisfaction_ratings_customer_id"), table_name="satisfaction_ratings")
    op.drop_index("ix_satisfaction_ratings_created", table_name="satisfaction_ratings")
    op.drop_table("satisfaction_ratings")
