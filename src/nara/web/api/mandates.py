"""/api/v1 mandates: decision types, mandate rules, a person's mandate in a case,
decisions (taken at once or sent for approval), the approvals inbox, the what-if.
Staff only; a customer gets 403 on every route. Amounts are strings of kronor with two
decimals ("250.00"), never floats."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from nara import clock
from nara.domain import decisions as decision_actions
from nara.domain import mandates as mandate_actions
from nara.domain.decisions import MAX_REASON
from nara.models import ApprovalRequest, DecisionType, MandateRuleVersion
from nara.queries import decisions as decision_queries
from nara.queries import mandates as mandate_queries
from nara.queries.access import get_case_for, require_staff
from nara.queries.mandates import RuleVersionView, current_versions
from nara.web.api.schemas import SLUG, In
from nara.web.deps import DB, CurrentCaller

router = APIRouter(tags=["mandates"])

AMOUNT_PATTERN = r"^\s*[0-9]{1,13}([.,][0-9]{1,2})?\s*$"
AMOUNT_DOC = 'Kronor with at most two decimals, as a string: "250.00".'


# ---- shapes -------------------------------------------------------------------------


class DecisionTypeOut(BaseModel):
    id: int
    slug: str
    kind: Literal["amount", "days", "yes_no"]
    name_sv: str
    name_en: str
    reason_required: bool
    approval_minutes: int
    is_active: bool
    topic_ids: list[int] = Field(description="Topics it applies to; empty: every topic.")


class DecisionTypeIn(In):
    slug: str = Field(max_length=64, pattern=SLUG)
    name_sv: str = Field(min_length=1, max_length=200)
    name_en: str = Field(min_length=1, max_length=200)
    kind: Literal["amount", "days", "yes_no"]
    reason_required: bool = True
    approval_minutes: int = Field(240, ge=1, le=mandate_actions.MAX_APPROVAL_MINUTES)
    topic_ids: list[int] = Field(default_factory=list, max_length=500)


class DecisionTypePatch(In):
    name_sv: str | None = Field(None, min_length=1, max_length=200)
    name_en: str | None = Field(None, min_length=1, max_length=200)
    reason_required: bool | None = None
    approval_minutes: int | None = Field(None, ge=1, le=mandate_actions.MAX_APPROVAL_MINUTES)
    is_active: bool | None = None
    topic_ids: list[int] | None = Field(None, max_length=500)


class RuleRef(BaseModel):
    id: int
    version: int
    name: str


class MandateOut(BaseModel):
    type: str = Field(description="The decision type's slug.")
    kind: Literal["amount", "days", "yes_no"]
    name_sv: str
    name_en: str
    limit: str | None = Field(description="Per decision (kronor or days); null: none.")
    used_for_customer: str | None = Field(description="Kronor decided for the customer.")
    remaining: str | None = Field(description="What may be decided now; null: no limit.")
    may_decide: bool
    customer_limit: str | None
    window_days: int | None
    rule: RuleRef | None


class DecisionIn(In):
    type: str = Field(max_length=64, pattern=SLUG, description="The decision type's slug.")
    amount: str | None = Field(None, max_length=32, pattern=AMOUNT_PATTERN, description=AMOUNT_DOC)
    days: int | None = Field(None, ge=1, le=mandate_actions.MAX_DAYS)
    value: bool | None = None
    reason: str | None = Field(None, max_length=MAX_REASON)


class DecisionOut(BaseModel):
    id: int
    case_number: str
    type: str
    kind: Literal["amount", "days", "yes_no"]
    amount: str | None
    days: int | None
    value: bool | None
    reason: str
    state: Literal["taken", "pending_approval", "declined", "withdrawn"]
    rule: RuleRef | None = Field(description="The rule version that allowed it.")
    requested_by: str | None
    decided_by: str | None
    requested_at: datetime
    taken_at: datetime | None


class HolderOut(BaseModel):
    kind: Literal["user", "team", "role"]
    name: str
    rule: RuleRef


class ApprovalRef(BaseModel):
    id: int
    due_at: datetime
    holder: HolderOut


class DecisionResultOut(BaseModel):
    state: Literal["taken", "pending_approval"]
    decision: DecisionOut
    rule: RuleRef | None
    approval: ApprovalRef | None


class ApprovalOut(BaseModel):
    id: int
    case_number: str
    status: Literal["pending", "approved", "declined", "withdrawn"]
    decision: DecisionOut
    holder: HolderOut
    requested_by: str | None
    requested_at: datetime
    due_at: datetime
    overdue: bool
    escalations: int
    decided_at: datetime | None
    decline_reason: str | None
    may_decide: bool = Field(description="The caller may approve or decline it now.")


class DeclineIn(In):
    reason: str = Field(min_length=1, max_length=MAX_REASON)


class HolderIn(In):
    kind: Literal["role", "team", "user"]
    role: Literal["agent", "lead", "admin"] | None = None
    team_id: int | None = None
    user_id: int | None = None


class RuleIn(In):
    decision_type: str = Field(max_length=64, pattern=SLUG)
    name: str = Field(min_length=1, max_length=200)
    holder: HolderIn
    limit: str | None = Field(
        None,
        max_length=32,
        pattern=AMOUNT_PATTERN,
        description='Per decision: kronor ("2000.00") or days ("30"); null: no limit.',
    )
    customer_limit: str | None = Field(
        None, max_length=32, pattern=AMOUNT_PATTERN, description=AMOUNT_DOC
    )
    window_days: int | None = Field(None, ge=1, le=mandate_actions.MAX_WINDOW_DAYS)
    why: str = Field("", max_length=2000)


class RulePatch(In):
    why: str = Field(min_length=1, max_length=2000, description="Why it changes (kept).")
    name: str | None = Field(None, min_length=1, max_length=200)
    holder: HolderIn | None = None
    limit: str | None = Field(None, max_length=32, pattern=AMOUNT_PATTERN)
    customer_limit: str | None = Field(None, max_length=32, pattern=AMOUNT_PATTERN)
    window_days: int | None = Field(None, ge=1, le=mandate_actions.MAX_WINDOW_DAYS)
    is_active: bool | None = None


class RuleVersionOut(BaseModel):
    id: int
    version: int
    name: str
    holder: dict[str, Any]
    limit: str | None
    customer_limit: str | None
    window_days: int | None
    is_active: bool
    why: str
    changed_by_id: int | None
    changed_at: datetime


class RuleOut(BaseModel):
    id: int
    decision_type: str
    current: RuleVersionOut


class CeilingIn(In):
    team_id: int
    decision_type: str = Field(max_length=64, pattern=SLUG)
    limit: str | None = Field(None, max_length=32, pattern=AMOUNT_PATTERN)
    customer_limit: str | None = Field(None, max_length=32, pattern=AMOUNT_PATTERN)


class WhatIfOut(BaseModel):
    type: str
    team: str
    days: int
    current_limit: str | None
    limit: str
    requests: int = Field(description="Approval requests from the team's cases in the window.")
    requested_amount: str
    would_be_at_once: int = Field(description="Of them, within the new limit.")
    amount_at_once: str
    approved_among_them: int
    declined_among_them: int
    waited_hours_total: float
    waited_hours_median: float | None


# ---- helpers ------------------------------------------------------------------------


def _locale(caller: CurrentCaller) -> str:
    return caller.user.locale or "sv"


def _money(value: object) -> str | None:
    if value is None:
        return None
    return format(value, "f") if isinstance(value, Decimal) else str(value)


def _ref(version: RuleVersionView | None) -> RuleRef | None:
    if version is None:
        return None
    return RuleRef(id=version.rule_id, version=version.version, name=version.name)


def _type_out(db: DB, t: DecisionType) -> DecisionTypeOut:
    return DecisionTypeOut(
        id=t.id,
        slug=t.slug,
        kind=t.kind,
        name_sv=t.name_sv,
        name_en=t.name_en,
        reason_required=t.reason_required,
        approval_minutes=t.approval_minutes,
        is_active=t.is_active,
        topic_ids=mandate_actions.type_topic_ids(db, t.id),
    )


def _decision_out(row: decision_queries.DecisionRow) -> DecisionOut:
    d = row.decision
    return DecisionOut(
        id=d.id,
        case_number=row.case_number,
        type=row.decision_type.slug,
        kind=row.decision_type.kind,
        amount=_money(d.amount),
        days=d.days,
        value=d.value,
        reason=d.reason,
        state=d.state,
        rule=_ref(row.rule),
        requested_by=row.requested_by,
        decided_by=row.decided_by,
        requested_at=d.requested_at,
        taken_at=d.taken_at,
    )


def _holder_out(version: RuleVersionView, name: str) -> HolderOut:
    ref = _ref(version)
    assert ref is not None
    return HolderOut(kind=version.holder_kind, name=name, rule=ref)


def _approval_out(row: decision_queries.ApprovalRow) -> ApprovalOut:
    r = row.request
    return ApprovalOut(
        id=r.id,
        case_number=row.decision.case_number,
        status=r.status,
        decision=_decision_out(row.decision),
        holder=_holder_out(row.holder, row.holder_name),
        requested_by=row.decision.requested_by,
        requested_at=r.requested_at,
        due_at=r.due_at,
        overdue=row.overdue(clock.now()),
        escalations=r.escalations,
        decided_at=r.decided_at,
        decline_reason=r.decline_reason,
        may_decide=row.may_decide,
    )


def _one_approval(db: DB, caller: CurrentCaller, request: ApprovalRequest) -> ApprovalOut:
    rows = decision_queries.approval_rows(db, caller.actor, [request], _locale(caller))
    return _approval_out(rows[0])


def _version_out(v: MandateRuleVersion) -> RuleVersionOut:
    return RuleVersionOut(
        id=v.id,
        version=v.version,
        name=v.name,
        holder={
            "kind": v.holder_kind,
            "role": v.holder_role,
            "team_id": v.holder_team_id,
            "user_id": v.holder_user_id,
        },
        limit=_money(v.limit_amount if v.limit_amount is not None else v.limit_days),
        customer_limit=_money(v.customer_limit),
        window_days=v.window_days,
        is_active=v.is_active,
        why=v.why,
        changed_by_id=v.changed_by_id,
        changed_at=v.changed_at,
    )


def _rule_out(db: DB, version: MandateRuleVersion) -> RuleOut:
    decision_type = mandate_queries.type_of_rule(db, version.rule_id)
    return RuleOut(
        id=version.rule_id, decision_type=decision_type.slug, current=_version_out(version)
    )


# ---- decision types -----------------------------------------------------------------


@router.get("/decision-types", response_model=list[DecisionTypeOut])
def list_decision_types(db: DB, caller: CurrentCaller) -> list[DecisionTypeOut]:
    """Every decision type, active first, in name order."""
    require_staff(caller.actor)
    return [_type_out(db, t) for t in mandate_queries.decision_types(db)]


@router.post("/decision-types", status_code=201, response_model=DecisionTypeOut)
def create_decision_type(body: DecisionTypeIn, db: DB, caller: CurrentCaller) -> DecisionTypeOut:
    """Define a decision (admins)."""
    created = mandate_actions.create_decision_type(
        session=db, actor=caller.actor, **body.model_dump()
    )
    db.commit()
    return _type_out(db, created)


@router.patch("/decision-types/{type_id}", response_model=DecisionTypeOut)
def update_decision_type(
    type_id: int, body: DecisionTypePatch, db: DB, caller: CurrentCaller
) -> DecisionTypeOut:
    """Change a decision type (admins); its kind never changes."""
    changed = mandate_actions.update_decision_type(
        session=db, actor=caller.actor, type_id=type_id, **body.model_dump(exclude_unset=True)
    )
    db.commit()
    return _type_out(db, changed)


# ---- rules --------------------------------------------------------------------------


@router.get("/mandate-rules", response_model=list[RuleOut])
def list_rules(db: DB, caller: CurrentCaller) -> list[RuleOut]:
    """The rules in force (each at its current version)."""
    require_staff(caller.actor)
    return [_rule_out(db, v) for v in current_versions(db)]


@router.post("/mandate-rules", status_code=201, response_model=RuleOut)
def create_rule(body: RuleIn, db: DB, caller: CurrentCaller) -> RuleOut:
    """A new rule: admins, and leads for their own team within its ceiling."""
    decision_type = mandate_actions.decision_type_by_slug(
        db, body.decision_type, field="decision_type"
    )
    version = mandate_actions.create_rule(
        session=db,
        actor=caller.actor,
        decision_type_id=decision_type.id,
        name=body.name,
        holder=body.holder.model_dump(),
        limit=body.limit,
        customer_limit=body.customer_limit,
        window_days=body.window_days,
        why=body.why,
    )
    db.commit()
    return _rule_out(db, version)


@router.patch("/mandate-rules/{rule_id}", response_model=RuleOut)
def change_rule(rule_id: int, body: RulePatch, db: DB, caller: CurrentCaller) -> RuleOut:
    """A new version of the rule, with why; fields left out keep their value, null
    removes a limit."""
    given = body.model_dump(exclude_unset=True)
    version = mandate_actions.change_rule(
        session=db,
        actor=caller.actor,
        rule_id=rule_id,
        why=body.why,
        name=body.name,
        holder=body.holder.model_dump() if body.holder is not None else None,
        limit=given.get("limit", ...),
        customer_limit=given.get("customer_limit", ...),
        window_days=given.get("window_days", ...),
        is_active=body.is_active,
    )
    db.commit()
    return _rule_out(db, version)


@router.get("/mandate-rules/{rule_id}/versions", response_model=list[RuleVersionOut])
def rule_versions(rule_id: int, db: DB, caller: CurrentCaller) -> list[RuleVersionOut]:
    """Every version of a rule, newest first (who, when, why)."""
    require_staff(caller.actor)
    mandate_actions.current_version(db, rule_id)  # 404 for an unknown rule
    return [_version_out(v) for v in mandate_queries.versions_of_rule(db, rule_id)]


@router.put("/mandate-ceilings", response_model=CeilingIn)
def set_ceiling(body: CeilingIn, db: DB, caller: CurrentCaller) -> CeilingIn:
    """The highest limits a team's leads may give for a decision type (admins)."""
    decision_type = mandate_actions.decision_type_by_slug(
        db, body.decision_type, field="decision_type"
    )
    ceiling = mandate_actions.set_ceiling(
        session=db,
        actor=caller.actor,
        team_id=body.team_id,
        decision_type_id=decision_type.id,
        limit=body.limit,
        customer_limit=body.customer_limit,
    )
    db.commit()
    return CeilingIn(
        team_id=ceiling.team_id,
        decision_type=decision_type.slug,
        limit=_money(
            ceiling.limit_amount if ceiling.limit_amount is not None else ceiling.limit_days
        ),
        customer_limit=_money(ceiling.customer_limit),
    )


