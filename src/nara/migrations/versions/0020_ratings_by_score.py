"""satisfaction ratings by score: the follow-up's drill-down of one score (the unhappy
customers) reads them newest first by index, however rare the score

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_satisfaction_ratings_score", "satisfaction_ratings", ["score", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_satisfaction_ratings_score", table_name="satisfaction_ratings")
