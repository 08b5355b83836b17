"""Read side of mandates: the rules in force, who holds them, how much a customer has
used, and the resolution of a person's mandate for a decision type (deterministic and
explained: the rule version, the limits and what is left)."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Select, and_, bindparam, false, func, or_, select
from sqlalchemy.orm import Session

from nara import reference_cache
from nara.domain.actors import Actor
from nara.models import (
    Decision,
    DecisionKind,
    DecisionState,
    DecisionType,
    DecisionTypeTopic,
    HolderKind,
    MandateRule,
    MandateRuleVersion,
    Team,
    TeamMember,
    User,
)

ZERO = Decimal("0.00")


class RuleVersionView(Protocol):
    """What resolving a mandate reads of a rule version: the ORM row, or the plain
    :class:`RuleInForce` the process keeps."""

    @property
    def id(self) -> int: ...
    @property
    def rule_id(self) -> int: ...
    @property
    def version(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def holder_kind(self) -> str: ...
    @property
    def holder_role(self) -> str | None: ...
    @property
    def holder_team_id(self) -> int | None: ...
    @property
    def holder_user_id(self) -> int | None: ...
    @property
    def limit_amount(self) -> Decimal | None: ...
    @property
    def limit_days(self) -> int | None: ...
    @property
    def customer_limit(self) -> Decimal | None: ...
    @property
    def window_days(self) -> int | None: ...


class DecisionTypeView(Protocol):
    """What a mandate line reads of a decision type: the ORM row, or :class:`TypeRow`."""

    @property
    def id(self) -> int: ...
    @property
    def slug(self) -> str: ...
    @property
    def name_sv(self) -> str: ...
    @property
    def name_en(self) -> str: ...
    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class RuleInForce:
    """A rule version in force, as the process keeps it (plain values)."""

    id: int
    rule_id: int
    version: int
    name: str
    holder_kind: str
    holder_role: str | None
    holder_team_id: int | None
    holder_user_id: int | None
    limit_amount: Decimal | None
    limit_days: int | None
    customer_limit: Decimal | None
    window_days: int | None


@dataclass(frozen=True)
class TypeRow:
    """A decision type, as the process keeps it (plain values)."""

    id: int
    slug: str
    name_sv: str
    name_en: str
    kind: str


def _in_force(*columns: Any) -> Select[*tuple[Any, ...]]:
    """The rule versions in force (each rule's current one, active, of an active team
    when held by a team), oldest rule first, with ``columns`` beside each."""
    return (
        select(MandateRuleVersion, *columns)
        .join(
            MandateRule,
            and_(
                MandateRule.id == MandateRuleVersion.rule_id,
                MandateRule.version == MandateRuleVersion.version,
            ),
        )
        .outerjoin(Team, Team.id == MandateRuleVersion.holder_team_id)
        .where(
            MandateRuleVersion.is_active.is_(True),
            or_(MandateRuleVersion.holder_team_id.is_(None), Team.is_active.is_(True)),
        )
        .order_by(MandateRule.id)
    )


def current_versions(
    session: Session, decision_type_id: int | None = None
) -> list[MandateRuleVersion]:
    """The versions in force (each rule's current one, active, of an active team when
    held by a team), oldest rule first."""
    stmt = _in_force()
    if decision_type_id is not None:
        stmt = stmt.where(MandateRule.decision_type_id == decision_type_id)
    return list(session.scalars(stmt))


@functools.cache
def _in_force_with_types() -> Select[*tuple[Any, ...]]:
    return _in_force(MandateRule.decision_type_id)


def kept_rules_in_force(session: Session) -> Mapping[int, tuple[RuleInForce, ...]]:
    """The versions in force by decision type (oldest rule first), as plain values kept
    by the process until the mandate rules or the directory (a holding team's activity)
    change: the case page resolves its mandate panel from them."""
    return reference_cache.cached(
        session,
        reference_cache.MANDATES,
        "in_force",
        _rules_in_force,
        also=(reference_cache.DIRECTORY,),
    )


def _rules_in_force(session: Session) -> Mapping[int, tuple[RuleInForce, ...]]:
    return MappingProxyType(
        {
            type_id: tuple(
                RuleInForce(
                    v.id,
                    v.rule_id,
                    v.version,
                    v.name,
                    v.holder_kind,
                    v.holder_role,
                    v.holder_team_id,
                    v.holder_user_id,
                    v.limit_amount,
                    v.limit_days,
                    v.customer_limit,
                    v.window_days,
                )
                for v in found
            )
            for type_id, found in versions_by_type(session).items()
        }
    )


def versions_by_type(session: Session) -> dict[int, list[MandateRuleVersion]]:
    """The versions in force by decision type (each list oldest rule first), in one
    query built once: the case page reads them for every case."""
    out: dict[int, list[MandateRuleVersion]] = {}
    for version, type_id in session.execute(_in_force_with_types()):
        out.setdefault(type_id, []).append(version)
    return out


def rule_type_ids(session: Session, rule_ids: Sequence[int]) -> dict[int, int]:
    """rule id → decision type id."""
    if not rule_ids:
        return {}
    rows = session.execute(
        select(MandateRule.id, MandateRule.decision_type_id).where(
            MandateRule.id.in_(sorted(set(rule_ids)))
        )
    )
    return {rule_id: type_id for rule_id, type_id in rows}


def holds(actor: Actor, version: RuleVersionView) -> bool:
    """Whether ``actor`` is a holder of the rule version (a named member, a member of
    the team, or someone with the role)."""
    if actor.user_id is None:
        return False
    if version.holder_kind == HolderKind.user.value:
        return version.holder_user_id == actor.user_id
    if version.holder_kind == HolderKind.team.value:
        return version.holder_team_id in actor.team_ids
    return version.holder_role == actor.role.value


def held_by_clause(
    actor: Actor, version: type[MandateRuleVersion] = MandateRuleVersion
) -> ColumnElement[bool]:
    """SQL: the rule version (joined; ``version`` may be an alias) is held by ``actor``."""
    if actor.user_id is None:
        return false()
    parts = [
        and_(
            version.holder_kind == HolderKind.user.value,
            version.holder_user_id == actor.user_id,
        ),
        and_(
            version.holder_kind == HolderKind.role.value,
            version.holder_role == actor.role.value,
        ),
    ]
    if actor.team_ids:
        parts.append(
            and_(
                version.holder_kind == HolderKind.team.value,
                version.holder_team_id.in_(sorted(actor.team_ids)),
            )
        )
    return or_(*parts)


def used_for_customer(
    session: Session, *, customer_id: int, decision_type_id: int, window_days: int, now: datetime
) -> Decimal:
    """The amount of ``decision_type_id`` decided for the customer over the last
    ``window_days`` days (taken decisions; pending requests are not used yet)."""
    total = session.scalar(
        select(func.sum(Decision.amount)).where(
            Decision.customer_id == customer_id,
            Decision.decision_type_id == decision_type_id,
            Decision.state == DecisionState.taken.value,
            Decision.taken_at >= now - timedelta(days=window_days),
        )
    )
    return Decimal(total).quantize(Decimal("0.01")) if total is not None else ZERO


@dataclass(frozen=True)
class Ledger:
    """A customer's taken amount decisions since a moment, read once: what
    :func:`used_for_customer` gives, for any type and any window within it."""

    since: datetime
    rows: tuple[tuple[int, datetime, Decimal], ...]  # (decision type, taken at, amount)

    def used(self, decision_type_id: int, window_days: int, now: datetime) -> Decimal:
        start = now - timedelta(days=window_days)
        assert start >= self.since, "the ledger does not reach that far back"
        total = sum((a for t, at, a in self.rows if t == decision_type_id and at >= start), ZERO)
        return Decimal(total).quantize(Decimal("0.01"))


def ledger_for_customer(
    session: Session, *, customer_id: int, window_days: int, now: datetime
) -> Ledger:
    """The customer's taken amount decisions over the last ``window_days`` days, in one
    query (the case page shows the room of every decision type)."""
    since = now - timedelta(days=window_days)
    rows = session.execute(_ledger(), {"lg_customer": customer_id, "lg_since": since})
    return Ledger(
        since,
        tuple((t, at, Decimal(a)) for t, at, a in rows if at is not None and a is not None),
    )


@functools.cache
def _ledger() -> Select[int, datetime | None, Decimal | None]:
    """:func:`ledger_for_customer`'s query, built once (``lg_customer``, ``lg_since``)."""
    return select(Decision.decision_type_id, Decision.taken_at, Decision.amount).where(
        Decision.customer_id == bindparam("lg_customer"),
        Decision.state == DecisionState.taken.value,
        Decision.taken_at >= bindparam("lg_since"),
        Decision.amount.is_not(None),
    )


@dataclass(frozen=True)
class Room:
    """What one rule version lets its holder decide for one customer now."""

    version: RuleVersionView
    limit: Decimal | int | None  # per decision; None: no limit (or yes/no)
    used: Decimal | None  # for the customer in the rule's window (amount rules with one)
    remaining: Decimal | int | None  # min(limit, customer limit - used); None: no limit

    def covers(self, quantity: Decimal | int | None) -> bool:
        if quantity is None or self.remaining is None:
            return True
        return quantity <= self.remaining


def room(
    session: Session,
    decision_type: DecisionTypeView,
    version: RuleVersionView,
    *,
    customer_id: int,
    now: datetime,
    used_cache: dict[int, Decimal] | None = None,
) -> Room:
    if decision_type.kind == DecisionKind.yes_no.value:
        return Room(version, None, None, None)
    if decision_type.kind == DecisionKind.days.value:
        return Room(version, version.limit_days, None, version.limit_days)
    limit = version.limit_amount
    if version.customer_limit is None or version.window_days is None:
        return Room(version, limit, None, limit)
    cache = used_cache if used_cache is not None else {}
    if version.window_days not in cache:
        cache[version.window_days] = used_for_customer(
            session,
            customer_id=customer_id,
            decision_type_id=decision_type.id,
            window_days=version.window_days,
            now=now,
        )
    used = cache[version.window_days]
    left = max(ZERO, version.customer_limit - used)
    remaining = left if limit is None else min(limit, left)
    return Room(version, limit, used, remaining)


def _widest(rooms: Sequence[Room]) -> Room | None:
    """The room with the most left (no limit is the most), then the oldest rule."""
    if not rooms:
        return None
    unlimited = [r for r in rooms if r.remaining is None]
    if unlimited:
        return min(unlimited, key=lambda r: r.version.rule_id)
    return max(rooms, key=lambda r: (r.remaining, -r.version.rule_id))


@dataclass(frozen=True)
class Mandate:
    """A person's mandate for one decision type in one case (for one customer)."""

    decision_type: DecisionTypeView
    best: Room | None  # the held rule version with the most room; None: no mandate

    @property
    def may_decide(self) -> bool:
        if self.best is None:
            return False
        return self.best.remaining is None or self.best.remaining > 0

    def covering(self, quantity: Decimal | int | None) -> Room | None:
        return self.best if self.best is not None and self.best.covers(quantity) else None


def mandate_for(
    session: Session,
    actor: Actor,
    decision_type: DecisionTypeView,
    *,
    customer_id: int,
    now: datetime,
    versions: Sequence[RuleVersionView] | None = None,
    ledger: Ledger | None = None,
) -> Mandate:
    """Resolve ``actor``'s mandate: among the rule versions in force that they hold, the
    one with the most room for this customer now. ``ledger``: the customer's decisions,
    read already (reaching back at least as far as every version's window)."""
    held = [
        v
        for v in (versions if versions is not None else current_versions(session, decision_type.id))
        if holds(actor, v)
    ]
    cache: dict[int, Decimal] = {}
    if ledger is not None:
        for v in held:
            if v.window_days is not None:
                cache[v.window_days] = ledger.used(decision_type.id, v.window_days, now)
    rooms = [
        room(session, decision_type, v, customer_id=customer_id, now=now, used_cache=cache)
        for v in held
    ]
    return Mandate(decision_type, _widest(rooms))


def holders_covering(
    session: Session,
    decision_type: DecisionType,
    quantity: Decimal | int | None,
    *,
    customer_id: int,
    now: datetime,
) -> list[Room]:
    """Rule versions whose holders could decide ``quantity`` for the customer now, the
    lowest limit first (an unlimited one last), then the oldest rule: the order an
    approval request goes up."""
    cache: dict[int, Decimal] = {}
    rooms = [
        room(session, decision_type, v, customer_id=customer_id, now=now, used_cache=cache)
        for v in current_versions(session, decision_type.id)
    ]
    covering = [r for r in rooms if r.covers(quantity)]
    return sorted(
        covering,
        key=lambda r: (
            r.limit is None,
            r.limit if r.limit is not None else 0,
            r.version.rule_id,
        ),
    )


def type_rows_for_topic(session: Session, topic_id: int | None) -> tuple[TypeRow, ...]:
    """:func:`types_for_topic` as plain values, kept by the process until the mandate
    rules change."""

    def load(s: Session) -> tuple[TypeRow, ...]:
        return tuple(
            TypeRow(t.id, t.slug, t.name_sv, t.name_en, t.kind)
            for t in types_for_topic(s, topic_id)
        )

    return reference_cache.cached(session, reference_cache.MANDATES, ("types", topic_id), load)


def types_for_topic(session: Session, topic_id: int | None) -> list[DecisionType]:
    """Active decision types that apply to a case of ``topic_id`` (a type without topics
    applies to all), in name order."""
    return list(session.scalars(_types_for_topic(), {"dt_topic": topic_id}))


@functools.cache
def _types_for_topic() -> Select[DecisionType]:
    """:func:`types_for_topic`'s query, built once (``dt_topic``; NULL: no topic, so
    only the types without topics)."""
    restricted = select(DecisionTypeTopic.decision_type_id).distinct()
    allowed = select(DecisionTypeTopic.decision_type_id).where(
        DecisionTypeTopic.topic_id == bindparam("dt_topic")
    )
    return (
        select(DecisionType)
        .where(
            DecisionType.is_active.is_(True),
            or_(DecisionType.id.not_in(restricted), DecisionType.id.in_(allowed)),
        )
        .order_by(DecisionType.name_sv, DecisionType.id)
    )


def applies_to_topic(session: Session, decision_type: DecisionType, topic_id: int | None) -> bool:
    topics = set(
        session.scalars(
            select(DecisionTypeTopic.topic_id).where(
                DecisionTypeTopic.decision_type_id == decision_type.id
            )
        )
    )
    return not topics or topic_id in topics


def holder_user_ids(session: Session, version: RuleVersionView) -> list[int]:
    """The active people who hold ``version`` (to notify them), in id order."""
    stmt = select(User.id).where(User.is_active.is_(True)).order_by(User.id)
    if version.holder_kind == HolderKind.user.value:
        stmt = stmt.where(User.id == version.holder_user_id)
    elif version.holder_kind == HolderKind.team.value:
        stmt = stmt.join(TeamMember, TeamMember.user_id == User.id).where(
            TeamMember.team_id == version.holder_team_id
        )
    else:
        stmt = stmt.where(User.role == version.holder_role)
    return list(session.scalars(stmt))


def holder_label(session: Session, version: RuleVersionView, locale: str = "sv") -> str:
    """Who holds a rule version, in words: a name, a team or a role."""
    if version.holder_kind == HolderKind.user.value and version.holder_user_id is not None:
        user = session.get(User, version.holder_user_id)
        return user.display_name if user is not None else "?"
    if version.holder_kind == HolderKind.team.value and version.holder_team_id is not None:
        team = session.get(Team, version.holder_team_id)
        if team is None:
            return "?"
        return team.name_en if locale == "en" else team.name_sv
    return str(version.holder_role)


def decision_types(session: Session) -> list[DecisionType]:
    """Every decision type, those in use first, in name order."""
    return list(
        session.scalars(
            select(DecisionType).order_by(
                DecisionType.is_active.desc(), DecisionType.name_sv, DecisionType.id
            )
        )
    )


def decision_type_of_slug(session: Session, slug: str) -> DecisionType | None:
    return session.scalar(select(DecisionType).where(DecisionType.slug == slug))


def team_of_slug(session: Session, slug: str) -> Team | None:
    return session.scalar(select(Team).where(Team.slug == slug))


def active_teams(session: Session) -> list[Team]:
    return list(
        session.scalars(select(Team).where(Team.is_active.is_(True)).order_by(Team.name_sv))
    )


def type_of_rule(session: Session, rule_id: int) -> DecisionType:
    """The decision type a rule gives."""
    rule = session.get(MandateRule, rule_id)
    assert rule is not None
    decision_type = session.get(DecisionType, rule.decision_type_id)
    assert decision_type is not None
    return decision_type


def versions_of_rule(session: Session, rule_id: int) -> list[MandateRuleVersion]:
    """Every version of a rule, newest first."""
    return list(
        session.scalars(
            select(MandateRuleVersion)
            .where(MandateRuleVersion.rule_id == rule_id)
            .order_by(MandateRuleVersion.version.desc())
        )
    )


@dataclass(frozen=True)
class RuleLine:
    """A rule in force with its decision type and holder in words (the mandates page)."""

    version: MandateRuleVersion
    type: DecisionType
    holder: str


def rules_in_force(session: Session, locale: str) -> list[RuleLine]:
    versions = current_versions(session)
    types_of = rule_type_ids(session, [v.rule_id for v in versions])
    types = {t.id: t for t in session.scalars(select(DecisionType))}
    lines = [
        RuleLine(v, types[types_of[v.rule_id]], holder_label(session, v, locale)) for v in versions
    ]
    return sorted(lines, key=lambda r: (r.type.name_sv, r.version.rule_id))
