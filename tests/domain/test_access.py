"""The access model: who sees which case, customer and user; who manages which team."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from nara.domain import teams as team_actions
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.domain.cases import assign_case
from nara.domain.errors import NotFound, PermissionDenied
from nara.models import Case, Role
from nara.queries.access import (
    can_manage_team,
    case_visibility,
    get_case_for,
    get_customer_for,
    get_team_for,
    get_user_for,
    is_team_member,
    require_staff,
)
from tests import factories
from tests.factories import World


@pytest.fixture
def w(db: Session) -> World:
    return factories.world(db)


def visible(db: Session, actor: Actor) -> set[str]:
    return set(db.scalars(select(Case.number).where(case_visibility(actor))))


def act(db: Session, user: object) -> Actor:
    return factories.actor(db, user)  # type: ignore[arg-type]


@pytest.fixture
def front_case(db: Session, w: World) -> Case:
    """A case for Bob in the fallback team (no topic)."""
    return factories.case(db, the_customer=w.bob)


# ---- case_visibility ----


def test_customer_sees_only_their_own_cases(db: Session, w: World, front_case: Case) -> None:
    assert visible(db, act(db, w.alice_user)) == {w.alice_case.number}
    assert visible(db, act(db, w.bob_user)) == {w.bob_case.number, front_case.number}


def test_customer_sees_cases_opened_for_them_by_staff(db: Session, w: World) -> None:
    by_staff = factories.case(db, the_customer=w.alice, the_topic=w.loan_topic, by=w.loan_agent)
    assert visible(db, act(db, w.alice_user)) == {w.alice_case.number, by_staff.number}


def test_customer_login_without_a_customer_record_sees_nothing(db: Session, w: World) -> None:
    login = factories.user(db, role="customer")
    actor = act(db, login)
    assert actor.customer_id is None
    assert visible(db, actor) == set()
    with pytest.raises(NotFound):
        get_case_for(db, actor, w.alice_case.number)


def test_agent_sees_the_cases_of_their_teams(db: Session, w: World, front_case: Case) -> None:
    assert visible(db, act(db, w.card_agent)) == {w.alice_case.number}
    assert visible(db, act(db, w.loan_agent)) == {w.bob_case.number}
    both = factories.user(db, teams=[w.cards, w.front])
    assert visible(db, act(db, both)) == {w.alice_case.number, front_case.number}


def test_agent_without_a_team_sees_nothing(db: Session, w: World) -> None:
    loner = factories.user(db)
    assert visible(db, act(db, loner)) == set()


def test_lead_sees_the_cases_of_their_teams_only(db: Session, w: World, front_case: Case) -> None:
    assert visible(db, act(db, w.card_lead)) == {w.alice_case.number}
    with pytest.raises(NotFound):
        get_case_for(db, act(db, w.card_lead), w.bob_case.number)


def test_admin_and_system_see_every_case(db: Session, w: World, front_case: Case) -> None:
    everything = {w.alice_case.number, w.bob_case.number, front_case.number}
    assert visible(db, act(db, w.admin)) == everything
    assert visible(db, SYSTEM) == everything


def test_admin_without_teams_sees_every_case(db: Session, w: World) -> None:
    actor = act(db, w.admin)
    assert actor.team_ids == frozenset()
    assert get_case_for(db, actor, w.bob_case.number).id == w.bob_case.id


def test_visibility_is_a_clause_that_combines_with_other_filters(db: Session, w: World) -> None:
    stmt = select(Case.number).where(case_visibility(act(db, w.card_agent)), Case.status == "new")
    assert set(db.scalars(stmt)) == {w.alice_case.number}


# ---- get_case_for ----


def test_get_case_for_hides_other_peoples_cases(db: Session, w: World) -> None:
    for who, number in (
        (w.alice_user, w.bob_case.number),
        (w.bob_user, w.alice_case.number),
        (w.card_agent, w.bob_case.number),
        (w.loan_agent, w.alice_case.number),
    ):
        with pytest.raises(NotFound) as info:
            get_case_for(db, act(db, who), number)
        assert info.value.status == 404


def test_hidden_and_missing_cases_look_the_same(db: Session, w: World) -> None:
    alice = act(db, w.alice_user)
    with pytest.raises(NotFound) as hidden:
        get_case_for(db, alice, w.bob_case.number)
    with pytest.raises(NotFound) as missing:
        get_case_for(db, alice, "NA-1999-999999")
    assert type(hidden.value) is type(missing.value)
    assert hidden.value.detail == f"no case {w.bob_case.number}"
    assert missing.value.detail == "no case NA-1999-999999"


def test_get_case_for_normalises_the_number(db: Session, w: World) -> None:
    alice = act(db, w.alice_user)
    assert get_case_for(db, alice, f"  {w.alice_case.number.lower()}\n").id == w.alice_case.id


def test_get_case_for_with_lock(db: Session, w: World) -> None:
    case = get_case_for(db, act(db, w.card_agent), w.alice_case.number, lock=True)
    assert case.id == w.alice_case.id
    with pytest.raises(NotFound):
        get_case_for(db, act(db, w.loan_agent), w.alice_case.number, lock=True)


def test_owner_keeps_seeing_their_case_after_leaving_the_team(db: Session, w: World) -> None:
    number = w.alice_case.number
    assign_case(session=db, actor=act(db, w.card_lead), number=number, owner_id=w.card_agent.id)
    team_actions.remove_team_member(
        session=db, actor=SYSTEM, team_id=w.cards.id, user_id=w.card_agent.id
    )
    owner = act(db, w.card_agent)
    assert w.cards.id not in owner.team_ids
    assert get_case_for(db, owner, number).id == w.alice_case.id
    assert visible(db, owner) == {number}
    # a colleague who neither owns it nor is in the team does not
    with pytest.raises(NotFound):
        get_case_for(db, act(db, w.loan_agent), number)


def test_owner_sees_the_case_after_it_moves_to_another_of_their_teams(
    db: Session, w: World
) -> None:
    both = factories.user(db, teams=[w.cards, w.loans])
    number = w.alice_case.number
    assign_case(session=db, actor=act(db, w.card_lead), number=number, owner_id=both.id)
    assign_case(
        session=db,
        actor=act(db, w.card_lead),
        number=number,
        team_id=w.loans.id,
        owner_id=both.id,
        reason="Ett lån",
    )
    assert get_case_for(db, act(db, both), number).owner_id == both.id
    # the card agent lost it with the move
    with pytest.raises(NotFound):
        get_case_for(db, act(db, w.card_agent), number)
    assert get_case_for(db, act(db, w.loan_agent), number).team_id == w.loans.id


def test_actor_snapshots_team_membership(db: Session, w: World) -> None:
    """An Actor is built per request; a new membership shows in the next one."""
    newcomer = factories.user(db)
    before = act(db, newcomer)
    team_actions.add_team_member(session=db, actor=SYSTEM, team_id=w.cards.id, user_id=newcomer.id)
    assert visible(db, before) == set()
    assert visible(db, act(db, newcomer)) == {w.alice_case.number}


# ---- actors ----


def test_actor_for_user(db: Session, w: World) -> None:
    alice = actor_for_user(db, w.alice_user)
    assert (alice.role, alice.customer_id, alice.is_customer, alice.is_staff) == (
        Role.customer,
        w.alice.id,
        True,
        False,
    )
    agent = actor_for_user(db, w.card_agent)
    assert agent.team_ids == frozenset({w.cards.id})
    assert agent.is_staff and not agent.is_admin and not agent.is_system
    assert not agent.can_view_personnummer
    assert actor_for_user(db, w.card_lead).can_view_personnummer
    assert actor_for_user(db, w.admin).is_admin
    assert SYSTEM.is_system and SYSTEM.is_admin and SYSTEM.user_id is None


# ---- customers, users, teams ----


def test_customer_visibility(db: Session, w: World) -> None:
    assert get_customer_for(db, act(db, w.alice_user), w.alice.id).id == w.alice.id
    with pytest.raises(NotFound):
        get_customer_for(db, act(db, w.alice_user), w.bob.id)
    for staff in (w.card_agent, w.loan_agent, w.card_lead, w.admin):
        assert get_customer_for(db, act(db, staff), w.bob.id).id == w.bob.id
    assert get_customer_for(db, SYSTEM, w.alice.id).id == w.alice.id
    with pytest.raises(NotFound):
        get_customer_for(db, SYSTEM, 999_999)


def test_user_visibility(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    assert get_user_for(db, agent, w.loan_agent.id).id == w.loan_agent.id
    with pytest.raises(NotFound):
        get_user_for(db, agent, w.alice_user.id)  # staff do not browse customer logins
    assert get_user_for(db, act(db, w.admin), w.alice_user.id).id == w.alice_user.id
    assert get_user_for(db, act(db, w.alice_user), w.alice_user.id).id == w.alice_user.id
    with pytest.raises(NotFound):
        get_user_for(db, act(db, w.alice_user), w.card_agent.id)
    with pytest.raises(NotFound):
        get_user_for(db, act(db, w.admin), 999_999)


def test_teams_are_for_staff(db: Session, w: World) -> None:
    assert get_team_for(db, act(db, w.loan_agent), w.cards.id).id == w.cards.id
    with pytest.raises(PermissionDenied):
        get_team_for(db, act(db, w.alice_user), w.cards.id)
    with pytest.raises(NotFound):
        get_team_for(db, act(db, w.admin), 999_999)


def test_require_staff(db: Session, w: World) -> None:
    for staff in (w.card_agent, w.card_lead, w.admin):
        require_staff(act(db, staff))
    require_staff(SYSTEM)
    with pytest.raises(PermissionDenied):
        require_staff(act(db, w.alice_user))


def test_is_team_member(db: Session, w: World) -> None:
    assert is_team_member(db, w.cards.id, w.card_agent.id)
    assert not is_team_member(db, w.loans.id, w.card_agent.id)
    assert not is_team_member(db, w.cards.id, w.admin.id)


# ---- can_manage_team ----


def test_can_manage_team(db: Session, w: World) -> None:
    lead = act(db, w.card_lead)
    assert can_manage_team(lead, w.cards.id)
    assert not can_manage_team(lead, w.loans.id)
    assert not can_manage_team(lead, w.front.id)
    for team in (w.cards, w.loans, w.front):
        assert can_manage_team(act(db, w.admin), team.id)
        assert can_manage_team(SYSTEM, team.id)
        assert not can_manage_team(act(db, w.card_agent), team.id)
        assert not can_manage_team(act(db, w.alice_user), team.id)


def test_lead_of_two_teams_manages_both(db: Session, w: World) -> None:
    lead = factories.user(db, role="lead", teams=[w.cards, w.loans])
    actor = act(db, lead)
    assert can_manage_team(actor, w.cards.id)
    assert can_manage_team(actor, w.loans.id)
    assert not can_manage_team(actor, w.front.id)
