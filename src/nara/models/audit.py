"""The audit log: who changed what outside cases (users, teams, topics, routing,
calendars, promises, tokens, self-service) and every login, from which address.

Append-only: a database trigger refuses UPDATE and DELETE on both backends (created by
migration 0006). Entries store facts (ids, values, UTC times), never text formatted in
one language, so they render in the reader's language and time zone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from nara.models.base import Base

ACTIONS = frozenset(
    {
        "user.created",
        "user.updated",
        "user.role_changed",
        "user.activated",
        "user.deactivated",
        "user.password_changed",
        "team.created",
        "team.updated",
        "team.member_added",
        "team.member_removed",
        "topic.created",
        "topic.updated",
        "routing.team_added",
        "routing.team_removed",
        "routing.changed",
        "calendar.changed",
        "promise.created",
        "promise.updated",
        "promise.deleted",
        "token.created",
        "token.revoked",
        "private_link.created",
        "private_link.revoked",
        "selfservice.settings_changed",
        "selfservice.examples_added",
        "selfservice.example_corrected",
        "selfservice.suggestion_reviewed",
        "selfservice.model_trained",
        "selfservice.model_activated",
        "auth.login",
        "auth.login_failed",
        "auth.locked",
        "auth.logout",
        "decision_type.created",
        "decision_type.updated",
        "mandate_rule.created",
        "mandate_rule.changed",
        "mandate_ceiling.set",
        "improvement.owner_changed",
    }
)
"""Every action the log knows (the page names each through the catalogs)."""

OBJECT_TYPES = (
    "user",
    "team",
    "topic",
    "routing",
    "calendar",
    "promise",
    "token",
    "private_link",
    "selfservice_settings",
    "selfservice_model",
    "decision_type",
    "mandate_rule",
    "mandate_ceiling",
    "training_example",
    "improvement",
)


SQLITE_TRIGGERS = {
    "audit_log_no_update": (
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END"
    ),
    "audit_log_no_delete": (
        "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END"
    ),
}
"""The SQLite triggers (PostgreSQL's live in migration 0006); ``demo.loader.wipe`` drops
and re-creates them around its delete of the whole database."""


class AuditEntry(Base):
    """One recorded change or login. ``changes`` maps a field to ``[before, after]``;
    passwords and token secrets are never in it, personnummer only masked."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at", "id"),
        Index("ix_audit_log_actor", "actor_user_id", "at"),
        Index("ix_audit_log_object", "object_type", "object_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    # No foreign key: the entry outlives whatever it names and is never updated.
    actor_user_id: Mapped[int | None] = mapped_column(Integer)
    actor_kind: Mapped[str] = mapped_column(String(16))  # "user", "system" or "anonymous"
    actor_label: Mapped[str] = mapped_column(String(254))  # the e-mail address at the time
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(64))
