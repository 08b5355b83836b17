"""Taking a decision in a case: at once within the person's mandate, otherwise as an
approval request to the lowest holder whose mandate covers it (escalated to the next
holder when overdue). The customer sees the outcome in plain words, or that a colleague
is checking and by when, never internal details.

Cumulative limits per customer hold under concurrency: every decision for a customer
first locks the customer's row (``FOR NO KEY UPDATE`` on PostgreSQL; SQLite lets one
writer at a time anyway), then reads what is used, then writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import validation
from nara.domain.actors import Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.events import append_event
from nara.domain.mandates import amount as parse_amount
from nara.domain.mandates import days as parse_days
from nara.domain.mandates import decision_type_by_slug
from nara.domain.notifications import notify
from nara.i18n import N_
from nara.models import (
    ApprovalRequest,
    ApprovalStatus,
    Case,
    CaseStatus,
    Customer,
    Decision,
    DecisionKind,
    DecisionState,
    DecisionType,
    MandateRuleVersion,
)
from nara.queries.access import case_visibility, get_case_for, require_staff
from nara.queries.mandates import (
    Room,
    RuleVersionView,
    applies_to_topic,
    holder_user_ids,
    holders_covering,
    holds,
    mandate_for,
)
from nara.queries.service import calendar_for_team

MAX_REASON = 2000


@dataclass(frozen=True)
class DecisionOutcome:
    decision: Decision
    rule: RuleVersionView | None  # the version that allowed it (taken at once)
    approval: ApprovalRequest | None  # the request (beyond the mandate)
    holder: RuleVersionView | None  # who decides the request


def _lock_customer(session: Session, customer_id: int) -> None:
    """Decisions for one customer take turns (the cumulative limit)."""
    session.execute(
        select(Customer.id).where(Customer.id == customer_id).with_for_update(key_share=True)
    ).all()


def quantity_of(
    decision_type: DecisionType, *, amount: object, days: object, value: object
) -> tuple[Decimal | None, int | None, bool | None]:
    """The decision's value, checked against its kind."""
    kind = decision_type.kind
    given = {"amount": amount, "days": days, "value": value}
    expected = {"amount": "amount", "days": "days", "yes_no": "value"}[kind]
    extra = [k for k, v in given.items() if v is not None and k != expected]
    if extra:
        raise ValidationFailed(
            f"a {kind} decision takes {expected!r}, not {extra[0]!r}",
            field=extra[0],
            template=N_("This decision takes a different kind of value."),
        )
    if kind == DecisionKind.amount.value:
        if amount is None:
            raise ValidationFailed(
                "amount is required for this decision",
                field="amount",
                template=N_("Give the amount."),
            )
        return parse_amount(amount), None, None
    if kind == DecisionKind.days.value:
        if days is None:
            raise ValidationFailed(
                "days is required for this decision",
                field="days",
                template=N_("Give the number of days."),
            )
        return None, parse_days(days), None
    if not isinstance(value, bool):
        raise ValidationFailed(
            "value must be true or false for this decision",
            field="value",
            template=N_("Choose yes or no."),
        )
    return None, None, value


def _measure(decision: Decision) -> Decimal | int | None:
    """What a mandate's limit is compared with."""
    if decision.amount is not None:
        return decision.amount
    return decision.days


def _facts(decision: Decision, decision_type: DecisionType) -> dict[str, Any]:
    """What the timeline keeps of a decision (facts; the words come from the type)."""
    return {
        "decision_id": decision.id,
        "type": decision_type.slug,
        "type_sv": decision_type.name_sv,
        "type_en": decision_type.name_en,
        "kind": decision_type.kind,
        "amount": format(decision.amount, "f") if decision.amount is not None else None,
        "days": decision.days,
        "value": decision.value,
    }


def _rule_facts(version: RuleVersionView) -> dict[str, Any]:
    return {"rule_id": version.rule_id, "rule_version": version.version, "rule": version.name}


