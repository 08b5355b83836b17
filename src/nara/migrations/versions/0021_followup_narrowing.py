"""the follow-up at ten million cases: the breakdowns by channel and topic read a
covering index of the roll-ups (no row of the wide table), the drill-down of a team's
resolutions enters them by team, and the drill-down of late messages (KKiK) reads only
the messages that can be late

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

KKIK_PREDICATE = "channel IN ('email', 'web')"
KKIK_MAYBE_LATE_PREDICATE = (
    f"{KKIK_PREDICATE} AND (first_response_at IS NULL"
    " OR first_response_at - opened_at > interval '23 hours')"
)


def upgrade() -> None:
    op.create_index(
        "ix_followup_daily_opened",
        "followup_daily",
        ["grain", "team_id", "topic_id", "channel", "priority", "day", "opened"],
    )
    op.create_index(
        "ix_cases_team_resolved",
        "cases",
        ["team_id", "resolved_at"],
        postgresql_where=sa.text("resolved_at IS NOT NULL"),
        sqlite_where=sa.text("resolved_at IS NOT NULL"),
    )
    op.create_index(
        "ix_cases_kkik_late",
        "cases",
        ["opened_at"],
        postgresql_where=sa.text(KKIK_MAYBE_LATE_PREDICATE),
        sqlite_where=sa.text(KKIK_PREDICATE),
    )


def downgrade() -> None:
    op.drop_index("ix_cases_kkik_late", table_name="cases")
    op.drop_index("ix_cases_team_resolved", table_name="cases")
    op.drop_index("ix_followup_daily_opened", table_name="followup_daily")
