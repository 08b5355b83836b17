"""reference versions: a token for the mandate rules and decision types, which the case
page reads for every case and which change a few times a year

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 22:00:00
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

KIND = "mandates"  # nara.reference_cache.MANDATES


def upgrade() -> None:
    table = sa.table("reference_versions", sa.column("kind", sa.String), sa.column("token"))
    op.bulk_insert(table, [{"kind": KIND, "token": secrets.randbits(62)}])


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM reference_versions WHERE kind = :kind").bindparams(kind=KIND))