# ---- in a case ----------------------------------------------------------------------


@router.get("/cases/{number}/mandate", response_model=list[MandateOut])
def case_mandate(number: str, db: DB, caller: CurrentCaller) -> list[MandateOut]:
    """What the caller may decide in the case now, per decision type of its topic."""
    require_staff(caller.actor)
    case = get_case_for(db, caller.actor, number)
    out = []
    for line in decision_queries.mandate_lines(db, caller.actor, case, clock.now()):
        best = line.mandate.best
        out.append(
            MandateOut(
                type=line.decision_type.slug,
                kind=line.kind,
                name_sv=line.decision_type.name_sv,
                name_en=line.decision_type.name_en,
                limit=line.limit,
                used_for_customer=_money(line.used_for_customer),
                remaining=line.remaining,
                may_decide=line.mandate.may_decide,
                customer_limit=_money(best.version.customer_limit) if best else None,
                window_days=best.version.window_days if best else None,
                rule=_ref(best.version) if best else None,
            )
        )
    return out


@router.get("/cases/{number}/decisions", response_model=list[DecisionOut])
def case_decisions(number: str, db: DB, caller: CurrentCaller) -> list[DecisionOut]:
    """The case's decisions, oldest first."""
    require_staff(caller.actor)
    case = get_case_for(db, caller.actor, number)
    return [_decision_out(r) for r in decision_queries.decisions_of_case(db, case)]


