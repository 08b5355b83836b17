"""reference versions: a random token per kind of reference data, replaced in the
transaction that changes it, so every process can keep what it read until it changes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 16:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

KINDS = ("directory", "calendars")  # nara.reference_cache.KINDS


def upgrade() -> None:
    table = op.create_table(
        "reference_versions",
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("token", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("kind", name=op.f("pk_reference_versions")),
    )
    op.bulk_insert(table, [{"kind": k, "token": secrets.randbits(62)} for k in KINDS])


def downgrade() -> None:
    op.drop_table("reference_versions")
