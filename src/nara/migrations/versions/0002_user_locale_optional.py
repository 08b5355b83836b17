"""let users leave their language unchosen

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 16:07:45.758462
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("locale", existing_type=sa.VARCHAR(length=8), nullable=True)


def downgrade() -> None:
    op.execute("UPDATE users SET locale = 'sv' WHERE locale IS NULL")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("locale", existing_type=sa.VARCHAR(length=8), nullable=False)
