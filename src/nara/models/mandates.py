"""Mandate at the front line (principle 3 of DESIGN.md): the decisions that can be taken
in a case, the versioned rules that say who may take them up to which limit, the
decisions taken, and the approval requests for decisions beyond a person's mandate.

Money is ``Decimal`` with öre precision end to end: ``NUMERIC(14, 2)`` on PostgreSQL and
an integer of öre on SQLite (which has no exact decimal type); ``Money`` converts."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeEngine

from nara.models.base import Base

ORE = Decimal("0.01")


class Money(TypeDecorator[Decimal]):
    """An amount in SEK as ``Decimal`` with two decimals: ``NUMERIC(14, 2)`` on
    PostgreSQL, an integer of öre on SQLite. Never a float."""

    impl = Numeric(14, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(14, 2, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, Decimal | int):
            raise TypeError("money is a Decimal (or int), never a float")
        amount = Decimal(value).quantize(ORE)
        if dialect.name == "sqlite":
            return int(amount * 100)
        return amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return (Decimal(int(value)) / 100).quantize(ORE)
        return Decimal(value).quantize(ORE)


class DecisionKind(enum.StrEnum):
    amount = "amount"  # SEK
    days = "days"
    yes_no = "yes_no"


class DecisionType(Base):
    """A decision that can be taken in a case (refund a fee, extend a deadline, ...)."""

    __tablename__ = "decision_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_sv: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    reason_required: Mapped[bool] = mapped_column(default=True)
    # Business minutes an approver has to answer a request for this type.
    approval_minutes: Mapped[int] = mapped_column(default=240, server_default="240")
    is_active: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime]


class DecisionTypeTopic(Base):
    """The topics a decision type applies to; a type without rows applies to every topic."""

    __tablename__ = "decision_type_topics"

    decision_type_id: Mapped[int] = mapped_column(
        ForeignKey("decision_types.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )


class HolderKind(enum.StrEnum):
    role = "role"
    team = "team"
    user = "user"


class MandateRule(Base):
    """Who may take a decision type, and up to which limits. What can change lives in
    its versions; ``version`` is the current one. Decisions point to the version that
    allowed them, so a later change never rewrites history."""

    __tablename__ = "mandate_rules"
    __table_args__ = (Index("ix_mandate_rules_type", "decision_type_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_type_id: Mapped[int] = mapped_column(ForeignKey("decision_types.id"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime]


class MandateRuleVersion(Base):
    __tablename__ = "mandate_rule_versions"
    __table_args__ = (
        UniqueConstraint("rule_id", "version"),
        Index("ix_mandate_rule_versions_team", "holder_team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(ForeignKey("mandate_rules.id", ondelete="CASCADE"))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    holder_kind: Mapped[str] = mapped_column(String(8))
    holder_role: Mapped[str | None] = mapped_column(String(16))
    holder_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    holder_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # amount: SEK per decision; days: days per decision; yes/no: none.
    limit_amount: Mapped[Decimal | None] = mapped_column(Money())
    limit_days: Mapped[int | None]
    # Optional: at most this much per customer over the last ``window_days`` days.
    customer_limit: Mapped[Decimal | None] = mapped_column(Money())
    window_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    why: Mapped[str] = mapped_column(Text, default="")
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime]


class MandateCeiling(Base):
    """The highest limits an admin lets a team's leads give in their own rules."""

    __tablename__ = "mandate_ceilings"

    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    decision_type_id: Mapped[int] = mapped_column(
        ForeignKey("decision_types.id", ondelete="CASCADE"), primary_key=True
    )
    limit_amount: Mapped[Decimal | None] = mapped_column(Money())
    limit_days: Mapped[int | None]
    customer_limit: Mapped[Decimal | None] = mapped_column(Money())
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    set_at: Mapped[datetime]


class DecisionState(enum.StrEnum):
    taken = "taken"
    pending_approval = "pending_approval"
    declined = "declined"
    withdrawn = "withdrawn"


class Decision(Base):
    """A decision in a case: taken at once within the mandate, or waiting for approval."""

    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_case", "case_id", "id"),
        # The cumulative limit per customer reads a customer's recent taken decisions.
        Index("ix_decisions_customer", "customer_id", "decision_type_id", "taken_at"),
        Index("ix_decisions_type_time", "decision_type_id", "requested_at"),
        # The follow-up counts the decisions asked for each day.
        Index("ix_decisions_requested", "requested_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))  # the case's team then
    decision_type_id: Mapped[int] = mapped_column(ForeignKey("decision_types.id"))
    amount: Mapped[Decimal | None] = mapped_column(Money())
    days: Mapped[int | None]
    value: Mapped[bool | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20))
    # The rule version that allowed it (the taker's, or the approver's).
    rule_version_id: Mapped[int | None] = mapped_column(ForeignKey("mandate_rule_versions.id"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime]
    taken_at: Mapped[datetime | None]


class ApprovalStatus(enum.StrEnum):
    pending = "pending"
    approved = "approved"
    declined = "declined"
    withdrawn = "withdrawn"


class ApprovalRequest(Base):
    """A decision beyond the requester's mandate, waiting for the lowest holder whose
    mandate covers it; escalated to the next holder when overdue."""

    __tablename__ = "approval_requests"
    __table_args__ = (
        Index("ix_approval_requests_status_due", "status", "due_at"),
        Index("ix_approval_requests_case", "case_id"),
        Index("ix_approval_requests_requester", "requested_by_id", "status"),
        Index(
            "ix_approval_requests_check",
            "check_at",
            postgresql_where=text("check_at IS NOT NULL"),
            sqlite_where=text("check_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The holder now: the rule version whose holder (a person, a team or a role) decides.
    holder_rule_version_id: Mapped[int] = mapped_column(ForeignKey("mandate_rule_versions.id"))
    status: Mapped[str] = mapped_column(String(16), default=ApprovalStatus.pending.value)
    escalations: Mapped[int] = mapped_column(default=0)
    requested_at: Mapped[datetime]
    due_at: Mapped[datetime]
    check_at: Mapped[datetime | None]  # when the periodic check escalates (the due time)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
