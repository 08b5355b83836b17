"""Read side of decisions and approval requests: a case's decisions, the approvals
inbox (most urgent first), a person's mandate per decision type in a case, and the
what-if of a different limit computed from the recorded requests."""

from __future__ import annotations

import functools
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.orm import Session, aliased

from nara.domain.actors import Actor
from nara.domain.errors import NotFound, ValidationFailed
from nara.i18n import N_
from nara.models import (
    ApprovalRequest,
    ApprovalStatus,
    Case,
    Decision,
    DecisionKind,
    DecisionState,
    DecisionType,
    HolderKind,
    MandateRuleVersion,
    Team,
    User,
)
from nara.queries import case_extras
from nara.queries.access import require_staff
from nara.queries.mandates import (
    ZERO,
    DecisionTypeView,
    Ledger,
    Mandate,
    current_versions,
    held_by_clause,
    holder_label,
    holds,
    kept_rules_in_force,
    ledger_for_customer,
    mandate_for,
    type_rows_for_topic,
)

MAX_LIMIT = 100
DEFAULT_WINDOW = 365  # days over which "used for the customer" is shown without a rule's own

_Holder = aliased(MandateRuleVersion)


@dataclass(frozen=True)
class MandateLine:
    """One decision type's line of a person's mandate in a case."""

    decision_type: DecisionTypeView
    mandate: Mandate
    used_for_customer: Decimal | None

    @property
    def kind(self) -> str:
        return self.decision_type.kind

    def text(self, value: Decimal | int | None) -> str | None:
        if value is None:
            return None
        if isinstance(value, Decimal):
            return format(value, "f")
        return str(value)

    @property
    def limit(self) -> str | None:
        best = self.mandate.best
        return self.text(best.limit) if best is not None else None

    @property
    def remaining(self) -> str | None:
        best = self.mandate.best
        if best is None:
            if self.kind == DecisionKind.amount.value:
                return "0.00"
            return "0" if self.kind == DecisionKind.days.value else None
        return self.text(best.remaining)


def mandate_lines(session: Session, actor: Actor, case: Case, now: datetime) -> list[MandateLine]:
    """For each decision type of the case's topic: what ``actor`` may decide now for
    the case's customer."""
    lines: list[MandateLine] = []
    types = type_rows_for_topic(session, case.topic_id)
    if not types:
        return lines
    by_type = kept_rules_in_force(session)
    windows = [v.window_days for vs in by_type.values() for v in vs if v.window_days]
    widest = max([*windows, DEFAULT_WINDOW])
    since = now - timedelta(days=widest)
    ledger = (
        ledger_for_customer(session, customer_id=case.customer_id, window_days=widest, now=now)
        if case_extras.has(session, case.id, "customer_decisions")
        else Ledger(since, ())  # the customer has no decided amounts: nothing used
    )
    for decision_type in types:
        mandate = mandate_for(
            session,
            actor,
            decision_type,
            customer_id=case.customer_id,
            now=now,
            versions=by_type.get(decision_type.id, ()),
            ledger=ledger,
        )
        used: Decimal | None = None
        if decision_type.kind == DecisionKind.amount.value:
            best = mandate.best
            if best is not None and best.used is not None:
                used = best.used
            else:
                window = (
                    best.version.window_days
                    if best is not None and best.version.window_days
                    else DEFAULT_WINDOW
                )
                used = ledger.used(decision_type.id, window, now)
        lines.append(MandateLine(decision_type, mandate, used))
    return lines


@dataclass(frozen=True)
class DecisionRow:
    decision: Decision
    decision_type: DecisionType
    case_number: str
    rule: MandateRuleVersion | None
    requested_by: str | None
    decided_by: str | None


def _names(session: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    rows = session.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))
    return {user_id: name for user_id, name in rows}


