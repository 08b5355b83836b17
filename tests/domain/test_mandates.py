"""Mandates as data: decision types, versioned rules, resolution, decisions taken at once
or sent for approval, approvals, escalation, and the bad input the issue lists."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import decisions as decide
from nara.domain import mandates as mandate
from nara.domain.actors import SYSTEM
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.promises import check_promises
from nara.models import (
    ApprovalRequest,
    AuditEntry,
    CaseEvent,
    CaseStatus,
    Decision,
    MandateRuleVersion,
    Notification,
)
from nara.queries import decisions as decision_queries
from nara.queries.mandates import mandate_for
from tests import factories


def _refund_type(db: Session, **kw: object) -> int:
    t = mandate.create_decision_type(
        session=db,
        actor=SYSTEM,
        slug=str(kw.pop("slug", "refund-fee")),
        name_sv="Återbetalning av avgift",
        name_en="Refund a fee",
        kind=str(kw.pop("kind", "amount")),
        **kw,  # type: ignore[arg-type]
    )
    return t.id


@pytest.fixture
def setup(db: Session) -> tuple[factories.World, int, int, int]:
    """Cards agents may refund up to 500 (1,000 per customer a year); the cards lead up
    to 5,000; admins without limit."""
    w = factories.world(db)
    refund = _refund_type(db)
    agents = mandate.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund,
        name="Kort: avgifter",
        holder={"kind": "team", "team_id": w.cards.id},
        limit="500",
        customer_limit="1000",
        window_days=365,
    )
    lead = mandate.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund,
        name="Kortchef",
        holder={"kind": "user", "user_id": w.card_lead.id},
        limit="5000.00",
    )
    return w, refund, agents.rule_id, lead.rule_id


def _agent(db: Session, w: factories.World) -> object:
    return factories.actor(db, w.card_agent)


def test_money_is_parsed_exactly_and_bad_amounts_are_refused() -> None:
    assert mandate.amount("250") == Decimal("250.00")
    assert mandate.amount("250,5") == Decimal("250.50")
    assert mandate.amount(" 0.01 ") == Decimal("0.01")
    for bad in ("-5", "0", "0.00", "abc", "1.234", "1e3", "", "1000000000.01", 250.5, 250, True):
        with pytest.raises(ValidationFailed):
            mandate.amount(bad)
    assert mandate.amount("1000000000") == Decimal("1000000000.00")
    for bad_days in (0, 3651, -1, "x", 1.5, True):
        with pytest.raises(ValidationFailed):
            mandate.days(bad_days)


def test_within_the_mandate_the_decision_is_taken_at_once_naming_the_rule(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, _, agents_rule, _ = setup
    out = decide.take_decision(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        type="refund-fee",
        amount="250.00",
        reason="Avgiften togs felaktigt",
    )
    assert out.approval is None and out.rule is not None
    assert out.rule.rule_id == agents_rule and out.rule.version == 1
    assert out.decision.state == "taken" and out.decision.amount == Decimal("250.00")
    events = {
        e.type: e for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == w.alice_case.id))
    }
    taken = events["decision.taken"]
    assert not taken.is_public and taken.data["rule_id"] == agents_rule
    assert taken.data["rule_version"] == 1 and taken.data["amount"] == "250.00"
    outcome = events["decision.outcome"]
    assert outcome.is_public and "rule" not in outcome.data and outcome.body == ""


def test_the_mandate_is_explained_and_the_customer_limit_counts_what_was_used(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, _, agents_rule, _ = setup
    agent = factories.actor(db, w.card_agent)
    decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="400",
        reason="r",
    )
    lines = decision_queries.mandate_lines(db, agent, w.alice_case, clock.now())
    line = next(x for x in lines if x.decision_type.slug == "refund-fee")
    assert line.limit == "500.00"
    assert line.used_for_customer == Decimal("400.00")
    assert line.remaining == "500.00"  # 1000 - 400 = 600 left, but 500 per decision
    assert line.mandate.best is not None and line.mandate.best.version.rule_id == agents_rule
    decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="500",
        reason="r",
    )
    line = next(
        x
        for x in decision_queries.mandate_lines(db, agent, w.alice_case, clock.now())
        if x.decision_type.slug == "refund-fee"
    )
    assert line.remaining == "100.00"  # 1000 - 900 used
    # 200 now passes the customer's limit: an approval request, not a decision.
    out = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="200",
        reason="r",
    )
    assert out.decision.state == "pending_approval" and out.approval is not None


def test_beyond_the_mandate_a_request_goes_to_the_lowest_holder_who_covers_it(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, refund, _, lead_rule = setup
    mandate.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund,
        name="Admins",
        holder={"kind": "role", "role": "admin"},
        limit=None,
    )
    agent = factories.actor(db, w.card_agent)
    out = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="3000",
        reason="Goodwill",
    )
    assert out.approval is not None and out.holder is not None
    assert out.holder.rule_id == lead_rule  # 5,000 covers it and is lower than no limit
    assert out.approval.due_at > clock.now()
    public = db.scalars(
        select(CaseEvent).where(
            CaseEvent.case_id == w.alice_case.id, CaseEvent.type == "decision.pending"
        )
    ).one()
    assert public.is_public and set(public.data) == {"due_at"}
    note = db.scalars(select(Notification).where(Notification.user_id == w.card_lead.id)).one()
    assert note.kind == "approval.requested"
    inbox = decision_queries.list_approvals(
        db, factories.actor(db, w.card_lead), status="pending", asked_by_me=False, locale="sv"
    )
    assert [r.request.id for r in inbox] == [out.approval.id] and inbox[0].may_decide
    # More than the lead's 5,000: past the lead, to the admins.
    out2 = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="9000",
        reason="Stor",
    )
    assert out2.holder is not None and out2.holder.holder_role == "admin"


def test_the_holder_approves_and_the_decision_is_taken_under_their_rule(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, _, _, lead_rule = setup
    agent = factories.actor(db, w.card_agent)
    out = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="3000",
        reason="Goodwill",
    )
    assert out.approval is not None
    approved = decide.approve(
        session=db, actor=factories.actor(db, w.card_lead), approval_id=out.approval.id
    )
    assert approved.decision.state == "taken" and approved.rule is not None
    assert approved.rule.rule_id == lead_rule
    assert approved.decision.decided_by_id == w.card_lead.id
    assert db.scalars(
        select(Notification).where(
            Notification.user_id == w.card_agent.id, Notification.kind == "approval.approved"
        )
    ).one()
    with pytest.raises(Conflict):  # decided already
        decide.approve(
            session=db, actor=factories.actor(db, w.card_lead), approval_id=out.approval.id
        )


def test_nobody_approves_their_own_request_and_others_cannot_see_it(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, refund, _, _ = setup
    # A team rule: the whole cards team holds 5,000 ... but the requester is one of them.
    mandate.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund,
        name="Kort större",
        holder={"kind": "role", "role": "agent"},
        limit="10000",
    )
    lead = factories.actor(db, w.card_lead)
    out = decide.take_decision(
        session=db,
        actor=lead,
        number=w.alice_case.number,
        type="refund-fee",
        amount="7000",
        reason="Stort",
    )
    assert out.approval is not None and out.holder is not None
    with pytest.raises(PermissionDenied):
        decide.approve(session=db, actor=lead, approval_id=out.approval.id)
    with pytest.raises(NotFound):  # the loans agent holds the role rule: they may decide
        decide.get_approval_for(db, factories.actor(db, w.admin), 10**9)
    stranger = factories.user(db, role="lead", teams=[w.loans])
    with pytest.raises(NotFound):
        decide.approve(session=db, actor=factories.actor(db, stranger), approval_id=out.approval.id)
    # A holder (any agent) who did not ask approves it.
    done = decide.approve(
        session=db, actor=factories.actor(db, w.loan_agent), approval_id=out.approval.id
    )
    assert done.decision.state == "taken"


def test_a_decline_sends_the_reason_back_and_nothing_is_taken(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, _, _, _ = setup
    agent = factories.actor(db, w.card_agent)
    out = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="3000",
        reason="Goodwill",
    )
    assert out.approval is not None
    lead = factories.actor(db, w.card_lead)
    with pytest.raises(ValidationFailed):
        decide.decline(session=db, actor=lead, approval_id=out.approval.id, reason="  ")
    decide.decline(session=db, actor=lead, approval_id=out.approval.id, reason="För högt belopp")
    decision = db.get(Decision, out.decision.id)
    assert decision is not None and decision.state == "declined" and decision.taken_at is None
    note = db.scalars(
        select(Notification).where(
            Notification.user_id == w.card_agent.id, Notification.kind == "approval.declined"
        )
    ).one()
    assert note.data["reason"] == "För högt belopp"
    with pytest.raises(Conflict):
        decide.approve(session=db, actor=lead, approval_id=out.approval.id)


def test_an_overdue_request_escalates_to_the_next_holder(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, refund, _, lead_rule = setup
    admins = mandate.create_rule(
        session=db,
        actor=SYSTEM,
        decision_type_id=refund,
        name="Admins",
        holder={"kind": "role", "role": "admin"},
        limit=None,
    )
    out = decide.take_decision(
        session=db,
        actor=factories.actor(db, w.card_agent),
        number=w.alice_case.number,
        type="refund-fee",
        amount="3000",
        reason="Goodwill",
    )
    assert out.approval is not None and out.holder is not None
    assert out.holder.rule_id == lead_rule
    later = out.approval.due_at + timedelta(minutes=1)
    report = check_promises(session=db, actor=SYSTEM, now=later)
    assert report.approvals_escalated == 1
    request = db.get(ApprovalRequest, out.approval.id)
    assert request is not None and request.escalations == 1
    holder = db.get(MandateRuleVersion, request.holder_rule_version_id)
    assert holder is not None and holder.rule_id == admins.rule_id
    assert request.due_at > later
    # Past the last holder: overdue once, and it stays with them.
    again = check_promises(session=db, actor=SYSTEM, now=request.due_at + timedelta(minutes=1))
    assert again.approvals_overdue == 1 and again.approvals_escalated == 0
    assert (
        check_promises(
            session=db, actor=SYSTEM, now=request.due_at + timedelta(hours=5)
        ).approvals_overdue
        == 0
    )


def test_rules_are_versioned_and_old_decisions_keep_their_version(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, _, agents_rule, _ = setup
    agent = factories.actor(db, w.card_agent)
    first = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="100",
        reason="r",
    )
    with pytest.raises(ValidationFailed):  # a change needs a why
        mandate.change_rule(session=db, actor=SYSTEM, rule_id=agents_rule, why="", limit="800")
    v2 = mandate.change_rule(
        session=db,
        actor=SYSTEM,
        rule_id=agents_rule,
        why="Fler ärenden löses direkt",
        limit="800",
    )
    assert v2.version == 2 and v2.limit_amount == Decimal("800.00")
    assert v2.customer_limit == Decimal("1000.00")  # kept
    second = decide.take_decision(
        session=db,
        actor=agent,
        number=w.alice_case.number,
        type="refund-fee",
        amount="700",
        reason="r",
    )
    assert first.rule is not None and second.rule is not None
    assert (first.rule.version, second.rule.version) == (1, 2)
    old = db.get(MandateRuleVersion, first.decision.rule_version_id)
    assert old is not None and old.limit_amount == Decimal("500.00")
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "mandate_rule.changed")).one()
    assert entry.changes["limit_amount"] == ["500.00", "800.00"]
    assert entry.changes["version"] == [1, 2]


def test_a_lead_gives_mandates_only_to_their_team_within_the_ceiling(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, refund, agents_rule, _ = setup
    lead = factories.actor(db, w.card_lead)
    with pytest.raises(PermissionDenied):  # no ceiling yet
        mandate.change_rule(session=db, actor=lead, rule_id=agents_rule, why="x", limit="600")
    mandate.set_ceiling(
        session=db,
        actor=SYSTEM,
        team_id=w.cards.id,
        decision_type_id=refund,
        limit="1000",
        customer_limit="3000",
    )
    v = mandate.change_rule(session=db, actor=lead, rule_id=agents_rule, why="x", limit="600")
    assert v.version == 2
    with pytest.raises(PermissionDenied):  # above the ceiling
        mandate.change_rule(
            session=db,
            actor=lead,
            rule_id=agents_rule,
            why="x",
            limit="1500",
            customer_limit="2000",
        )
    with pytest.raises(PermissionDenied):  # another team
        mandate.create_rule(
            session=db,
            actor=lead,
            decision_type_id=refund,
            name="Lån",
            holder={"kind": "team", "team_id": w.loans.id},
            limit="100",
        )
    with pytest.raises(PermissionDenied):  # agents give no mandates
        mandate.create_rule(
            session=db,
            actor=factories.actor(db, w.card_agent),
            decision_type_id=refund,
            name="Jag",
            holder={"kind": "user", "user_id": w.card_agent.id},
            limit="100",
        )
    with pytest.raises(PermissionDenied):
        mandate.set_ceiling(
            session=db, actor=lead, team_id=w.cards.id, decision_type_id=refund, limit="9999"
        )


def test_bad_input_is_refused_and_nothing_is_written(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, refund, _, _ = setup
    agent = factories.actor(db, w.card_agent)
    number = w.alice_case.number
    _refund_type(db, slug="extend-deadline", kind="days")
    _refund_type(db, slug="credit-exception", kind="yes_no", topic_ids=[w.loan_topic.id])
    cases = [
        ({"type": "nope", "amount": "10"}, ValidationFailed),
        ({"type": "refund-fee", "amount": "-10"}, ValidationFailed),
        ({"type": "refund-fee", "amount": "0"}, ValidationFailed),
        ({"type": "refund-fee", "amount": "12.345"}, ValidationFailed),
        ({"type": "refund-fee", "amount": "2000000000"}, ValidationFailed),
        ({"type": "refund-fee", "amount": "ten"}, ValidationFailed),
        ({"type": "refund-fee", "amount": 10.5}, ValidationFailed),
        ({"type": "refund-fee"}, ValidationFailed),
        ({"type": "refund-fee", "days": 3}, ValidationFailed),
        ({"type": "extend-deadline", "days": 0}, ValidationFailed),
        ({"type": "extend-deadline", "days": 3651}, ValidationFailed),
        ({"type": "credit-exception", "value": True}, ValidationFailed),  # not this topic
        ({"type": "refund-fee", "amount": "10", "reason": " "}, ValidationFailed),
    ]
    for given, error in cases:
        kwargs = {"reason": "ok", **given}
        with pytest.raises(error):
            decide.take_decision(session=db, actor=agent, number=number, **kwargs)  # type: ignore[arg-type]
    assert db.scalars(select(Decision)).all() == []
    with pytest.raises(ValidationFailed):  # a limit below zero
        mandate.create_rule(
            session=db,
            actor=SYSTEM,
            decision_type_id=refund,
            name="x",
            holder={"kind": "role", "role": "agent"},
            limit="-1",
        )
    from nara.domain import teams as team_actions

    team_actions.update_team(session=db, actor=SYSTEM, team_id=w.loans.id, is_active=False)
    with pytest.raises(ValidationFailed):  # a rule for an inactive team
        mandate.create_rule(
            session=db,
            actor=SYSTEM,
            decision_type_id=refund,
            name="x",
            holder={"kind": "team", "team_id": w.loans.id},
            limit="10",
        )
    w.alice_case.status = CaseStatus.closed.value
    db.flush()
    with pytest.raises(Conflict):
        decide.take_decision(
            session=db, actor=agent, number=number, type="refund-fee", amount="10", reason="r"
        )


def test_customers_and_other_teams_cannot_decide(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, _, _, _ = setup
    with pytest.raises(PermissionDenied):
        decide.take_decision(
            session=db,
            actor=factories.actor(db, w.alice_user),
            number=w.alice_case.number,
            type="refund-fee",
            amount="10",
            reason="r",
        )
    with pytest.raises(NotFound):  # the loans agent does not see the cards case
        decide.take_decision(
            session=db,
            actor=factories.actor(db, w.loan_agent),
            number=w.alice_case.number,
            type="refund-fee",
            amount="10",
            reason="r",
        )


def test_resolution_prefers_the_rule_with_most_room(
    db: Session, setup: tuple[factories.World, int, int, int]
) -> None:
    w, refund, _, lead_rule = setup
    from nara.models import DecisionType

    decision_type = db.get(DecisionType, refund)
    assert decision_type is not None
    got = mandate_for(
        db,
        factories.actor(db, w.card_lead),
        decision_type,
        customer_id=w.alice.id,
        now=clock.now(),
    )
    # The lead holds the team rule (500) and their own (5,000): the widest wins.
    assert got.best is not None and got.best.version.rule_id == lead_rule
    assert got.best.remaining == Decimal("5000.00")
