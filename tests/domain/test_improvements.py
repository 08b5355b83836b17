"""Improvements: raised from cases, owned by a team, evidence, statuses, followers,
merging, and the figures the pages show."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import improvements as imp
from nara.domain.actors import SYSTEM, Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.models import (
    AuditEntry,
    Improvement,
    ImprovementEffect,
    ImprovementEvent,
    ImprovementEvidence,
    ImprovementFollower,
    Notification,
    TeamStats,
    WorkSession,
)
from nara.queries import improvements as q
from tests import factories
from tests.factories import World


@pytest.fixture
def w(db: Session) -> World:
    return factories.world(db)


def act(db: Session, user: object) -> Actor:
    return factories.actor(db, user)  # type: ignore[arg-type]


def raise_one(db: Session, w: World, **kw: Any) -> Improvement:
    args: dict[str, Any] = {
        "session": db,
        "actor": act(db, w.card_agent),
        "title": "Kortet har inte kommit",
        "description": "Kunder ringer för att kortet dröjer.",
        "kind": "fix",
        "topics": [w.card_topic.slug],
        "case_number": w.alice_case.number,
        "suggestion": "Skicka ett sms när kortet postas.",
    }
    args.update(kw)
    return imp.raise_improvement(**args)


def events(db: Session, improvement: Improvement) -> list[str]:
    return list(
        db.scalars(
            select(ImprovementEvent.type)
            .where(ImprovementEvent.improvement_id == improvement.id)
            .order_by(ImprovementEvent.id)
        )
    )


def notified(db: Session, user_id: int, kind: str) -> int:
    return len(
        db.scalars(
            select(Notification).where(Notification.user_id == user_id, Notification.kind == kind)
        ).all()
    )


def test_raise_from_a_case(db: Session, w: World) -> None:
    made = raise_one(db, w)
    assert made.status == "raised"
    assert made.owner_team_id == w.cards.id  # the topic's team
    evidence = db.scalars(select(ImprovementEvidence)).all()
    assert [(e.case_id, e.status, e.source) for e in evidence] == [
        (w.alice_case.id, "confirmed", "raised")
    ]
    reporter = db.get(ImprovementFollower, (made.id, w.card_agent.id))
    assert reporter is not None and reporter.role == "reporter"
    assert events(db, made) == ["improvement.raised", "improvement.evidence_added"]
    assert notified(db, w.card_lead.id, "improvement.raised") == 1


def test_without_topic_the_case_topic_or_the_fallback_team(db: Session, w: World) -> None:
    from_case = raise_one(db, w, topics=[])
    assert from_case.owner_team_id == w.cards.id
    nothing = raise_one(db, w, topics=[], case_number=None)
    assert nothing.owner_team_id == w.front.id
    spare = factories.topic(db)
    unhandled = raise_one(db, w, topics=[spare.slug], case_number=None)
    assert unhandled.owner_team_id == w.front.id


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 100_000}, "title"),
        ({"description": "  "}, "description"),
        ({"kind": "wish"}, "kind"),
        ({"topics": ["no-such-topic"]}, "topics"),
        ({"suggestion": "x" * 10_001}, "suggestion"),
    ],
)
def test_bad_input(db: Session, w: World, change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        raise_one(db, w, **change)
    assert caught.value.field == field


def test_case_the_actor_may_not_read_is_not_found(db: Session, w: World) -> None:
    with pytest.raises(NotFound):
        raise_one(db, w, case_number=w.bob_case.number)
    made = raise_one(db, w)
    with pytest.raises(NotFound):
        imp.link_evidence(
            session=db,
            actor=act(db, w.card_agent),
            improvement_id=made.id,
            case_number=w.bob_case.number,
        )


def test_customers_are_refused(db: Session, w: World) -> None:
    with pytest.raises(PermissionDenied):
        raise_one(db, w, actor=act(db, w.alice_user))
    made = raise_one(db, w)
    with pytest.raises(PermissionDenied):
        q.get_row(db, act(db, w.alice_user), made.id)


def test_the_life_of_an_improvement(db: Session, w: World) -> None:
    made = raise_one(db, w)
    lead, agent = act(db, w.card_lead), act(db, w.card_agent)
    watcher = factories.user(db, teams=[w.loans])
    imp.follow(session=db, actor=act(db, watcher), improvement_id=made.id)
    # An agent cannot accept; the owning team's lead can, with a date not in the past.
    with pytest.raises(PermissionDenied):
        imp.accept(session=db, actor=agent, improvement_id=made.id, target_date="2099-01-01")
    with pytest.raises(ValidationFailed):
        imp.accept(session=db, actor=lead, improvement_id=made.id, target_date=None)
    yesterday = imp.today() - timedelta(days=1)
    with pytest.raises(ValidationFailed):
        imp.accept(session=db, actor=lead, improvement_id=made.id, target_date=yesterday)
    # Starting before accepting is a conflict.
    with pytest.raises(Conflict):
        imp.start(session=db, actor=agent, improvement_id=made.id)
    target = imp.today() + timedelta(days=30)
    imp.accept(session=db, actor=lead, improvement_id=made.id, target_date=target.isoformat())
    assert made.status == "accepted" and made.target_date == target
    imp.start(session=db, actor=agent, improvement_id=made.id)
    with pytest.raises(ValidationFailed):
        imp.mark_done(session=db, actor=agent, improvement_id=made.id, live_at=None)
    with pytest.raises(ValidationFailed):
        imp.mark_done(
            session=db,
            actor=agent,
            improvement_id=made.id,
            live_at=imp.today() + timedelta(days=1),
        )
    imp.mark_done(session=db, actor=agent, improvement_id=made.id, live_at=imp.today())
    assert made.status == "done"
    with pytest.raises(Conflict):
        imp.decline(session=db, actor=lead, improvement_id=made.id, reason="Nej")
    assert events(db, made)[-3:] == [
        "improvement.accepted",
        "improvement.in_progress",
        "improvement.done",
    ]
    # The reporter heard of each status change (not the ones they made themselves).
    assert notified(db, w.card_agent.id, "improvement.status_changed") == 1
    assert notified(db, watcher.id, "improvement.status_changed") == 3


def test_decline_needs_a_reason_that_goes_back(db: Session, w: World) -> None:
    made = raise_one(db, w)
    lead = act(db, w.card_lead)
    with pytest.raises(ValidationFailed):
        imp.decline(session=db, actor=lead, improvement_id=made.id, reason=" ")
    imp.decline(session=db, actor=lead, improvement_id=made.id, reason="Redan planerat i Q3.")
    assert made.status == "declined" and made.decline_reason == "Redan planerat i Q3."
    sent = db.scalars(
        select(Notification).where(
            Notification.user_id == w.card_agent.id, Notification.kind == "improvement.declined"
        )
    ).one()
    assert sent.data["reason"] == "Redan planerat i Q3."
    imp.reopen(session=db, actor=lead, improvement_id=made.id)
    assert made.status == "raised" and made.decline_reason is None


def test_a_lead_of_another_team_cannot_decide(db: Session, w: World) -> None:
    made = raise_one(db, w)
    loans_lead = factories.user(db, role="lead", teams=[w.loans])
    with pytest.raises(PermissionDenied):
        imp.decline(session=db, actor=act(db, loans_lead), improvement_id=made.id, reason="Nej")
    # ... but may take it over, which is audited, and then decide.
    imp.set_owner_team(
        session=db, actor=act(db, loans_lead), improvement_id=made.id, team_id=w.loans.id
    )
    assert made.owner_team_id == w.loans.id
    entry = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "improvement")).one()
    assert entry.action == "improvement.owner_changed"
    imp.decline(session=db, actor=act(db, loans_lead), improvement_id=made.id, reason="Nej")
    with pytest.raises(PermissionDenied):
        imp.set_owner_team(
            session=db, actor=act(db, w.card_agent), improvement_id=made.id, team_id=w.cards.id
        )


def test_suggested_evidence_is_confirmed_or_rejected(db: Session, w: World) -> None:
    made = raise_one(db, w)
    others = [
        factories.case(db, the_customer=w.alice, the_topic=w.card_topic, team_id=w.cards.id)
        for _ in range(3)
    ]
    added = imp.add_suggested_evidence(
        db, made, [(others[0].id, 0.9), (others[1].id, 0.8), (w.alice_case.id, 0.99)]
    )
    assert len(added) == 2  # the case already linked is skipped
    agent = act(db, w.card_agent)
    confirmed = imp.decide_evidence(
        session=db, actor=agent, improvement_id=made.id, evidence_id=added[0].id, confirm=True
    )
    rejected = imp.decide_evidence(
        session=db, actor=agent, improvement_id=made.id, evidence_id=added[1].id, confirm=False
    )
    assert (confirmed.status, rejected.status) == ("confirmed", "rejected")
    assert confirmed.decided_by_id == w.card_agent.id
    # A rejected suggestion never comes back.
    assert imp.add_suggested_evidence(db, made, [(others[1].id, 0.95)]) == []
    # Someone who may not read the case is told it does not exist.
    with pytest.raises(NotFound):
        imp.decide_evidence(
            session=db,
            actor=act(db, w.loan_agent),
            improvement_id=made.id,
            evidence_id=added[0].id,
            confirm=False,
        )
    row = q.get_row(db, agent, made.id)
    assert (row.evidence_count, row.suggested_count) == (2, 0)


def test_other_staff_read_improvements_but_not_the_cases(db: Session, w: World) -> None:
    made = raise_one(db, w)
    detail = q.improvement_detail(db, act(db, w.loan_agent), made.id)
    assert detail.row.evidence_count == 1
    assert detail.evidence == [] and detail.hidden_evidence == 1
    mine = q.improvement_detail(db, act(db, w.card_agent), made.id)
    assert [line.case_number for line in mine.evidence] == [w.alice_case.number]


def test_comments_follow_and_support(db: Session, w: World) -> None:
    made = raise_one(db, w)
    other = act(db, w.loan_agent)
    imp.support(session=db, actor=other, improvement_id=made.id)
    imp.comment(session=db, actor=other, improvement_id=made.id, body="Vi ser det också.")
    assert notified(db, w.card_agent.id, "improvement.commented") == 1
    row = q.get_row(db, other, made.id)
    assert row.supporters == 1 and row.my_role == "supporter"
    assert [r.improvement.id for r in q.my_improvements(db, other)] == [made.id]
    imp.unfollow(session=db, actor=other, improvement_id=made.id)
    assert q.my_improvements(db, other) == []
    with pytest.raises(Conflict):
        imp.unfollow(session=db, actor=act(db, w.card_agent), improvement_id=made.id)
    with pytest.raises(ValidationFailed):
        imp.comment(session=db, actor=other, improvement_id=made.id, body="")


def test_merge_moves_evidence_and_people(db: Session, w: World) -> None:
    target = raise_one(db, w)
    other_case = factories.case(
        db, the_customer=w.alice, the_topic=w.card_topic, team_id=w.cards.id
    )
    duplicate = raise_one(
        db, w, actor=act(db, w.card_lead), title="Kort dröjer", case_number=other_case.number
    )
    imp.support(session=db, actor=act(db, w.loan_agent), improvement_id=duplicate.id)
    with pytest.raises(PermissionDenied):
        imp.merge(
            session=db, actor=act(db, w.card_agent), improvement_id=duplicate.id, into_id=target.id
        )
    imp.merge(
        session=db, actor=act(db, w.card_lead), improvement_id=duplicate.id, into_id=target.id
    )
    assert duplicate.merged_into_id == target.id and duplicate.status == "raised"
    row = q.get_row(db, act(db, w.card_agent), target.id)
    assert row.evidence_count == 2 and row.supporters == 1
    reporters = db.scalars(
        select(ImprovementFollower.user_id).where(
            ImprovementFollower.improvement_id == target.id,
            ImprovementFollower.role == "reporter",
        )
    ).all()
    assert sorted(reporters) == sorted([w.card_agent.id, w.card_lead.id])
    with pytest.raises(Conflict):
        imp.link_evidence(
            session=db,
            actor=act(db, w.card_agent),
            improvement_id=duplicate.id,
            case_number=other_case.number,
        )
    with pytest.raises(ValidationFailed):
        imp.merge(session=db, actor=SYSTEM, improvement_id=target.id, into_id=target.id)
    listed = q.list_improvements(db, act(db, w.card_agent))
    assert [r.improvement.id for r in listed.items] == [target.id]


def test_figures_trend_cost_and_ranking(db: Session, w: World) -> None:
    made = raise_one(db, w)
    for _ in range(4):
        factories.case(db, the_customer=w.alice, the_topic=w.card_topic, team_id=w.cards.id)
    weekly = q.trend(db, made)
    assert len(weekly) == q.TREND_WEEKS and weekly[-1][1] == 5  # Alice's case and four more
    minutes, source = q.handle_minutes(db, made)
    assert (minutes, source) == (q.DEFAULT_HANDLE_MINUTES, "default")
    db.add(
        TeamStats(
            team_id=w.cards.id,
            mean_handle_seconds=900.0,
            mean_first_reply_seconds=60.0,
            members_known=1,
            computed_at=clock.now(),
        )
    )
    db.flush()
    assert q.handle_minutes(db, made) == (15.0, "team_stats")
    start = clock.now() - timedelta(hours=1)
    db.add(
        WorkSession(
            team_id=w.cards.id,
            user_id=w.card_agent.id,
            case_id=w.alice_case.id,
            started_at=start,
            ended_at=start + timedelta(minutes=20),
        )
    )
    db.flush()
    assert q.handle_minutes(db, made) == (20.0, "work_sessions")
    cost = q.cost_of(db, made, weekly)
    assert cost.typical_source == "default" and cost.typical_effect == q.DEFAULT_EFFECT
    assert cost.hours_per_year == pytest.approx(5 / 12 * 20 / 60 * 52)
    assert cost.saving_hours_per_year == pytest.approx(cost.hours_per_year * 0.25)
    small = raise_one(db, w, topics=[w.loan_topic.slug], case_number=None, title="Lån")
    ranked = q.ranked(db, act(db, w.card_lead))
    assert [line.row.improvement.id for line in ranked] == [made.id, small.id]


def test_effect_is_the_latest_measured_row(db: Session, w: World) -> None:
    made = raise_one(db, w)
    agent = act(db, w.card_agent)
    assert q.get_row(db, agent, made.id).effect.status == "not_measured"
    db.add(
        ImprovementEffect(
            improvement_id=made.id, measured_at=clock.now(), status="not_enough_data", details={}
        )
    )
    db.flush()
    assert q.get_row(db, agent, made.id).effect.status == "not_enough_data"
    db.add(
        ImprovementEffect(
            improvement_id=made.id,
            measured_at=clock.now(),
            status="measured",
            relative_change=-0.38,
            ci_low=-0.49,
            ci_high=-0.25,
            before_rate=40.0,
            after_rate=24.8,
            details={},
        )
    )
    db.flush()
    effect = q.get_row(db, agent, made.id).effect
    assert effect.measured and effect.significant
    made.live_at = imp.today()
    verdict = q.effect_verdict(effect, made, [w.card_topic], lambda s: s, "en")
    assert verdict is not None and "fell 38 % (95 % interval 25–49 %)" in verdict
    assert q.typical_effect(db) == (-0.38, "measured")


def test_similar_open_improvements_by_words(db: Session, w: World) -> None:
    made = raise_one(db, w, title="Kortet har inte kommit fram", description="Leverans dröjer")
    found = q.similar_open(db, act(db, w.loan_agent), "Kortet har inte kommit till kunden")
    assert [r.improvement.id for r in found] == [made.id]
    assert q.similar_open(db, act(db, w.loan_agent), "Räntan på lånet") == []