def decision_rows(session: Session, decisions: list[Decision]) -> list[DecisionRow]:
    if not decisions:
        return []
    types = {
        t.id: t
        for t in session.scalars(
            select(DecisionType).where(
                DecisionType.id.in_(sorted({d.decision_type_id for d in decisions}))
            )
        )
    }
    rule_ids = sorted({d.rule_version_id for d in decisions if d.rule_version_id is not None})
    rules = {
        v.id: v
        for v in session.scalars(
            select(MandateRuleVersion).where(MandateRuleVersion.id.in_(rule_ids))
        )
    }
    numbers: dict[int, str] = {
        case_id: number
        for case_id, number in session.execute(
            select(Case.id, Case.number).where(Case.id.in_(sorted({d.case_id for d in decisions})))
        )
    }
    names = _names(
        session, {d.requested_by_id for d in decisions} | {d.decided_by_id for d in decisions}
    )
    return [
        DecisionRow(
            decision=d,
            decision_type=types[d.decision_type_id],
            case_number=numbers[d.case_id],
            rule=rules.get(d.rule_version_id) if d.rule_version_id is not None else None,
            requested_by=names.get(d.requested_by_id) if d.requested_by_id else None,
            decided_by=names.get(d.decided_by_id) if d.decided_by_id else None,
        )
        for d in decisions
    ]


def decisions_of_case(session: Session, case: Case) -> list[DecisionRow]:
    if not case_extras.has(session, case.id, "decisions"):
        return []
    return decision_rows(session, list(session.scalars(_of_case(), {"dc_case": case.id})))


@functools.cache
def _of_case() -> Select[Decision]:
    """:func:`decisions_of_case`' query, built once (``dc_case``): every case page."""
    return select(Decision).where(Decision.case_id == bindparam("dc_case")).order_by(Decision.id)


@dataclass(frozen=True)
class ApprovalRow:
    request: ApprovalRequest
    decision: DecisionRow
    holder: MandateRuleVersion
    holder_name: str
    may_decide: bool  # the reader holds it and did not ask for it

    def overdue(self, now: datetime) -> bool:
        return self.request.status == ApprovalStatus.pending.value and now > self.request.due_at


def approval_rows(
    session: Session, actor: Actor, requests: list[ApprovalRequest], locale: str
) -> list[ApprovalRow]:
    decisions = {
        d.id: d
        for d in session.scalars(
            select(Decision).where(Decision.id.in_(sorted({r.decision_id for r in requests})))
        )
    }
    rows = {r.decision.id: r for r in decision_rows(session, list(decisions.values()))}
    out = []
    for request in requests:
        holder = session.get(MandateRuleVersion, request.holder_rule_version_id)
        assert holder is not None
        out.append(
            ApprovalRow(
                request=request,
                decision=rows[request.decision_id],
                holder=holder,
                holder_name=holder_label(session, holder, locale),
                may_decide=(
                    request.status == ApprovalStatus.pending.value
                    and holds(actor, holder)
                    and request.requested_by_id != actor.user_id
                ),
            )
        )
    return out


def list_approvals(
    session: Session,
    actor: Actor,
    *,
    status: str | None,
    asked_by_me: bool,
    locale: str,
    limit: int = 50,
) -> list[ApprovalRow]:
    """Requests the caller holds (with ``asked_by_me``: that the caller made), most
    urgent first (pending by due time, the rest newest first)."""
    require_staff(actor)
    stmt = select(ApprovalRequest)
    if asked_by_me:
        stmt = stmt.where(ApprovalRequest.requested_by_id == actor.user_id)
    else:
        stmt = stmt.join(_Holder, _Holder.id == ApprovalRequest.holder_rule_version_id).where(
            held_by_clause(actor, _Holder)
        )
    if status is not None:
        stmt = stmt.where(ApprovalRequest.status == status)
    stmt = stmt.order_by(
        (ApprovalRequest.status != ApprovalStatus.pending.value),
        ApprovalRequest.due_at,
        ApprovalRequest.id,
    ).limit(limit)
    return approval_rows(session, actor, list(session.scalars(stmt)), locale)


def approvals_of_case(session: Session, actor: Actor, case: Case, locale: str) -> list[ApprovalRow]:
    requests = list(
        session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.case_id == case.id)
            .order_by(ApprovalRequest.id)
        )
    )
    return approval_rows(session, actor, requests, locale)


def pending_count(session: Session, actor: Actor) -> int:
    """Pending requests the actor may decide (the header's counter)."""
    return (
        session.scalar(
            select(func.count(ApprovalRequest.id))
            .join(_Holder, _Holder.id == ApprovalRequest.holder_rule_version_id)
            .where(
                ApprovalRequest.status == ApprovalStatus.pending.value,
                held_by_clause(actor, _Holder),
                ApprovalRequest.requested_by_id.is_distinct_from(actor.user_id),
            )
        )
        or 0
    )