def take_decision(
    *,
    session: Session,
    actor: Actor,
    number: str,
    type: str,
    reason: str | None = None,
    amount: object = None,
    days: object = None,
    value: object = None,
) -> DecisionOutcome:
    """Decide in case ``number``: at once within the actor's mandate, otherwise send an
    approval request to the lowest holder whose mandate covers it."""
    require_staff(actor)
    case = get_case_for(session, actor, number, to_change=True)
    if case.status == CaseStatus.closed.value:
        raise Conflict(
            f"case {case.number} is closed; reopen it to decide in it",
            template=N_("The case is closed. Reopen it to take a decision in it."),
        )
    decision_type = decision_type_by_slug(session, type)
    if not applies_to_topic(session, decision_type, case.topic_id):
        raise ValidationFailed(
            f"{decision_type.slug} is not a decision for this case's topic",
            field="type",
            template=N_("This decision is not taken in cases of this topic."),
        )
    the_amount, the_days, the_value = quantity_of(
        decision_type, amount=amount, days=days, value=value
    )
    clean_reason = validation.text(
        reason, field="reason", max_length=MAX_REASON, required=decision_type.reason_required
    )
    _lock_customer(session, case.customer_id)
    now = clock.now()
    decision = Decision(
        case_id=case.id,
        customer_id=case.customer_id,
        team_id=case.team_id,
        decision_type_id=decision_type.id,
        amount=the_amount,
        days=the_days,
        value=the_value,
        reason=clean_reason,
        state=DecisionState.pending_approval.value,
        rule_version_id=None,
        requested_by_id=actor.user_id,
        decided_by_id=None,
        requested_at=now,
        taken_at=None,
    )
    mandate = mandate_for(session, actor, decision_type, customer_id=case.customer_id, now=now)
    room = mandate.covering(the_amount if the_amount is not None else the_days)
    session.add(decision)
    if room is not None:
        _take(session, actor, case, decision, decision_type, room.version, now)
        session.flush()
        return DecisionOutcome(decision, room.version, None, None)
    holder = _first_holder(session, actor, decision_type, decision, now, after=None)
    if holder is None:
        raise Conflict(
            "nobody's mandate covers this decision; an admin must give one",
            template=N_("Nobody has a mandate that covers this decision. Ask an admin."),
        )
    session.flush()
    request = _request(session, actor, case, decision, decision_type, holder.version, now)
    return DecisionOutcome(decision, None, request, holder.version)


def _first_holder(
    session: Session,
    requester: Actor,
    decision_type: DecisionType,
    decision: Decision,
    now: datetime,
    *,
    after: RuleVersionView | None,
) -> Room | None:
    """The lowest holder whose mandate covers the decision and who is not only the
    requester; with ``after``, the next one above that holder."""
    rooms = holders_covering(
        session, decision_type, _measure(decision), customer_id=decision.customer_id, now=now
    )
    candidates = [r for r in rooms if _others_hold(session, r.version, requester)]
    if after is not None:
        ids = [r.version.id for r in candidates]
        if after.id in ids:
            candidates = candidates[ids.index(after.id) + 1 :]
        else:
            candidates = [r for r in candidates if r.version.rule_id != after.rule_id]
    return candidates[0] if candidates else None


def _others_hold(session: Session, version: RuleVersionView, requester: Actor) -> bool:
    """Someone active besides the requester holds ``version``."""
    return any(uid != requester.user_id for uid in holder_user_ids(session, version))


def _take(
    session: Session,
    actor: Actor,
    case: Case,
    decision: Decision,
    decision_type: DecisionType,
    version: RuleVersionView,
    now: datetime,
    *,
    approved_by: Actor | None = None,
) -> None:
    decision.state = DecisionState.taken.value
    decision.rule_version_id = version.id
    decision.decided_by_id = (approved_by or actor).user_id
    decision.taken_at = now
    session.flush()
    facts = _facts(decision, decision_type)
    append_event(
        session,
        case=case,
        type="decision.taken",
        actor=approved_by or actor,
        body=decision.reason,
        data={**facts, **_rule_facts(version), "approved": approved_by is not None},
        at=now,
    )
    append_event(
        session, case=case, type="decision.outcome", actor=approved_by or actor, data=facts, at=now
    )


def _request(
    session: Session,
    actor: Actor,
    case: Case,
    decision: Decision,
    decision_type: DecisionType,
    holder: RuleVersionView,
    now: datetime,
) -> ApprovalRequest:
    due = calendar_for_team(session, case.team_id).add_business_seconds(
        now, decision_type.approval_minutes * 60
    )
    request = ApprovalRequest(
        decision_id=decision.id,
        case_id=case.id,
        requested_by_id=actor.user_id,
        holder_rule_version_id=holder.id,
        status=ApprovalStatus.pending.value,
        escalations=0,
        requested_at=now,
        due_at=due,
        check_at=due,
    )
    session.add(request)
    session.flush()
    facts = {
        **_facts(decision, decision_type),
        "approval_id": request.id,
        "due_at": due.isoformat(),
    }
    append_event(
        session,
        case=case,
        type="decision.requested",
        actor=actor,
        body=decision.reason,
        data={**facts, "holder_rule_id": holder.rule_id, "holder": holder.name},
        at=now,
    )
    append_event(
        session,
        case=case,
        type="decision.pending",
        actor=actor,
        data={"due_at": due.isoformat()},
        at=now,
    )
    notify(
        session,
        user_ids=[u for u in holder_user_ids(session, holder) if u != actor.user_id],
        kind="approval.requested",
        actor=actor,
        case=case,
        data={"case_number": case.number, "approval_id": request.id},
    )
    return request


