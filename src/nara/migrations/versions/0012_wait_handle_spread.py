"""expected wait: the spread of a team's handling times in team_stats

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 02:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("team_stats") as batch:
        batch.add_column(sa.Column("handle_log_sd", sa.Float(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("team_stats") as batch:
        batch.drop_column("handle_log_sd")