# ---- what if ------------------------------------------------------------------------


@dataclass(frozen=True)
class WhatIf:
    decision_type: DecisionType
    team: Team
    days: int
    current_limit: Decimal | int | None  # the team's widest rule now (None: none)
    limit: Decimal | int
    requests: int  # approval requests from the team's cases in the window
    requested_amount: Decimal
    would_be_at_once: int  # of them within the new limit
    amount_at_once: Decimal
    approved_among_them: int
    declined_among_them: int
    waited_hours_total: float  # approval lead time the at-once ones spent waiting
    waited_hours_median: float | None


def what_if(
    session: Session,
    actor: Actor,
    *,
    type_slug: str,
    team_slug: str,
    limit: Decimal | int,
    days: int,
    now: datetime,
) -> WhatIf:
    """Had the team's limit for the type been ``limit`` over the last ``days`` days: how
    many approval requests (and how much) would have been decided at once, and how
    much waiting that would have saved. Computed from the recorded requests."""
    require_staff(actor)
    decision_type = session.scalar(select(DecisionType).where(DecisionType.slug == type_slug))
    if decision_type is None:
        raise ValidationFailed(
            f"no decision type {type_slug!r}",
            field="type",
            template=N_("There is no such decision type."),
        )
    if decision_type.kind == DecisionKind.yes_no.value:
        raise ValidationFailed(
            "a yes/no decision has no limit to change",
            field="type",
            template=N_("A yes/no decision has holders without limits."),
        )
    team = session.scalar(select(Team).where(Team.slug == team_slug))
    if team is None:
        raise NotFound(f"no team {team_slug!r}")
    held = [
        v
        for v in current_versions(session, decision_type.id)
        if v.holder_kind == HolderKind.team.value and v.holder_team_id == team.id
    ]
    limits = [v.limit_amount if v.limit_amount is not None else v.limit_days for v in held]
    known = [x for x in limits if x is not None]
    current: Decimal | int | None = max(known) if known else None
    since = now - timedelta(days=days)
    rows = session.execute(
        select(ApprovalRequest, Decision)
        .join(Decision, Decision.id == ApprovalRequest.decision_id)
        .where(
            Decision.decision_type_id == decision_type.id,
            Decision.team_id == team.id,
            ApprovalRequest.requested_at >= since,
        )
    ).all()
    at_once = [
        (r, d)
        for r, d in rows
        if (d.amount if d.amount is not None else d.days) is not None
        and (d.amount if d.amount is not None else d.days) <= limit  # type: ignore[operator]
    ]
    waits = [
        ((r.decided_at or now) - r.requested_at).total_seconds() / 3600
        for r, _ in at_once
        if r.status in (ApprovalStatus.approved.value, ApprovalStatus.pending.value)
    ]
    return WhatIf(
        decision_type=decision_type,
        team=team,
        days=days,
        current_limit=current,
        limit=limit,
        requests=len(rows),
        requested_amount=sum((d.amount or ZERO for _, d in rows), ZERO),
        would_be_at_once=len(at_once),
        amount_at_once=sum((d.amount or ZERO for _, d in at_once), ZERO),
        approved_among_them=sum(1 for r, _ in at_once if r.status == ApprovalStatus.approved.value),
        declined_among_them=sum(1 for r, _ in at_once if r.status == ApprovalStatus.declined.value),
        waited_hours_total=round(sum(waits), 1),
        waited_hours_median=round(statistics.median(waits), 1) if waits else None,
    )


# ---- follow-up ----------------------------------------------------------------------


@dataclass(frozen=True)
class MandateResult:
    """One decision type in one team over a period: how much was decided at the front
    line, how much went for approval, and how long the answers took."""

    decision_type: DecisionType
    team: Team
    at_once: int  # taken within the requester's own mandate
    requested: int  # sent for approval
    approved: int
    declined: int
    withdrawn: int
    pending: int
    lead_time_median_hours: float | None  # requested → decided, approved or declined
    lead_time_p90_hours: float | None
    answered_in_promise: int  # approvals and declines by their (first) due time
    amount_decided: Decimal

    @property
    def decisions(self) -> int:
        return self.at_once + self.requested

    @property
    def front_line_share(self) -> float | None:
        return self.at_once / self.decisions if self.decisions else None

    @property
    def answered(self) -> int:
        return self.approved + self.declined