@router.post(
    "/cases/{number}/decisions",
    status_code=201,
    response_model=DecisionResultOut,
)
def take_decision(
    number: str, body: DecisionIn, response: Response, db: DB, caller: CurrentCaller
) -> DecisionResultOut:
    """Within the caller's mandate the decision is taken at once (201, with the rule
    version that allowed it); beyond it an approval request goes to the lowest holder
    whose mandate covers it (202, with the request)."""
    outcome = decision_actions.take_decision(
        session=db,
        actor=caller.actor,
        number=number,
        type=body.type,
        reason=body.reason,
        amount=body.amount,
        days=body.days,
        value=body.value,
    )
    db.commit()
    row = decision_queries.decision_rows(db, [outcome.decision])[0]
    if outcome.approval is None:
        return DecisionResultOut(
            state="taken", decision=_decision_out(row), rule=_ref(outcome.rule), approval=None
        )
    response.status_code = 202
    assert outcome.holder is not None
    name = mandate_queries.holder_label(db, outcome.holder, _locale(caller))
    return DecisionResultOut(
        state="pending_approval",
        decision=_decision_out(row),
        rule=None,
        approval=ApprovalRef(
            id=outcome.approval.id,
            due_at=outcome.approval.due_at,
            holder=_holder_out(outcome.holder, name),
        ),
    )