# ---- approvals ----------------------------------------------------------------------


def get_approval_for(
    session: Session, actor: Actor, approval_id: int, *, lock: bool = False
) -> ApprovalRequest:
    """An approval request the actor may see: its holder, its requester, or the owning
    side of its case (404 for everyone else)."""
    require_staff(actor)
    stmt = select(ApprovalRequest).where(ApprovalRequest.id == approval_id)
    if lock:
        stmt = stmt.with_for_update(of=ApprovalRequest)
    request = session.scalar(stmt)
    if request is None:
        raise NotFound(f"no approval request {approval_id}")
    holder = session.get(MandateRuleVersion, request.holder_rule_version_id)
    assert holder is not None
    if holds(actor, holder) or request.requested_by_id == actor.user_id or actor.is_admin:
        return request
    if session.scalar(select(Case.id).where(Case.id == request.case_id, case_visibility(actor))):
        return request
    raise NotFound(f"no approval request {approval_id}")


def _pending(request: ApprovalRequest) -> None:
    if request.status != ApprovalStatus.pending.value:
        raise Conflict(
            f"the request is already {request.status}",
            template=N_("This request has already been decided or withdrawn."),
        )


def approve(*, session: Session, actor: Actor, approval_id: int) -> DecisionOutcome:
    """The holder approves: the decision is taken in the case, under the approver's own
    rule version, and the requester is told. Nobody approves their own request."""
    request = get_approval_for(session, actor, approval_id, lock=True)
    if request.requested_by_id == actor.user_id:
        raise PermissionDenied(
            "nobody approves their own request",
            template=N_("Nobody approves their own request."),
        )
    _pending(request)
    decision = session.get(Decision, request.decision_id)
    case = session.get(Case, request.case_id)
    assert decision is not None and case is not None
    decision_type = session.get(DecisionType, decision.decision_type_id)
    assert decision_type is not None
    holder = session.get(MandateRuleVersion, request.holder_rule_version_id)
    assert holder is not None
    if not holds(actor, holder):
        raise PermissionDenied(
            "only the request's holder decides it",
            template=N_("Only the person or team the request was sent to can decide it."),
        )
    _lock_customer(session, decision.customer_id)
    now = clock.now()
    mandate = mandate_for(session, actor, decision_type, customer_id=decision.customer_id, now=now)
    room = mandate.covering(_measure(decision))
    if room is None:
        raise Conflict(
            "this decision is beyond your mandate now (the customer's limit may have been used)",
            template=N_(
                "This decision is beyond your mandate now; the customer's limit may have been "
                "used since the request was made."
            ),
        )
    request.status = ApprovalStatus.approved.value
    request.decided_by_id = actor.user_id
    request.decided_at = now
    request.check_at = None
    requester = Actor(user_id=decision.requested_by_id, role=actor.role)
    _take(session, requester, case, decision, decision_type, room.version, now, approved_by=actor)
    notify(
        session,
        user_ids=[decision.requested_by_id] if decision.requested_by_id else [],
        kind="approval.approved",
        actor=actor,
        case=case,
        data={"case_number": case.number, "approval_id": request.id},
    )
    session.flush()
    return DecisionOutcome(decision, room.version, request, holder)


