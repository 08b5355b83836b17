"""Mandates as data: decision types, versioned mandate rules and the ceilings within
which a team's leads may give mandates themselves. Every change is audited; a rule
change is a new version, so decisions keep pointing to the version that allowed them.
``docs/mandates.md`` describes the model."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.audit import facts_of, record_audit, record_changes
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.i18n import N_
from nara.models import (
    DecisionKind,
    DecisionType,
    DecisionTypeTopic,
    HolderKind,
    MandateCeiling,
    MandateRule,
    MandateRuleVersion,
    Role,
    Team,
    TeamMember,
    Topic,
    User,
)
from nara.models.users import STAFF_ROLES

MAX_AMOUNT = Decimal(10) ** 9
"""No amount above a billion kronor is a real decision (absurd input is refused)."""
MAX_DAYS = 3650
MAX_WINDOW_DAYS = 3650
MAX_APPROVAL_MINUTES = 60 * 24 * 30
_AMOUNT = re.compile(r"^\s*(\d{1,13})(?:[.,](\d{1,2}))?\s*$")

TYPE_FIELDS = ("name_sv", "name_en", "kind", "reason_required", "approval_minutes", "is_active")
VERSION_FIELDS = (
    "name",
    "holder_kind",
    "holder_role",
    "holder_team_id",
    "holder_user_id",
    "limit_amount",
    "limit_days",
    "customer_limit",
    "window_days",
    "is_active",
)


# ---- values -------------------------------------------------------------------------


def amount(value: object, *, field: str = "amount", allow_zero: bool = False) -> Decimal:
    """An amount in SEK: a string of kronor with at most two decimals ("250", "250.00",
    "250,5"), more than zero (or zero with ``allow_zero``) and at most 10^9. Never a
    float: a JSON number is refused, so that no rounding happened on the way."""
    if isinstance(value, Decimal) and not isinstance(value, bool):
        text_value = format(value, "f")
    elif isinstance(value, str):
        text_value = value
    else:
        raise ValidationFailed(
            f'{field} must be a string of kronor with at most two decimals, e.g. "250.00" '
            "(a JSON number could already be rounded)",
            field=field,
            template=N_('Write the amount in kronor with at most two decimals, e.g. "250.00".'),
        )
    match = _AMOUNT.match(text_value)
    if match is None:
        raise ValidationFailed(
            f'{field} must be a number of kronor with at most two decimals, e.g. "250.00"',
            field=field,
            template=N_('Write the amount in kronor with at most two decimals, e.g. "250.00".'),
        )
    try:
        parsed = Decimal(f"{match.group(1)}.{match.group(2) or '0'}").quantize(Decimal("0.01"))
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise ValidationFailed(f"{field} is not a number", field=field) from exc
    if parsed > MAX_AMOUNT:
        raise ValidationFailed(
            f"{field} must be at most 1,000,000,000 SEK",
            field=field,
            template=N_("The amount must be at most 1 000 000 000 kr."),
        )
    if parsed <= 0 and not (allow_zero and parsed == 0):
        raise ValidationFailed(
            f"{field} must be more than zero",
            field=field,
            template=N_("The amount must be more than zero."),
        )
    return parsed


def days(value: object, *, field: str = "days", maximum: int = MAX_DAYS) -> int:
    """A whole number of days from 1 to ``maximum``."""
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 1 <= number <= maximum:
        raise ValidationFailed(
            f"{field} must be a whole number of days from 1 to {maximum}",
            field=field,
            template=N_("Give a whole number of days from 1 to %(max)s."),
            params={"max": maximum},
        )
    return number


def _require_admin(actor: Actor, what: str) -> None:
    if not (actor.is_admin or actor.is_system):
        raise PermissionDenied(
            f"only an admin can {what}",
            template=N_("Only an admin can do this."),
        )


# ---- decision types -----------------------------------------------------------------


def _type_by_id(session: Session, type_id: int) -> DecisionType:
    found = session.get(DecisionType, type_id)
    if found is None:
        raise NotFound(f"no decision type with id {type_id}")
    return found


def decision_type_by_slug(
    session: Session, slug: str | None, *, field: str = "type"
) -> DecisionType:
    found = (
        session.scalar(select(DecisionType).where(DecisionType.slug == slug.strip()))
        if isinstance(slug, str)
        else None
    )
    if found is None or not found.is_active:
        raise ValidationFailed(
            f"no active decision type {slug!r}",
            field=field,
            template=N_("There is no such decision type."),
        )
    return found


def _topic_ids(session: Session, topic_ids: Sequence[int]) -> list[int]:
    wanted = sorted(set(topic_ids))
    found = set(session.scalars(select(Topic.id).where(Topic.id.in_(wanted))))
    missing = [t for t in wanted if t not in found]
    if missing:
        raise ValidationFailed(
            f"no topic with id {missing[0]}",
            field="topic_ids",
            template=N_("There is no such topic."),
        )
    return wanted


def _approval_minutes(value: int) -> int:
    if isinstance(value, bool) or not 1 <= value <= MAX_APPROVAL_MINUTES:
        raise ValidationFailed(
            f"approval_minutes must be between 1 and {MAX_APPROVAL_MINUTES}",
            field="approval_minutes",
            template=N_("The approval promise must be between 1 and %(max)s minutes."),
            params={"max": MAX_APPROVAL_MINUTES},
        )
    return value


def create_decision_type(
    *,
    session: Session,
    actor: Actor,
    slug: str,
    name_sv: str,
    name_en: str,
    kind: str,
    reason_required: bool = True,
    approval_minutes: int = 240,
    topic_ids: Sequence[int] = (),
) -> DecisionType:
    """Define a decision that can be taken in a case (admins)."""
    _require_admin(actor, "define decision types")
    clean_slug = validation.slug(slug)
    the_kind = validation.choice(DecisionKind, kind, field="kind")
    if session.scalar(select(DecisionType.id).where(DecisionType.slug == clean_slug)):
        raise Conflict(
            f"a decision type {clean_slug!r} already exists",
            field="slug",
            template=N_("A decision type with this short name already exists."),
        )
    decision_type = DecisionType(
        slug=clean_slug,
        name_sv=validation.name(name_sv, field="name_sv", max_length=200),
        name_en=validation.name(name_en, field="name_en", max_length=200),
        kind=the_kind.value,
        reason_required=bool(reason_required),
        approval_minutes=_approval_minutes(approval_minutes),
        is_active=True,
        created_at=clock.now(),
    )
    session.add(decision_type)
    session.flush()
    topics = _topic_ids(session, topic_ids)
    session.add_all(
        DecisionTypeTopic(decision_type_id=decision_type.id, topic_id=t) for t in topics
    )
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="decision_type.created",
        object_type="decision_type",
        object_id=decision_type.id,
        changes={
            "slug": [None, clean_slug],
            **{f: [None, v] for f, v in facts_of(decision_type, TYPE_FIELDS).items()},
            "topic_ids": [None, topics],
        },
    )
    return decision_type


def type_topic_ids(session: Session, type_id: int) -> list[int]:
    return sorted(
        session.scalars(
            select(DecisionTypeTopic.topic_id).where(DecisionTypeTopic.decision_type_id == type_id)
        )
    )


def update_decision_type(
    *,
    session: Session,
    actor: Actor,
    type_id: int,
    name_sv: str | None = None,
    name_en: str | None = None,
    reason_required: bool | None = None,
    approval_minutes: int | None = None,
    is_active: bool | None = None,
    topic_ids: Sequence[int] | None = None,
) -> DecisionType:
    """Change a decision type (admins). Its kind never changes: decisions taken keep
    their meaning."""
    _require_admin(actor, "change decision types")
    decision_type = _type_by_id(session, type_id)
    before = {**facts_of(decision_type, TYPE_FIELDS), "topic_ids": type_topic_ids(session, type_id)}
    if name_sv is not None:
        decision_type.name_sv = validation.name(name_sv, field="name_sv", max_length=200)
    if name_en is not None:
        decision_type.name_en = validation.name(name_en, field="name_en", max_length=200)
    if reason_required is not None:
        decision_type.reason_required = bool(reason_required)
    if approval_minutes is not None:
        decision_type.approval_minutes = _approval_minutes(approval_minutes)
    if is_active is not None:
        decision_type.is_active = bool(is_active)
    if topic_ids is not None:
        topics = _topic_ids(session, topic_ids)
        session.execute(
            delete(DecisionTypeTopic).where(DecisionTypeTopic.decision_type_id == type_id)
        )
        session.add_all(DecisionTypeTopic(decision_type_id=type_id, topic_id=t) for t in topics)
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="decision_type.updated",
        object_type="decision_type",
        object_id=type_id,
        before=before,
        after={
            **facts_of(decision_type, TYPE_FIELDS),
            "topic_ids": type_topic_ids(session, type_id),
        },
    )
    return decision_type


# ---- rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleTerms:
    """What a rule version says, checked."""

    name: str
    holder_kind: HolderKind
    holder_role: str | None
    holder_team_id: int | None
    holder_user_id: int | None
    limit_amount: Decimal | None
    limit_days: int | None
    customer_limit: Decimal | None
    window_days: int | None
    is_active: bool


def _terms(
    session: Session,
    decision_type: DecisionType,
    *,
    name: str,
    holder: dict[str, Any],
    limit: object,
    customer_limit: object,
    window_days: object,
    is_active: bool,
) -> RuleTerms:
    clean_name = validation.name(name, field="name", max_length=200)
    kind = validation.choice(HolderKind, holder.get("kind"), field="holder.kind")
    role = team_id = user_id = None
    if kind == HolderKind.role:
        role = validation.choice(Role, holder.get("role"), field="holder.role").value
        if Role(role) not in STAFF_ROLES:
            raise ValidationFailed(
                "a mandate is held by staff: agent, lead or admin",
                field="holder.role",
                template=N_("A mandate is held by staff: an agent, a lead or an admin."),
            )
    elif kind == HolderKind.team:
        team_id = _int(holder.get("team_id"), "holder.team_id")
        team = session.get(Team, team_id)
        if team is None:
            raise ValidationFailed(
                f"no team with id {team_id}",
                field="holder.team_id",
                template=N_("There is no such team."),
            )
        if not team.is_active and is_active:
            raise ValidationFailed(
                "the team is inactive; a rule for it would never apply",
                field="holder.team_id",
                template=N_("The team is inactive; a rule for it would never apply."),
            )
    else:
        user_id = _int(holder.get("user_id"), "holder.user_id")
        user = session.get(User, user_id)
        if user is None or not user.is_active or Role(user.role) not in STAFF_ROLES:
            raise ValidationFailed(
                f"no active staff member with id {user_id}",
                field="holder.user_id",
                template=N_("There is no such active staff member."),
            )
    limit_amount = limit_days = None
    the_customer_limit = None
    the_window = None
    if decision_type.kind == DecisionKind.amount.value:
        if limit is not None:
            limit_amount = amount(limit, field="limit", allow_zero=True)
        if customer_limit is not None:
            the_customer_limit = amount(customer_limit, field="customer_limit", allow_zero=True)
            the_window = days(
                window_days if window_days is not None else 365,
                field="window_days",
                maximum=MAX_WINDOW_DAYS,
            )
            if limit_amount is not None and the_customer_limit < limit_amount:
                raise ValidationFailed(
                    "customer_limit must be at least the limit per decision",
                    field="customer_limit",
                    template=N_("The limit per customer must be at least the limit per decision."),
                )
    elif decision_type.kind == DecisionKind.days.value:
        if limit is not None:
            limit_days = days(limit, field="limit")
        if customer_limit is not None:
            raise ValidationFailed(
                "a limit per customer applies to amounts only",
                field="customer_limit",
                template=N_("A limit per customer applies to amounts only."),
            )
    elif limit is not None or customer_limit is not None:
        raise ValidationFailed(
            "a yes/no decision has holders without limits",
            field="limit",
            template=N_("A yes/no decision has holders without limits."),
        )
    return RuleTerms(
        name=clean_name,
        holder_kind=kind,
        holder_role=role,
        holder_team_id=team_id,
        holder_user_id=user_id,
        limit_amount=limit_amount,
        limit_days=limit_days,
        customer_limit=the_customer_limit,
        window_days=the_window,
        is_active=bool(is_active),
    )


def _int(value: object, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        raise ValidationFailed(
            f"{field} must be an id (a whole number)",
            field=field,
            template=N_("Choose one from the list."),
        )
    return value


def _require_may_give(
    session: Session, actor: Actor, decision_type: DecisionType, terms: RuleTerms
) -> None:
    """Admins give any mandate. A lead gives mandates to their own team (or a member of
    it) within the ceiling an admin has set for that team and decision type."""
    if actor.is_admin or actor.is_system:
        return
    if actor.role != Role.lead:
        raise PermissionDenied(
            "only an admin or a lead can change mandates",
            template=N_("Only an admin or a team lead can change mandates."),
        )
    team_id: int | None = None
    if terms.holder_kind == HolderKind.team:
        team_id = terms.holder_team_id
    elif terms.holder_kind == HolderKind.user and terms.holder_user_id is not None:
        members_of = set(
            session.scalars(
                select(TeamMember.team_id).where(TeamMember.user_id == terms.holder_user_id)
            )
        )
        shared = members_of & set(actor.team_ids)
        team_id = min(shared) if shared else None
    if team_id is None or team_id not in actor.team_ids:
        raise PermissionDenied(
            "a lead gives mandates only to their own team or its members",
            template=N_("A team lead gives mandates only to their own team or its members."),
        )
    ceiling = session.get(MandateCeiling, (team_id, decision_type.id))
    if ceiling is None:
        raise PermissionDenied(
            "an admin has not given this team a ceiling for this decision type",
            template=N_("An admin has not given your team a ceiling for this decision type."),
        )
    over = (
        _above(terms.limit_amount, ceiling.limit_amount, unlimited_allowed=False)
        or _above(terms.limit_days, ceiling.limit_days, unlimited_allowed=False)
        or _above(terms.customer_limit, ceiling.customer_limit, unlimited_allowed=True)
    )
    if decision_type.kind != DecisionKind.yes_no.value and over:
        raise PermissionDenied(
            "the limits are above the ceiling an admin has given the team",
            template=N_("The limits are above the ceiling an admin has given your team."),
        )


def _above(
    value: Decimal | int | None, ceiling: Decimal | int | None, *, unlimited_allowed: bool
) -> bool:
    if ceiling is None:
        return False  # the admin set no ceiling for this limit
    if value is None:
        return not unlimited_allowed
    return value > ceiling


def _version(rule: MandateRule, terms: RuleTerms, actor: Actor, why: str) -> MandateRuleVersion:
    return MandateRuleVersion(
        rule_id=rule.id,
        version=rule.version,
        name=terms.name,
        holder_kind=terms.holder_kind.value,
        holder_role=terms.holder_role,
        holder_team_id=terms.holder_team_id,
        holder_user_id=terms.holder_user_id,
        limit_amount=terms.limit_amount,
        limit_days=terms.limit_days,
        customer_limit=terms.customer_limit,
        window_days=terms.window_days,
        is_active=terms.is_active,
        why=why,
        changed_by_id=actor.user_id,
        changed_at=clock.now(),
    )


def create_rule(
    *,
    session: Session,
    actor: Actor,
    decision_type_id: int,
    name: str,
    holder: dict[str, Any],
    limit: object = None,
    customer_limit: object = None,
    window_days: object = None,
    why: str = "",
) -> MandateRuleVersion:
    """A new mandate rule (version 1)."""
    decision_type = _type_by_id(session, decision_type_id)
    terms = _terms(
        session,
        decision_type,
        name=name,
        holder=holder,
        limit=limit,
        customer_limit=customer_limit,
        window_days=window_days,
        is_active=True,
    )
    _require_may_give(session, actor, decision_type, terms)
    rule = MandateRule(decision_type_id=decision_type.id, version=1, created_at=clock.now())
    session.add(rule)
    session.flush()
    clean_why = validation.text(why, field="why", max_length=2000, required=False)
    version = _version(rule, terms, actor, clean_why)
    session.add(version)
    session.flush()
    record_audit(
        session=session,
        actor=actor,
        action="mandate_rule.created",
        object_type="mandate_rule",
        object_id=rule.id,
        changes={
            "decision_type_id": [None, decision_type.id],
            **{f: [None, v] for f, v in facts_of(version, VERSION_FIELDS).items()},
            "version": [None, 1],
            "why": [None, clean_why],
        },
    )
    return version


def current_version(session: Session, rule_id: int) -> tuple[MandateRule, MandateRuleVersion]:
    rule = session.get(MandateRule, rule_id)
    if rule is None:
        raise NotFound(f"no mandate rule with id {rule_id}")
    version = session.scalar(
        select(MandateRuleVersion).where(
            MandateRuleVersion.rule_id == rule.id, MandateRuleVersion.version == rule.version
        )
    )
    assert version is not None
    return rule, version


def change_rule(
    *,
    session: Session,
    actor: Actor,
    rule_id: int,
    why: str,
    name: str | None = None,
    holder: dict[str, Any] | None = None,
    limit: object = ...,
    customer_limit: object = ...,
    window_days: object = ...,
    is_active: bool | None = None,
) -> MandateRuleVersion:
    """A new version of a rule, with who, when and why (a reason is required). Fields
    left out keep their value (``...``); ``None`` removes a limit. Decisions already
    taken keep pointing to the version that allowed them."""
    rule, old = current_version(session, rule_id)
    decision_type = _type_by_id(session, rule.decision_type_id)
    clean_why = validation.text(why, field="why", max_length=2000)
    old_holder: dict[str, Any] = {
        "kind": old.holder_kind,
        "role": old.holder_role,
        "team_id": old.holder_team_id,
        "user_id": old.holder_user_id,
    }
    terms = _terms(
        session,
        decision_type,
        name=name if name is not None else old.name,
        holder=holder if holder is not None else old_holder,
        limit=_or(limit, old.limit_amount if old.limit_amount is not None else old.limit_days),
        customer_limit=_or(customer_limit, old.customer_limit),
        window_days=_or(window_days, old.window_days),
        is_active=old.is_active if is_active is None else is_active,
    )
    # Both the rule as it was and as it becomes must be the changer's to give.
    old_terms = _terms(
        session,
        decision_type,
        name=old.name,
        holder=old_holder,
        limit=old.limit_amount if old.limit_amount is not None else old.limit_days,
        customer_limit=old.customer_limit,
        window_days=old.window_days,
        is_active=False,
    )
    _require_may_give(session, actor, decision_type, old_terms)
    _require_may_give(session, actor, decision_type, terms)
    before = facts_of(old, VERSION_FIELDS)
    rule.version = old.version + 1
    version = _version(rule, terms, actor, clean_why)
    session.add(version)
    session.flush()
    after = facts_of(version, VERSION_FIELDS)
    if before == after:
        raise ValidationFailed(
            "nothing changed",
            template=N_("Nothing was changed."),
        )
    record_audit(
        session=session,
        actor=actor,
        action="mandate_rule.changed",
        object_type="mandate_rule",
        object_id=rule.id,
        changes={
            **{f: [before[f], after[f]] for f in VERSION_FIELDS if before[f] != after[f]},
            "version": [old.version, version.version],
            "why": [None, clean_why],
        },
    )
    return version


def _or(value: object, default: object) -> object:
    """``...`` (left out) keeps ``default``; a Decimal default is given as a string."""
    if value is ...:
        return format(default, "f") if isinstance(default, Decimal) else default
    return value


def set_ceiling(
    *,
    session: Session,
    actor: Actor,
    team_id: int,
    decision_type_id: int,
    limit: object = None,
    customer_limit: object = None,
) -> MandateCeiling:
    """The highest limits a team's leads may give in their own rules (admins)."""
    _require_admin(actor, "set mandate ceilings")
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(f"no team with id {team_id}")
    decision_type = _type_by_id(session, decision_type_id)
    ceiling = session.get(MandateCeiling, (team_id, decision_type_id))
    fields = ("limit_amount", "limit_days", "customer_limit")
    before = facts_of(ceiling, fields) if ceiling is not None else dict.fromkeys(fields)
    if ceiling is None:
        ceiling = MandateCeiling(team_id=team_id, decision_type_id=decision_type_id)
        session.add(ceiling)
    ceiling.limit_amount = None
    ceiling.limit_days = None
    ceiling.customer_limit = None
    if decision_type.kind == DecisionKind.amount.value:
        if limit is not None:
            ceiling.limit_amount = amount(limit, field="limit", allow_zero=True)
        if customer_limit is not None:
            ceiling.customer_limit = amount(customer_limit, field="customer_limit", allow_zero=True)
    elif decision_type.kind == DecisionKind.days.value and limit is not None:
        ceiling.limit_days = days(limit, field="limit")
    ceiling.set_by_id = actor.user_id
    ceiling.set_at = clock.now()
    session.flush()
    record_changes(
        session=session,
        actor=actor,
        action="mandate_ceiling.set",
        object_type="mandate_ceiling",
        object_id=f"{team_id}:{decision_type_id}",
        before=before,
        after=facts_of(ceiling, fields),
    )
    return ceiling
