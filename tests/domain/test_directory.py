"""Teams, topics, members, customers and users: the directory's domain functions."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from nara.domain import customers as customer_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, Actor
from nara.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from nara.models import Team, TeamMember, TeamTopic, User
from tests import factories
from tests.factories import World

ANNA = "198004262385"
LARS = "198108222384"


@pytest.fixture
def w(db: Session) -> World:
    return factories.world(db)


def act(db: Session, user: User) -> Actor:
    return factories.actor(db, user)


def fallback_teams(db: Session) -> list[int]:
    return list(db.scalars(select(Team.id).where(Team.is_fallback.is_(True))))


# ---- teams ----


def test_admin_creates_a_team(db: Session, w: World) -> None:
    team = team_actions.create_team(
        session=db,
        actor=act(db, w.admin),
        slug="bolan",
        name_sv=" Bolån ",
        name_en="Mortgages",
        description="Allt om bolån.",
    )
    assert (team.slug, team.name_sv, team.name_en, team.description) == (
        "bolan",
        "Bolån",
        "Mortgages",
        "Allt om bolån.",
    )
    assert team.is_fallback is False
    assert team.name("sv") == "Bolån" and team.name("en") == "Mortgages"


@pytest.mark.parametrize("who", ["card_lead", "card_agent", "alice_user"])
def test_only_admins_create_teams(db: Session, w: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        team_actions.create_team(
            session=db, actor=act(db, getattr(w, who)), slug="x", name_sv="X", name_en="X"
        )


def test_duplicate_team_slug_is_a_conflict(db: Session) -> None:
    factories.team(db, slug="kundservice")
    with pytest.raises(Conflict) as info:
        factories.team(db, slug="kundservice")
    assert info.value.field == "slug"
    assert info.value.status == 409


@pytest.mark.parametrize(
    "slug", ["", "Kundservice", "kund service", "kund--service", "-kund", "kund-", "kört", "a" * 65]
)
def test_bad_slugs_are_refused(db: Session, slug: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        team_actions.create_team(session=db, actor=SYSTEM, slug=slug, name_sv="X", name_en="X")
    assert info.value.field == "slug"
    with pytest.raises(ValidationFailed) as info:
        team_actions.create_topic(session=db, actor=SYSTEM, slug=slug, name_sv="X", name_en="X")
    assert info.value.field == "slug"


def test_team_names_are_required(db: Session) -> None:
    for kwargs, field in (
        ({"name_sv": "", "name_en": "X"}, "name_sv"),
        ({"name_sv": "X", "name_en": "  "}, "name_en"),
        ({"name_sv": "X" * 121, "name_en": "X"}, "name_sv"),
    ):
        with pytest.raises(ValidationFailed) as info:
            team_actions.create_team(session=db, actor=SYSTEM, slug="ok", **kwargs)
        assert info.value.field == field


# ---- the fallback team ----


def test_there_is_at_most_one_fallback_team(db: Session) -> None:
    first = factories.team(db, fallback=True)
    assert fallback_teams(db) == [first.id]
    second = factories.team(db, fallback=True)
    assert fallback_teams(db) == [second.id]
    db.refresh(first)
    assert first.is_fallback is False


def test_set_fallback_team_moves_the_flag(db: Session) -> None:
    teams = [factories.team(db) for _ in range(3)]
    assert fallback_teams(db) == []
    for team in (teams[0], teams[2], teams[1], teams[1]):
        team_actions.set_fallback_team(session=db, actor=SYSTEM, team_id=team.id)
        assert fallback_teams(db) == [team.id]


def test_only_admins_choose_the_fallback(db: Session, w: World) -> None:
    with pytest.raises(PermissionDenied):
        team_actions.set_fallback_team(session=db, actor=act(db, w.card_lead), team_id=w.cards.id)
    assert fallback_teams(db) == [w.front.id]
    team_actions.set_fallback_team(session=db, actor=act(db, w.admin), team_id=w.cards.id)
    assert fallback_teams(db) == [w.cards.id]
    with pytest.raises(NotFound):
        team_actions.set_fallback_team(session=db, actor=SYSTEM, team_id=999_999)
    assert fallback_teams(db) == [w.cards.id]


# ---- members ----


def test_lead_manages_members_of_their_own_team(db: Session, w: World) -> None:
    newcomer = factories.user(db)
    lead = act(db, w.card_lead)
    member = team_actions.add_team_member(
        session=db, actor=lead, team_id=w.cards.id, user_id=newcomer.id
    )
    assert (member.team_id, member.user_id) == (w.cards.id, newcomer.id)
    team_actions.remove_team_member(session=db, actor=lead, team_id=w.cards.id, user_id=newcomer.id)
    assert db.get(TeamMember, (w.cards.id, newcomer.id)) is None


def test_lead_cannot_manage_another_team(db: Session, w: World) -> None:
    newcomer = factories.user(db)
    lead = act(db, w.card_lead)
    with pytest.raises(PermissionDenied):
        team_actions.add_team_member(
            session=db, actor=lead, team_id=w.loans.id, user_id=newcomer.id
        )
    with pytest.raises(PermissionDenied):
        team_actions.remove_team_member(
            session=db, actor=lead, team_id=w.loans.id, user_id=w.loan_agent.id
        )
    with pytest.raises(PermissionDenied):
        team_actions.add_team_topic(
            session=db, actor=lead, team_id=w.loans.id, topic_id=w.card_topic.id
        )
    assert db.get(TeamMember, (w.loans.id, w.loan_agent.id)) is not None


def test_agents_and_customers_cannot_manage_teams(db: Session, w: World) -> None:
    newcomer = factories.user(db)
    for who in (w.card_agent, w.alice_user):
        with pytest.raises(PermissionDenied):
            team_actions.add_team_member(
                session=db, actor=act(db, who), team_id=w.cards.id, user_id=newcomer.id
            )
        with pytest.raises(PermissionDenied):
            team_actions.add_team_topic(
                session=db, actor=act(db, who), team_id=w.cards.id, topic_id=w.loan_topic.id
            )


def test_customers_cannot_be_team_members(db: Session, w: World) -> None:
    with pytest.raises(ValidationFailed) as info:
        team_actions.add_team_member(
            session=db, actor=SYSTEM, team_id=w.cards.id, user_id=w.alice_user.id
        )
    assert info.value.field == "user_id"
    with pytest.raises(ValidationFailed):
        factories.user(db, role="customer", teams=[w.cards])


def test_adding_a_member_twice_is_harmless(db: Session, w: World) -> None:
    again = team_actions.add_team_member(
        session=db, actor=SYSTEM, team_id=w.cards.id, user_id=w.card_agent.id
    )
    assert again.user_id == w.card_agent.id
    count = db.scalar(
        select(func.count())
        .select_from(TeamMember)
        .where(TeamMember.team_id == w.cards.id, TeamMember.user_id == w.card_agent.id)
    )
    assert count == 1


def test_missing_team_user_or_membership(db: Session, w: World) -> None:
    with pytest.raises(NotFound):
        team_actions.add_team_member(
            session=db, actor=SYSTEM, team_id=999_999, user_id=w.card_agent.id
        )
    with pytest.raises(NotFound):
        team_actions.add_team_member(session=db, actor=SYSTEM, team_id=w.cards.id, user_id=999_999)
    with pytest.raises(NotFound):
        team_actions.remove_team_member(
            session=db, actor=SYSTEM, team_id=w.cards.id, user_id=w.loan_agent.id
        )


def test_a_person_can_be_in_several_teams(db: Session, w: World) -> None:
    both = factories.user(db, teams=[w.cards, w.loans])
    assert act(db, both).team_ids == frozenset({w.cards.id, w.loans.id})


# ---- topics ----


def test_leads_and_admins_create_topics(db: Session, w: World) -> None:
    for who, slug in ((w.card_lead, "swish"), (w.admin, "bankid")):
        topic = team_actions.create_topic(
            session=db, actor=act(db, who), slug=slug, name_sv="Ämne", name_en="Topic"
        )
        assert topic.slug == slug
        assert topic.is_active


@pytest.mark.parametrize("who", ["card_agent", "alice_user"])
def test_agents_and_customers_cannot_create_topics(db: Session, w: World, who: str) -> None:
    with pytest.raises(PermissionDenied):
        team_actions.create_topic(
            session=db,
            actor=act(db, getattr(w, who)),
            slug="swish",
            name_sv="Swish",
            name_en="Swish",
        )


def test_duplicate_topic_slug_is_a_conflict(db: Session) -> None:
    factories.topic(db, slug="swish")
    with pytest.raises(Conflict) as info:
        factories.topic(db, slug="swish")
    assert info.value.field == "slug"


def test_team_and_topic_slugs_are_separate(db: Session) -> None:
    factories.team(db, slug="bankid")
    assert factories.topic(db, slug="bankid").slug == "bankid"


def test_update_topic(db: Session, w: World) -> None:
    topic = team_actions.update_topic(
        session=db,
        actor=act(db, w.card_lead),
        topic_id=w.card_topic.id,
        name_sv=" Kort ",
        name_en="Cards",
        is_active=False,
    )
    assert (topic.name_sv, topic.name_en, topic.is_active) == ("Kort", "Cards", False)
    assert topic.name("en") == "Cards"
    with pytest.raises(PermissionDenied):
        team_actions.update_topic(
            session=db, actor=act(db, w.card_agent), topic_id=w.card_topic.id, is_active=True
        )
    # another team's topic, or one shared with another team, is the admins' to change
    with pytest.raises(PermissionDenied, match="leads of the teams"):
        team_actions.update_topic(
            session=db, actor=act(db, w.card_lead), topic_id=w.loan_topic.id, name_en="Mine"
        )
    team_actions.add_team_topic(session=db, actor=SYSTEM, team_id=w.loans.id,
                                topic_id=w.card_topic.id)  # fmt: skip
    with pytest.raises(PermissionDenied):
        team_actions.update_topic(
            session=db, actor=act(db, w.card_lead), topic_id=w.card_topic.id, is_active=True
        )
    admin = team_actions.update_topic(session=db, actor=act(db, w.admin),
                                      topic_id=w.card_topic.id, is_active=True)  # fmt: skip
    assert admin.is_active
    # a new topic nobody handles yet is the creating lead's to rename
    fresh = team_actions.create_topic(session=db, actor=act(db, w.card_lead), slug="nytt",
                                      name_sv="Nytt", name_en="New")  # fmt: skip
    renamed = team_actions.update_topic(session=db, actor=act(db, w.card_lead),
                                        topic_id=fresh.id, name_en="Newer")  # fmt: skip
    assert renamed.name_en == "Newer"
    with pytest.raises(NotFound):
        team_actions.update_topic(session=db, actor=SYSTEM, topic_id=999_999, is_active=True)
    with pytest.raises(ValidationFailed) as info:
        team_actions.update_topic(session=db, actor=SYSTEM, topic_id=w.card_topic.id, name_sv="")
    assert info.value.field == "name_sv"


def test_team_topics(db: Session, w: World) -> None:
    lead = act(db, w.card_lead)
    with pytest.raises(PermissionDenied):  # the loans team handles it: not the lead's to join
        team_actions.add_team_topic(
            session=db, actor=lead, team_id=w.cards.id, topic_id=w.loan_topic.id
        )
    link = team_actions.add_team_topic(
        session=db, actor=SYSTEM, team_id=w.cards.id, topic_id=w.loan_topic.id
    )
    assert (link.team_id, link.topic_id) == (w.cards.id, w.loan_topic.id)
    again = team_actions.add_team_topic(
        session=db, actor=lead, team_id=w.cards.id, topic_id=w.loan_topic.id
    )
    assert again is link  # already linked: nothing changes, nothing refused
    team_actions.remove_team_topic(
        session=db, actor=lead, team_id=w.cards.id, topic_id=w.loan_topic.id
    )
    assert db.get(TeamTopic, (w.cards.id, w.loan_topic.id)) is None
    with pytest.raises(NotFound):
        team_actions.remove_team_topic(
            session=db, actor=lead, team_id=w.cards.id, topic_id=w.loan_topic.id
        )
    with pytest.raises(NotFound):
        team_actions.add_team_topic(session=db, actor=SYSTEM, team_id=w.cards.id, topic_id=999_999)
    with pytest.raises(NotFound):
        team_actions.add_team_topic(
            session=db, actor=SYSTEM, team_id=999_999, topic_id=w.card_topic.id
        )


# ---- customers ----


def test_create_customer_normalises_the_personnummer(db: Session) -> None:
    customer = customer_actions.create_customer(
        session=db,
        actor=SYSTEM,
        name=" Anna Andersson ",
        email=" Anna@Example.COM ",
        phone="070-1740600",
        personnummer="800426-2385",
    )
    assert customer.personnummer == ANNA
    assert customer.name == "Anna Andersson"
    assert customer.email == "anna@example.com"
    assert customer.phone == "070-1740600"


def test_customer_without_personnummer_or_contact_details(db: Session) -> None:
    customer = customer_actions.create_customer(
        session=db, actor=SYSTEM, name="Okänd", personnummer="  "
    )
    assert (customer.personnummer, customer.email, customer.phone) == (None, None, None)
    # several customers may lack a personnummer
    customer_actions.create_customer(session=db, actor=SYSTEM, name="Okänd två")


@pytest.mark.parametrize("raw", ["198004262385", "800426-2385", "19800426-2385", "8004262385"])
def test_duplicate_personnummer_is_a_conflict_in_any_form(db: Session, raw: str) -> None:
    factories.customer(db, personnummer=ANNA)
    with pytest.raises(Conflict) as info:
        factories.customer(db, personnummer=raw)
    assert info.value.field == "personnummer"


def test_invalid_personnummer_names_the_field_and_the_problem(db: Session) -> None:
    with pytest.raises(ValidationFailed) as info:
        factories.customer(db, personnummer="198004262386")
    assert info.value.field == "personnummer"
    assert "check digit" in info.value.detail
    with pytest.raises(ValidationFailed) as info:
        factories.customer(db, personnummer="12345")
    assert info.value.field == "personnummer"


def test_customer_contact_details_are_validated(db: Session) -> None:
    for kwargs, field in (
        ({"email": "not an email"}, "email"),
        ({"phone": "call me maybe"}, "phone"),
        ({"name": " "}, "name"),
    ):
        params: dict[str, str] = {"name": "Kund", **kwargs}
        with pytest.raises(ValidationFailed) as info:
            customer_actions.create_customer(session=db, actor=SYSTEM, **params)
        assert info.value.field == field


def test_only_staff_register_customers(db: Session, w: World) -> None:
    with pytest.raises(PermissionDenied):
        customer_actions.create_customer(session=db, actor=act(db, w.alice_user), name="Ny")
    for who in (w.card_agent, w.card_lead, w.admin):
        customer_actions.create_customer(session=db, actor=act(db, who), name="Ny")


def test_customer_login_links(db: Session, w: World) -> None:
    login = factories.user(db, role="customer")
    staff = factories.user(db)
    with pytest.raises(ValidationFailed) as info:
        customer_actions.create_customer(session=db, actor=SYSTEM, name="X", user_id=staff.id)
    assert info.value.field == "user_id"
    with pytest.raises(ValidationFailed):
        customer_actions.create_customer(session=db, actor=SYSTEM, name="X", user_id=999_999)
    with pytest.raises(Conflict) as conflict:
        customer_actions.create_customer(
            session=db, actor=SYSTEM, name="X", user_id=w.alice_user.id
        )
    assert conflict.value.field == "user_id"
    customer = customer_actions.create_customer(session=db, actor=SYSTEM, name="X")
    with pytest.raises(PermissionDenied):
        customer_actions.link_customer_login(
            session=db, actor=act(db, w.card_lead), customer_id=customer.id, user_id=login.id
        )
    with pytest.raises(Conflict):
        customer_actions.link_customer_login(
            session=db, actor=SYSTEM, customer_id=customer.id, user_id=w.alice_user.id
        )
    linked = customer_actions.link_customer_login(
        session=db, actor=act(db, w.admin), customer_id=customer.id, user_id=login.id
    )
    assert linked.user_id == login.id
    assert act(db, login).customer_id == customer.id


def test_update_customer_by_staff(db: Session, w: World) -> None:
    agent = act(db, w.card_agent)
    customer = customer_actions.update_customer(
        session=db, actor=agent, customer_id=w.bob.id, name="Bob Berg", personnummer="810822-2384"
    )
    assert (customer.name, customer.personnummer) == ("Bob Berg", LARS)
    with pytest.raises(Conflict) as info:
        customer_actions.update_customer(
            session=db, actor=agent, customer_id=w.bob.id, personnummer=ANNA
        )  # Alice's
    assert info.value.field == "personnummer"
    # Alice's own number in another form is not a clash with herself
    again = customer_actions.update_customer(
        session=db, actor=agent, customer_id=w.alice.id, personnummer="800426-2385"
    )
    assert again.personnummer == ANNA


def test_customer_updates_only_own_contact_details(db: Session, w: World) -> None:
    alice = act(db, w.alice_user)
    updated = customer_actions.update_customer(
        session=db, actor=alice, customer_id=w.alice.id, email="ny@example.com", phone="070-1740601"
    )
    assert (updated.email, updated.phone) == ("ny@example.com", "070-1740601")
    with pytest.raises(PermissionDenied):
        customer_actions.update_customer(
            session=db, actor=alice, customer_id=w.alice.id, name="Alice Ny"
        )
    with pytest.raises(PermissionDenied):
        customer_actions.update_customer(
            session=db, actor=alice, customer_id=w.alice.id, personnummer=LARS
        )
    with pytest.raises(NotFound):
        customer_actions.update_customer(
            session=db, actor=alice, customer_id=w.bob.id, phone="070-1740602"
        )


# ---- users ----


def test_create_user(db: Session) -> None:
    user = user_actions.create_user(
        session=db,
        actor=SYSTEM,
        email=" Ny.Person@Example.test ",
        display_name="Ny Person",
        role="lead",
        locale="en",
    )
    assert (user.email, user.role, user.locale, user.is_active) == (
        "ny.person@example.test",
        "lead",
        "en",
        True,
    )
    assert user.first_name == "Ny"
    assert user.password_hash is None


@pytest.mark.parametrize(
    "email", ["agent@example.test", "AGENT@example.test", " Agent@Example.Test "]
)
def test_duplicate_email_is_a_conflict(db: Session, email: str) -> None:
    factories.user(db, email="agent@example.test")
    with pytest.raises(Conflict) as info:
        factories.user(db, email=email)
    assert info.value.field == "email"


def test_user_fields_are_validated(db: Session) -> None:
    for kwargs, field in (
        ({"role": "superuser"}, "role"),
        ({"role": ""}, "role"),
        ({"email": "no-at-sign"}, "email"),
        ({"email": ""}, "email"),
        ({"display_name": ""}, "display_name"),
        ({"locale": "de"}, "locale"),
    ):
        params: dict[str, str] = {
            "email": "x@example.test",
            "display_name": "X",
            "role": "agent",
            **kwargs,
        }
        with pytest.raises(ValidationFailed) as info:
            user_actions.create_user(session=db, actor=SYSTEM, **params)
        assert info.value.field == field
    with pytest.raises(ValidationFailed) as info:
        user_actions.create_user(
            session=db, actor=SYSTEM, email="x@example.test", display_name="X", role="superuser"
        )
    assert "customer, agent, lead, admin" in info.value.detail


def test_only_admins_create_users(db: Session, w: World) -> None:
    for who in (w.card_lead, w.card_agent, w.alice_user):
        with pytest.raises(PermissionDenied):
            user_actions.create_user(
                session=db,
                actor=act(db, who),
                email="n@example.test",
                display_name="N",
                role="agent",
            )
    user_actions.create_user(
        session=db, actor=act(db, w.admin), email="n@example.test", display_name="N", role="agent"
    )


def test_activation_rules(db: Session, w: World) -> None:
    admin = act(db, w.admin)
    with pytest.raises(Conflict):
        user_actions.set_user_active(session=db, actor=admin, user_id=w.admin.id, active=False)
    with pytest.raises(PermissionDenied):
        user_actions.set_user_active(
            session=db, actor=act(db, w.card_lead), user_id=w.card_agent.id, active=False
        )
    with pytest.raises(NotFound):
        user_actions.set_user_active(session=db, actor=admin, user_id=999_999, active=False)
    user = user_actions.set_user_active(
        session=db, actor=admin, user_id=w.card_agent.id, active=False
    )
    assert user.is_active is False


def test_the_users_page_lists_staff_and_the_latest_customer_logins(
    db: Session, w: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bank has thousands of customer logins: the admins' page lists every staff member
    and only the latest customer logins, and says how many there are."""
    from nara.queries import directory

    for index in range(4):
        user_actions.create_user(
            session=db,
            actor=SYSTEM,
            email=f"kund{index}@example.com",
            display_name=f"Kund {index}",
            role="customer",
            password="a-long-password-1",
        )
    monkeypatch.setattr(directory, "CUSTOMER_LOGINS_SHOWN", 2)
    shown, total = directory.users_by_role(db)
    customers = db.scalar(select(func.count()).select_from(User).where(User.role == "customer"))
    staff = db.scalar(select(func.count()).select_from(User).where(User.role != "customer"))
    assert total == customers and total >= 4
    assert sum(1 for u in shown if u.role == "customer") == 2
    assert sum(1 for u in shown if u.role != "customer") == staff
    newest = sorted(db.scalars(select(User.id).where(User.role == "customer")), reverse=True)[:2]
    assert {u.id for u in shown if u.role == "customer"} == set(newest)
