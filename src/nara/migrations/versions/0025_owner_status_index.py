"""cases: the owner's index also by status (replaces the owner's own index), so that a
count of an owner's cases of a status reads index entries only, up to the inbox's cap

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-08 01:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_owner_status", ["owner_id", "status"], unique=False)
        batch_op.drop_index("ix_cases_owner_id")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index("ix_cases_owner_id", ["owner_id"], unique=False)
        batch_op.drop_index("ix_cases_owner_status")