def _by_due(request: ApprovalRequest) -> bool:
    return request.decided_at is not None and request.decided_at <= request.due_at


def _quantile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return round(ordered[index], 1)


def mandate_results(
    session: Session, actor: Actor, *, since: datetime, until: datetime
) -> list[MandateResult]:
    """Per decision type and team (the case's team when decided), decisions requested in
    [since, until): at once vs for approval, answers and their lead time."""
    require_staff(actor)
    rows = session.execute(
        select(Decision, ApprovalRequest)
        .outerjoin(ApprovalRequest, ApprovalRequest.decision_id == Decision.id)
        .where(Decision.requested_at >= since, Decision.requested_at < until)
    ).all()
    types = {t.id: t for t in session.scalars(select(DecisionType))}
    teams = {t.id: t for t in session.scalars(select(Team))}
    groups: dict[tuple[int, int], list[tuple[Decision, ApprovalRequest | None]]] = {}
    for decision, request in rows:
        groups.setdefault((decision.decision_type_id, decision.team_id), []).append(
            (decision, request)
        )
    out = []
    for (type_id, team_id), items in groups.items():
        requests = [r for _, r in items if r is not None]
        answered = [
            r
            for r in requests
            if r.status in (ApprovalStatus.approved.value, ApprovalStatus.declined.value)
            and r.decided_at is not None
        ]
        hours = [
            (r.decided_at - r.requested_at).total_seconds() / 3600
            for r in answered
            if r.decided_at is not None
        ]
        out.append(
            MandateResult(
                decision_type=types[type_id],
                team=teams[team_id],
                at_once=sum(1 for _, r in items if r is None),
                requested=len(requests),
                approved=sum(1 for r in requests if r.status == ApprovalStatus.approved.value),
                declined=sum(1 for r in requests if r.status == ApprovalStatus.declined.value),
                withdrawn=sum(1 for r in requests if r.status == ApprovalStatus.withdrawn.value),
                pending=sum(1 for r in requests if r.status == ApprovalStatus.pending.value),
                lead_time_median_hours=_quantile(hours, 0.5),
                lead_time_p90_hours=_quantile(hours, 0.9),
                answered_in_promise=len([r for r in answered if r.escalations == 0 and _by_due(r)]),
                amount_decided=sum(
                    (
                        d.amount
                        for d, _ in items
                        if d.amount is not None and d.state == DecisionState.taken.value
                    ),
                    ZERO,
                ),
            )
        )
    return sorted(out, key=lambda r: (r.decision_type.name_sv, r.team.name_sv))


def decisions_list(
    session: Session,
    actor: Actor,
    *,
    since: datetime,
    until: datetime,
    type_id: int | None = None,
    team_id: int | None = None,
    how: str | None = None,
    limit: int = 500,
) -> list[DecisionRow]:
    """The decisions behind a figure, newest first: ``how`` is "at_once", "requested",
    or an approval status ("approved", "declined", "withdrawn", "pending")."""
    require_staff(actor)
    stmt = (
        select(Decision)
        .outerjoin(ApprovalRequest, ApprovalRequest.decision_id == Decision.id)
        .where(Decision.requested_at >= since, Decision.requested_at < until)
    )
    if type_id is not None:
        stmt = stmt.where(Decision.decision_type_id == type_id)
    if team_id is not None:
        stmt = stmt.where(Decision.team_id == team_id)
    if how == "at_once":
        stmt = stmt.where(ApprovalRequest.id.is_(None))
    elif how == "requested":
        stmt = stmt.where(ApprovalRequest.id.is_not(None))
    elif how in {s.value for s in ApprovalStatus}:
        stmt = stmt.where(ApprovalRequest.status == how)
    stmt = stmt.order_by(Decision.requested_at.desc(), Decision.id.desc()).limit(limit)
    return decision_rows(session, list(session.scalars(stmt)))
