"""Ownership that stays: staff keep the cases they open, the first owner is remembered,
and a hand-over (överlämning) is a named act with a reason that leaves the earlier owner
reading the case."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, Actor
from nara.domain.cases import assign_case, change_status, open_case, reply_to_case
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.domain.ownership import MAX_REASON, hand_over
from nara.domain.presence import set_presence
from nara.domain.routing import set_topic_routing
from nara.models import (
    Case,
    CaseEvent,
    CaseParticipant,
    Notification,
    Team,
    User,
    WorkSession,
)
from nara.queries.access import get_case_for
from tests import factories
from tests.factories import World

TUESDAY_9 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


@pytest.fixture
def w(db: Session) -> World:
    return factories.world(db)


def act(db: Session, user: User) -> Actor:
    return factories.actor(db, user)


def types(db: Session, case: Case) -> list[str]:
    return list(
        db.scalars(
            select(CaseEvent.type).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def routed(db: Session, case: Case) -> CaseEvent:
    return db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id, CaseEvent.type == "case.routed")
    ).one()


def phone_case(db: Session, w: World, by: User, topic_id: int | None, **kwargs: object) -> Case:
    return open_case(
        session=db,
        actor=act(db, by),
        message="Kunden ringer.",
        customer_id=w.alice.id,
        topic_id=topic_id,
        channel="phone",
        **kwargs,  # type: ignore[arg-type]
    ).case


# ---- staff keep the cases they open ----


def test_an_agent_keeps_a_case_on_another_teams_topic(db: Session, w: World) -> None:
    """A front-line agent opens a case on the loans team's topic: they own it in their
    own team, and the timeline says which team routing suggested."""
    case = phone_case(db, w, w.card_agent, w.loan_topic.id)
    assert (case.team_id, case.owner_id, case.first_owner_id) == (
        w.cards.id,
        w.card_agent.id,
        w.card_agent.id,
    )
    assert types(db, case) == ["case.opened", "case.routed", "case.assigned"]
    data = routed(db, case).data
    assert data["reason"] == "kept" and data["kept_by_opener"] is True
    assert data["team_id"] == w.cards.id
    assert (data["suggested_team_id"], data["suggested_team"], data["suggested_team_en"]) == (
        w.loans.id,
        w.loans.name_sv,
        w.loans.name_en,
    )
    assert data["suggested_reason"] == "topic"
    # They see and change the case they opened; the loans team does not see it.
    assert get_case_for(db, act(db, w.card_agent), case.number, to_change=True).id == case.id
    with pytest.raises(NotFound):
        get_case_for(db, act(db, w.loan_agent), case.number)


def test_the_opener_works_on_the_case_they_keep(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
        case = phone_case(db, w, w.card_agent, w.loan_topic.id)
    work = db.scalars(select(WorkSession).where(WorkSession.case_id == case.id)).one()
    assert (work.user_id, work.team_id, work.ended_at) == (w.card_agent.id, w.cards.id, None)


def test_routing_to_a_team_of_the_opener_keeps_that_team(db: Session, w: World) -> None:
    both = factories.user(db, teams=[w.cards, w.loans])
    case = phone_case(db, w, both, w.loan_topic.id)
    assert (case.team_id, case.owner_id) == (w.loans.id, both.id)
    data = routed(db, case).data
    assert data["reason"] == "topic" and data["kept_by_opener"] is True
    assert "suggested_team_id" not in data


def test_the_openers_team_that_handles_the_topic_comes_first(db: Session, w: World) -> None:
    # The topic is the loans team's first and the cards team's second; the opener is in
    # the front team (lower id) and in cards: cards handles the topic, so cards keeps it.
    shared = factories.topic(db, teams=[w.loans])
    team_actions.add_team_topic(session=db, actor=SYSTEM, team_id=w.cards.id, topic_id=shared.id)
    set_topic_routing(
        session=db,
        actor=SYSTEM,
        topic_id=shared.id,
        team_id=w.cards.id,
        rank=5,
        accepts_overflow=False,
    )
    opener = factories.user(db, teams=[w.front, w.cards])
    case = phone_case(db, w, opener, shared.id)
    assert case.team_id == w.cards.id
    assert routed(db, case).data["suggested_team_id"] == w.loans.id


def test_among_the_openers_teams_the_active_then_the_best_ranked_keeps_it(
    db: Session, w: World
) -> None:
    """Three of the opener's teams handle the topic (none first: the loans team is):
    ranks 3 and 1, and an inactive one ranked 0. The active rank-1 team keeps it; the
    inactive team comes after every active team, whatever its rank."""
    shared = factories.topic(db, teams=[w.loans])
    teams = [factories.team(db) for _ in range(3)]
    for team, rank in zip(teams, (3, 1, 0), strict=True):
        team_actions.add_team_topic(session=db, actor=SYSTEM, team_id=team.id, topic_id=shared.id)
        set_topic_routing(session=db, actor=SYSTEM, topic_id=shared.id, team_id=team.id,
                          rank=rank, accepts_overflow=False)  # fmt: skip
    opener = factories.user(db, teams=teams)
    team_actions.update_team(session=db, actor=SYSTEM, team_id=teams[2].id, is_active=False)
    assert phone_case(db, w, opener, shared.id).team_id == teams[1].id
    # With no team of theirs handling it, the lowest active id; the inactive one last.
    other = factories.topic(db, teams=[w.loans])
    assert phone_case(db, w, opener, other.id).team_id == min(teams[0].id, teams[1].id)
    solo = factories.user(db, teams=[teams[2], teams[0]])
    assert phone_case(db, w, solo, shared.id).team_id == teams[0].id


def test_else_the_openers_lowest_team(db: Session, w: World) -> None:
    opener = factories.user(db, teams=[w.loans, w.cards])
    orphan = factories.topic(db)  # no team handles it: routing says the fallback team
    case = phone_case(db, w, opener, orphan.id)
    assert (case.team_id, case.owner_id) == (min(w.cards.id, w.loans.id), opener.id)
    data = routed(db, case).data
    assert data["suggested_team_id"] == w.front.id and data["suggested_reason"] == "fallback"
    assert case.routing_flag == "no_team_for_topic"
    no_topic = phone_case(db, w, opener, None)
    assert no_topic.team_id == min(w.cards.id, w.loans.id)


def test_routing_as_before_for_customers_admins_and_named_teams(db: Session, w: World) -> None:
    # A customer's case: routed, nobody owns it yet.
    assert (w.alice_case.team_id, w.alice_case.owner_id, w.alice_case.first_owner_id) == (
        w.cards.id,
        None,
        None,
    )
    assert "kept_by_opener" not in routed(db, w.alice_case).data
    # An admin in no team: routed.
    by_admin = phone_case(db, w, w.admin, w.loan_topic.id)
    assert (by_admin.team_id, by_admin.owner_id) == (w.loans.id, None)
    # Staff who name the team or the owner get what they named.
    named_team = phone_case(db, w, w.card_agent, w.card_topic.id, team_id=w.loans.id)
    assert (named_team.team_id, named_team.owner_id) == (w.loans.id, None)
    named_owner = phone_case(db, w, w.card_lead, w.card_topic.id, owner_id=w.card_agent.id)
    assert (named_owner.owner_id, named_owner.first_owner_id) == (w.card_agent.id, w.card_agent.id)


def test_the_first_owner_is_the_first_one_assigned(db: Session, w: World) -> None:
    lead = act(db, w.card_lead)
    number = w.alice_case.number
    assign_case(session=db, actor=lead, number=number, owner_id=w.card_agent.id)
    assign_case(session=db, actor=lead, number=number, owner_id=w.card_lead.id)
    assign_case(session=db, actor=lead, number=number, owner_id=None)
    case = get_case_for(db, SYSTEM, number)
    assert (case.owner_id, case.first_owner_id, case.handover_count) == (None, w.card_agent.id, 0)
    # Both replaced owners keep reading the case, whatever team they are in later.
    earlier = set(
        db.scalars(
            select(CaseParticipant.user_id).where(
                CaseParticipant.case_id == case.id, CaseParticipant.reason == "earlier_owner"
            )
        )
    )
    assert earlier == {w.card_agent.id, w.card_lead.id}


# ---- hand-over ----


def test_hand_over_to_a_named_member_of_another_team(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    with clock.frozen_at(TUESDAY_9):
        set_presence(session=db, actor=agent, team_id=w.cards.id, status="available")
        case = phone_case(db, w, w.card_agent, w.loan_topic.id)
        handed = hand_over(
            session=db,
            actor=agent,
            number=case.number,
            team=w.loans.slug,
            owner=w.loan_agent.email.upper(),
            reason="  Gäller ett lån.  ",
        )
    assert (handed.team_id, handed.owner_id, handed.handover_count) == (
        w.loans.id,
        w.loan_agent.id,
        1,
    )
    assert handed.first_owner_id == w.card_agent.id
    event = db.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id.desc())
    ).first()
    assert event is not None and event.type == "case.handed_over" and event.is_public is False
    assert event.data == {
        "from_team_id": w.cards.id,
        "from_team": w.cards.name_sv,
        "from_team_en": w.cards.name_en,
        "to_team_id": w.loans.id,
        "to_team": w.loans.name_sv,
        "to_team_en": w.loans.name_en,
        "from_owner_id": w.card_agent.id,
        "from_owner_name": w.card_agent.display_name,
        "to_owner_id": w.loan_agent.id,
        "to_owner_name": w.loan_agent.display_name,
        "reason": "Gäller ett lån.",
    }
    # The earlier owner's work on it ended; they keep reading it, and change nothing.
    work = db.scalars(select(WorkSession).where(WorkSession.case_id == case.id)).one()
    assert work.ended_at == TUESDAY_9
    assert get_case_for(db, act(db, w.card_agent), case.number).id == case.id
    with pytest.raises(PermissionDenied):
        reply_to_case(session=db, actor=act(db, w.card_agent), number=case.number, body="Hej")
    # The card lead (the old team, not the owner) no longer sees it.
    with pytest.raises(NotFound):
        get_case_for(db, act(db, w.card_lead), case.number)
    # The new owner is told.
    told = db.scalars(select(Notification).where(Notification.case_id == case.id)).all()
    assert [(n.user_id, n.kind) for n in told] == [(w.loan_agent.id, "case.handed_over")]
    assert told[0].data["reason"] == "Gäller ett lån."


def test_hand_over_to_a_team_tells_its_members(db: Session, w: World) -> None:
    second = factories.user(db, teams=[w.loans])
    gone = factories.user(db, teams=[w.loans])
    user_actions.set_user_active(session=db, actor=SYSTEM, user_id=gone.id, active=False)
    lead = act(db, w.card_lead)
    assign_case(session=db, actor=lead, number=w.alice_case.number, owner_id=w.card_agent.id)
    handed = hand_over(
        session=db, actor=lead, number=w.alice_case.number, team=w.loans.slug, reason="Lånefråga"
    )
    assert (handed.team_id, handed.owner_id) == (w.loans.id, None)
    told = db.scalars(select(Notification.user_id).where(Notification.case_id == handed.id)).all()
    assert sorted(told) == sorted([w.loan_agent.id, second.id])
    # The lead handed it to a team they are not in: they keep reading it too.
    reasons = dict(
        db.execute(
            select(CaseParticipant.user_id, CaseParticipant.reason).where(
                CaseParticipant.case_id == handed.id
            )
        ).all()
    )
    assert reasons == {w.card_agent.id: "earlier_owner", w.card_lead.id: "handed_over"}
    assert get_case_for(db, act(db, w.card_lead), handed.number).id == handed.id


def test_hand_over_within_the_team_to_another_person(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    case = phone_case(db, w, w.card_agent, w.card_topic.id)
    handed = hand_over(
        session=db,
        actor=agent,
        number=case.number,
        team=w.cards.slug,
        owner=w.card_lead.email,
        reason="Kräver teamledaren",
    )
    assert (handed.team_id, handed.owner_id, handed.handover_count) == (
        w.cards.id,
        w.card_lead.id,
        1,
    )
    # Handing it over to the same team and owner again changes nothing.
    with pytest.raises(Conflict, match="already belongs"):
        hand_over(
            session=db,
            actor=agent,
            number=case.number,
            team=w.cards.slug,
            owner=w.card_lead.email,
            reason="Igen",
        )
    with pytest.raises(Conflict, match="you already own"):
        hand_over(
            session=db,
            actor=act(db, w.card_lead),
            number=case.number,
            team=w.cards.slug,
            owner=w.card_lead.email,
            reason="Till mig",
        )
    assert get_case_for(db, SYSTEM, case.number).handover_count == 1


def _refused(db: Session, w: World, actor: Actor, number: str, **kwargs: object) -> Exception:
    params: dict[str, object] = {"team": w.loans.slug, "reason": "Ett lån"}
    params.update(kwargs)
    with pytest.raises((ValidationFailed, Conflict, PermissionDenied, NotFound)) as info:
        hand_over(session=db, actor=actor, number=number, **params)  # type: ignore[arg-type]
    return info.value


def test_bad_hand_overs_are_refused_and_change_nothing(db: Session, w: World) -> None:
    number = w.alice_case.number
    lead = act(db, w.card_lead)
    before = types(db, w.alice_case)
    empty_team = factories.team(db)
    closed_team = factories.team(db)
    factories.user(db, teams=[closed_team])
    # No writer sets is_active yet (the schema has it): an inactive team, set directly.
    team = db.get(Team, closed_team.id)
    assert team is not None
    team.is_active = False
    db.flush()
    outsider = factories.user(db, teams=[w.front])
    for kwargs, kind, field in [
        ({"reason": ""}, ValidationFailed, "reason"),
        ({"reason": "   "}, ValidationFailed, "reason"),
        ({"reason": None}, ValidationFailed, "reason"),
        ({"reason": "x" * (MAX_REASON + 1)}, ValidationFailed, "reason"),
        ({"team": "finns-inte"}, ValidationFailed, "team"),
        ({"team": ""}, ValidationFailed, "team"),
        ({"team": closed_team.slug}, ValidationFailed, "team"),
        ({"team": empty_team.slug}, ValidationFailed, "team"),
        ({"owner": w.card_agent.email}, ValidationFailed, "owner"),
        ({"owner": outsider.email}, ValidationFailed, "owner"),
        ({"owner": w.alice_user.email}, ValidationFailed, "owner"),
        ({"owner": "ingen@example.test"}, ValidationFailed, "owner"),
    ]:
        error = _refused(db, w, lead, number, **kwargs)
        assert isinstance(error, kind), (kwargs, error)
        assert error.field == field, (kwargs, error)  # type: ignore[attr-defined]
    # Who may not: the customer (403), another team (404), a reader who took part (403).
    assert isinstance(_refused(db, w, act(db, w.alice_user), number), PermissionDenied)
    assert isinstance(_refused(db, w, act(db, w.loan_agent), number), NotFound)
    case = get_case_for(db, SYSTEM, number)
    assert (case.team_id, case.owner_id, case.handover_count) == (w.cards.id, None, 0)
    assert types(db, case) == before


def test_an_earlier_owner_may_read_but_not_hand_over(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    case = phone_case(db, w, w.card_agent, w.loan_topic.id)
    hand_over(session=db, actor=agent, number=case.number, team=w.loans.slug, reason="Lån")
    error = _refused(
        db, w, act(db, w.card_agent), case.number, team=w.cards.slug, owner=w.card_agent.email
    )
    assert isinstance(error, PermissionDenied)


def test_a_closed_case_cannot_be_handed_over(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    change_status(session=db, actor=agent, number=w.alice_case.number, status="closed")
    error = _refused(db, w, agent, w.alice_case.number)
    assert isinstance(error, Conflict)
    assert get_case_for(db, SYSTEM, w.alice_case.number).team_id == w.cards.id
