"""the backlog tabs of the inbox and "Next case" at any backlog size: a page in pull order
(promise due time, priority, age) is an index range of the team's or the owner's active
cases, not a sort of all of them (PostgreSQL)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 18:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

ACTIVE_PREDICATE = "status IN ('new', 'open', 'waiting_on_customer', 'waiting_on_team')"
# queries/service.py pull_order(), as it compiles: an index serves an ORDER BY only when
# its expressions are the same, constants included.
DUE = (
    "(CASE WHEN (first_response_at IS NULL) THEN first_response_due_at ELSE resolution_due_at END)"
)
RANK = (
    "(CASE WHEN (priority = 'urgent') THEN 0 WHEN (priority = 'high') THEN 1 "
    "WHEN (priority = 'normal') THEN 2 WHEN (priority = 'low') THEN 3 ELSE 4 END)"
)
INDEXES = {"ix_cases_pull_team": "team_id", "ix_cases_pull_owner": "owner_id"}


def upgrade() -> None:
    # PostgreSQL only, like the search's expression indexes: SQLite (the zero-set-up
    # default, one writer at a time) sorts a page of its backlog, and SQLAlchemy cannot
    # reflect SQLite's expression indexes (the model check would warn about them).
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, column in INDEXES.items():
        op.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON cases "
            f"({column}, {DUE}, {RANK}, opened_at, id) WHERE {ACTIVE_PREDICATE}"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for name in INDEXES:
        op.execute(f"DROP INDEX IF EXISTS {name}")
