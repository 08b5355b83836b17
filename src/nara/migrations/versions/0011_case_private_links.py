"""private links: an anonymous visitor follows and answers their case without an account

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_private_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_private_links_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"], ["users.id"], name=op.f("fk_case_private_links_revoked_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_private_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_case_private_links_token_hash")),
    )
    with op.batch_alter_table("case_private_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_private_links_case_id"), ["case_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("case_private_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_private_links_case_id"))

    op.drop_table("case_private_links")