# ---- approvals ----------------------------------------------------------------------


@router.get("/approvals", response_model=list[ApprovalOut])
def list_approvals(
    db: DB,
    caller: CurrentCaller,
    status: Annotated[
        Literal["pending", "approved", "declined", "withdrawn"] | None, Query()
    ] = None,
    asked_by: Annotated[Literal["me"] | None, Query(description="'me': asked by me")] = None,
    limit: Annotated[int, Query(ge=1, le=decision_queries.MAX_LIMIT)] = 50,
) -> list[ApprovalOut]:
    """Requests the caller may decide (with ``asked_by=me``: the caller's own requests),
    most urgent first."""
    rows = decision_queries.list_approvals(
        db,
        caller.actor,
        status=status,
        asked_by_me=asked_by == "me",
        locale=_locale(caller),
        limit=limit,
    )
    return [_approval_out(r) for r in rows]


@router.get("/approvals/{approval_id}", response_model=ApprovalOut)
def get_approval(approval_id: int, db: DB, caller: CurrentCaller) -> ApprovalOut:
    request = decision_actions.get_approval_for(db, caller.actor, approval_id)
    return _one_approval(db, caller, request)


@router.post("/approvals/{approval_id}/approve", response_model=ApprovalOut)
def approve(approval_id: int, db: DB, caller: CurrentCaller) -> ApprovalOut:
    """The holder approves: the decision is taken in the case (403 on one's own)."""
    outcome = decision_actions.approve(session=db, actor=caller.actor, approval_id=approval_id)
    db.commit()
    assert outcome.approval is not None
    return _one_approval(db, caller, outcome.approval)


