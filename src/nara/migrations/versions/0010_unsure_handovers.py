"""hand-overs that reach the right people: the team that receives unsure self-service
hand-overs, and agents' topic corrections kept as training examples

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 02:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("receives_unsure", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("training_examples", schema=None) as batch_op:
        batch_op.add_column(sa.Column("conversation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_training_examples_conversation_id_conversations"),
            "conversations",
            ["conversation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_training_examples_conversation_id"), ["conversation_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("training_examples", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_training_examples_conversation_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_training_examples_conversation_id_conversations"), type_="foreignkey"
        )
        batch_op.drop_column("conversation_id")

    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("receives_unsure")
