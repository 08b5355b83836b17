"""mandates: decision types, versioned mandate rules, ceilings, decisions and approval requests

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 02:26:34.803102
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# NUMERIC(14, 2) on PostgreSQL, an integer of öre on SQLite (nara.models.mandates.Money).
MONEY = sa.Numeric(14, 2).with_variant(sa.BigInteger(), "sqlite")


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "decision_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=64), nullable=False),
        sa.Column("name_sv", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason_required", sa.Boolean(), nullable=False),
        sa.Column("approval_minutes", sa.Integer(), server_default="240", nullable=False),
        sa.Column("is_active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decision_types")),
        sa.UniqueConstraint("slug", name=op.f("uq_decision_types_slug")),
    )
    op.create_table(
        "decision_type_topics",
        sa.Column("decision_type_id", sa.Integer(), nullable=False),
        sa.Column("topic_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_type_id"],
            ["decision_types.id"],
            name=op.f("fk_decision_type_topics_decision_type_id_decision_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["topic_id"],
            ["topics.id"],
            name=op.f("fk_decision_type_topics_topic_id_topics"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "decision_type_id", "topic_id", name=op.f("pk_decision_type_topics")
        ),
    )
    op.create_table(
        "mandate_ceilings",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("decision_type_id", sa.Integer(), nullable=False),
        sa.Column("limit_amount", MONEY, nullable=True),
        sa.Column("limit_days", sa.Integer(), nullable=True),
        sa.Column("customer_limit", MONEY, nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_type_id"],
            ["decision_types.id"],
            name=op.f("fk_mandate_ceilings_decision_type_id_decision_types"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_mandate_ceilings_set_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["teams.id"],
            name=op.f("fk_mandate_ceilings_team_id_teams"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("team_id", "decision_type_id", name=op.f("pk_mandate_ceilings")),
    )
    op.create_table(
        "mandate_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_type_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_type_id"],
            ["decision_types.id"],
            name=op.f("fk_mandate_rules_decision_type_id_decision_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate_rules")),
    )
    with op.batch_alter_table("mandate_rules", schema=None) as batch_op:
        batch_op.create_index("ix_mandate_rules_type", ["decision_type_id"], unique=False)

    op.create_table(
        "mandate_rule_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("holder_kind", sa.String(length=8), nullable=False),
        sa.Column("holder_role", sa.String(length=16), nullable=True),
        sa.Column("holder_team_id", sa.Integer(), nullable=True),
        sa.Column("holder_user_id", sa.Integer(), nullable=True),
        sa.Column("limit_amount", MONEY, nullable=True),
        sa.Column("limit_days", sa.Integer(), nullable=True),
        sa.Column("customer_limit", MONEY, nullable=True),
        sa.Column("window_days", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("why", sa.Text(), nullable=False),
        sa.Column("changed_by_id", sa.Integer(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["changed_by_id"],
            ["users.id"],
            name=op.f("fk_mandate_rule_versions_changed_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_team_id"],
            ["teams.id"],
            name=op.f("fk_mandate_rule_versions_holder_team_id_teams"),
        ),
        sa.ForeignKeyConstraint(
            ["holder_user_id"],
            ["users.id"],
            name=op.f("fk_mandate_rule_versions_holder_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["rule_id"],
            ["mandate_rules.id"],
            name=op.f("fk_mandate_rule_versions_rule_id_mandate_rules"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mandate_rule_versions")),
        sa.UniqueConstraint(
            "rule_id", "version", name=op.f("uq_mandate_rule_versions_rule_id_version")
        ),
    )
    with op.batch_alter_table("mandate_rule_versions", schema=None) as batch_op:
        batch_op.create_index("ix_mandate_rule_versions_team", ["holder_team_id"], unique=False)

    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("decision_type_id", sa.Integer(), nullable=False),
        sa.Column("amount", MONEY, nullable=True),
        sa.Column("days", sa.Integer(), nullable=True),
        sa.Column("value", sa.Boolean(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("rule_version_id", sa.Integer(), nullable=True),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_decisions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_decisions_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_decisions_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_type_id"],
            ["decision_types.id"],
            name=op.f("fk_decisions_decision_type_id_decision_types"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_decisions_requested_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["rule_version_id"],
            ["mandate_rule_versions.id"],
            name=op.f("fk_decisions_rule_version_id_mandate_rule_versions"),
        ),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_decisions_team_id_teams")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_case", ["case_id", "id"], unique=False)
        batch_op.create_index(
            "ix_decisions_customer", ["customer_id", "decision_type_id", "taken_at"], unique=False
        )
        batch_op.create_index(
            "ix_decisions_type_time", ["decision_type_id", "requested_at"], unique=False
        )

    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("holder_rule_version_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("check_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_approval_requests_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_approval_requests_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_approval_requests_decision_id_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["holder_rule_version_id"],
            ["mandate_rule_versions.id"],
            name=op.f("fk_approval_requests_holder_rule_version_id_mandate_rule_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_approval_requests_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.create_index("ix_approval_requests_case", ["case_id"], unique=False)
        batch_op.create_index(
            "ix_approval_requests_check",
            ["check_at"],
            unique=False,
            postgresql_where=sa.text("check_at IS NOT NULL"),
            sqlite_where=sa.text("check_at IS NOT NULL"),
        )
        batch_op.create_index(
            "ix_approval_requests_requester", ["requested_by_id", "status"], unique=False
        )
        batch_op.create_index("ix_approval_requests_status_due", ["status", "due_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_approval_requests_status_due")
        batch_op.drop_index("ix_approval_requests_requester")
        batch_op.drop_index(
            "ix_approval_requests_check",
            postgresql_where=sa.text("check_at IS NOT NULL"),
            sqlite_where=sa.text("check_at IS NOT NULL"),
        )
        batch_op.drop_index("ix_approval_requests_case")

    op.drop_table("approval_requests")
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_type_time")
        batch_op.drop_index("ix_decisions_customer")
        batch_op.drop_index("ix_decisions_case")

    op.drop_table("decisions")
    with op.batch_alter_table("mandate_rule_versions", schema=None) as batch_op:
        batch_op.drop_index("ix_mandate_rule_versions_team")

    op.drop_table("mandate_rule_versions")
    with op.batch_alter_table("mandate_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_mandate_rules_type")

    op.drop_table("mandate_rules")
    op.drop_table("mandate_ceilings")
    op.drop_table("decision_type_topics")
    op.drop_table("decision_types")