@router.post("/approvals/{approval_id}/decline", response_model=ApprovalOut)
def decline(approval_id: int, body: DeclineIn, db: DB, caller: CurrentCaller) -> ApprovalOut:
    """The holder declines with a reason, which goes back to the requester."""
    request = decision_actions.decline(
        session=db, actor=caller.actor, approval_id=approval_id, reason=body.reason
    )
    db.commit()
    return _one_approval(db, caller, request)


@router.post("/approvals/{approval_id}/withdraw", response_model=ApprovalOut)
def withdraw(approval_id: int, db: DB, caller: CurrentCaller) -> ApprovalOut:
    """The requester (or the case's owning side) withdraws a pending request."""
    request = decision_actions.withdraw(session=db, actor=caller.actor, approval_id=approval_id)
    db.commit()
    return _one_approval(db, caller, request)


# ---- what if ------------------------------------------------------------------------


@router.get("/mandates/what-if", response_model=WhatIfOut)
def what_if(
    db: DB,
    caller: CurrentCaller,
    type: Annotated[str, Query(max_length=64, pattern=SLUG)],
    team: Annotated[str, Query(max_length=64, pattern=SLUG)],
    limit: Annotated[
        str,
        Query(
            max_length=32, pattern=AMOUNT_PATTERN, description="The limit to try (kronor or days)."
        ),
    ],
    days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> WhatIfOut:
    """Had the team's limit for the type been ``limit`` over the last ``days`` days."""
    require_staff(caller.actor)
    decision_type = mandate_actions.decision_type_by_slug(db, type)
    tried: Any
    if decision_type.kind == "days":
        tried = mandate_actions.days(limit, field="limit")
    else:
        tried = mandate_actions.amount(limit, field="limit")
    result = decision_queries.what_if(
        db, caller.actor, type_slug=type, team_slug=team, limit=tried, days=days, now=clock.now()
    )
    return WhatIfOut(
        type=result.decision_type.slug,
        team=result.team.slug,
        days=result.days,
        current_limit=_money(result.current_limit),
        limit=_money(result.limit) or "",
        requests=result.requests,
        requested_amount=_money(result.requested_amount) or "0.00",
        would_be_at_once=result.would_be_at_once,
        amount_at_once=_money(result.amount_at_once) or "0.00",
        approved_among_them=result.approved_among_them,
        declined_among_them=result.declined_among_them,
        waited_hours_total=result.waited_hours_total,
        waited_hours_median=result.waited_hours_median,
    )