def decline(*, session: Session, actor: Actor, approval_id: int, reason: str) -> ApprovalRequest:
    """The holder declines with a reason, which goes back to the requester."""
    request = get_approval_for(session, actor, approval_id, lock=True)
    if request.requested_by_id == actor.user_id:
        raise PermissionDenied(
            "nobody decides their own request",
            template=N_("Nobody approves their own request."),
        )
    clean = validation.text(reason, field="reason", max_length=MAX_REASON)
    _pending(request)
    holder = session.get(MandateRuleVersion, request.holder_rule_version_id)
    assert holder is not None
    if not holds(actor, holder):
        raise PermissionDenied(
            "only the request's holder decides it",
            template=N_("Only the person or team the request was sent to can decide it."),
        )
    decision = session.get(Decision, request.decision_id)
    case = session.get(Case, request.case_id)
    assert decision is not None and case is not None
    decision_type = session.get(DecisionType, decision.decision_type_id)
    assert decision_type is not None
    now = clock.now()
    request.status = ApprovalStatus.declined.value
    request.decided_by_id = actor.user_id
    request.decided_at = now
    request.decline_reason = clean
    request.check_at = None
    decision.state = DecisionState.declined.value
    decision.decided_by_id = actor.user_id
    append_event(
        session,
        case=case,
        type="decision.declined",
        actor=actor,
        body=clean,
        data={**_facts(decision, decision_type), "approval_id": request.id},
        at=now,
    )
    notify(
        session,
        user_ids=[decision.requested_by_id] if decision.requested_by_id else [],
        kind="approval.declined",
        actor=actor,
        case=case,
        data={"case_number": case.number, "approval_id": request.id, "reason": clean},
    )
    session.flush()
    return request


def withdraw(*, session: Session, actor: Actor, approval_id: int) -> ApprovalRequest:
    """The requester (or the case's owning side) withdraws a pending request."""
    request = get_approval_for(session, actor, approval_id, lock=True)
    case = session.get(Case, request.case_id)
    assert case is not None
    if request.requested_by_id != actor.user_id:
        get_case_for(session, actor, case.number, to_change=True)
    _pending(request)
    decision = session.get(Decision, request.decision_id)
    assert decision is not None
    decision_type = session.get(DecisionType, decision.decision_type_id)
    assert decision_type is not None
    now = clock.now()
    request.status = ApprovalStatus.withdrawn.value
    request.decided_at = now
    request.check_at = None
    decision.state = DecisionState.withdrawn.value
    append_event(
        session,
        case=case,
        type="decision.withdrawn",
        actor=actor,
        data={**_facts(decision, decision_type), "approval_id": request.id},
        at=now,
    )
    session.flush()
    return request


@dataclass
class ApprovalCheck:
    escalated: int = 0
    overdue: int = 0


def check_approval_batch(
    *, session: Session, actor: Actor, now: datetime, after_id: int, limit: int = 200
) -> tuple[ApprovalCheck, int | None]:
    """One batch of the periodic check: pending requests past their due time go to the
    next holder whose mandate covers them (with a new due time); when there is none,
    the request is marked overdue once and stays."""
    report = ApprovalCheck()
    rows = session.scalars(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.id > after_id,
            ApprovalRequest.check_at <= now,
            ApprovalRequest.status == ApprovalStatus.pending.value,
        )
        .order_by(ApprovalRequest.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for request in rows:
        decision = session.get(Decision, request.decision_id)
        case = session.get(Case, request.case_id)
        current = session.get(MandateRuleVersion, request.holder_rule_version_id)
        assert decision is not None and case is not None and current is not None
        decision_type = session.get(DecisionType, decision.decision_type_id)
        assert decision_type is not None
        requester = Actor(user_id=request.requested_by_id, role=actor.role)
        nxt = _first_holder(session, requester, decision_type, decision, now, after=current)
        if nxt is None:
            request.check_at = None
            append_event(
                session,
                case=case,
                type="approval.overdue",
                actor=actor,
                data={"approval_id": request.id, "holder": current.name},
            )
            notify(
                session,
                user_ids=[
                    *holder_user_ids(session, current),
                    *([request.requested_by_id] if request.requested_by_id else []),
                ],
                kind="approval.overdue",
                actor=actor,
                case=case,
                data={"case_number": case.number, "approval_id": request.id},
            )
            report.overdue += 1
            continue
        due = calendar_for_team(session, case.team_id).add_business_seconds(
            now, decision_type.approval_minutes * 60
        )
        request.holder_rule_version_id = nxt.version.id
        request.escalations += 1
        request.due_at = due
        request.check_at = due
        append_event(
            session,
            case=case,
            type="approval.escalated",
            actor=actor,
            data={
                "approval_id": request.id,
                "from": current.name,
                "to": nxt.version.name,
                "due_at": due.isoformat(),
            },
        )
        append_event(
            session,
            case=case,
            type="decision.pending",
            actor=actor,
            data={"due_at": due.isoformat()},
        )
        notify(
            session,
            user_ids=[
                u for u in holder_user_ids(session, nxt.version) if u != request.requested_by_id
            ],
            kind="approval.requested",
            actor=actor,
            case=case,
            data={"case_number": case.number, "approval_id": request.id},
        )
        report.escalated += 1
    session.flush()
    return report, (rows[-1].id if len(rows) == limit else None)
