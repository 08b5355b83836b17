"""Build test data through the domain functions (never by inserting rows directly)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy.orm import Session

from nara.domain import auth as auth_actions
from nara.domain import cases as case_actions
from nara.domain import customers as customer_actions
from nara.domain import teams as team_actions
from nara.domain import users as user_actions
from nara.domain.actors import SYSTEM, Actor, actor_for_user
from nara.models import Case, Customer, Team, Topic, User

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def n() -> int:
    return next(_seq)


def team(db: Session, *, slug: str | None = None, fallback: bool = False) -> Team:
    i = n()
    return team_actions.create_team(
        session=db,
        actor=SYSTEM,
        slug=slug or f"team-{i}",
        name_sv=f"Team {i}",
        name_en=f"Team {i}",
        is_fallback=fallback,
    )


def topic(db: Session, *, teams: list[Team] | None = None, slug: str | None = None) -> Topic:
    i = n()
    the_topic = team_actions.create_topic(
        session=db, actor=SYSTEM, slug=slug or f"topic-{i}", name_sv=f"Ämne {i}",
        name_en=f"Topic {i}",
    )  # fmt: skip
    for t in teams or []:
        team_actions.add_team_topic(session=db, actor=SYSTEM, team_id=t.id, topic_id=the_topic.id)
    return the_topic


def user(
    db: Session,
    *,
    role: str = "agent",
    teams: list[Team] | None = None,
    password: str | None = None,
    email: str | None = None,
) -> User:
    i = n()
    the_user = user_actions.create_user(
        session=db, actor=SYSTEM, email=email or f"user{i}@example.test",
        display_name=f"Person{i} Efternamn", role=role, password=password,
    )  # fmt: skip
    for t in teams or []:
        team_actions.add_team_member(session=db, actor=SYSTEM, team_id=t.id, user_id=the_user.id)
    return the_user


def customer(
    db: Session, *, with_login: bool = False, personnummer: str | None = None,
    password: str | None = None,
) -> Customer:  # fmt: skip
    i = n()
    login = user(db, role="customer", password=password) if with_login else None
    return customer_actions.create_customer(
        session=db, actor=SYSTEM, name=f"Kund {i}", email=f"kund{i}@example.test",
        personnummer=personnummer, user_id=login.id if login else None,
    )  # fmt: skip


def actor(db: Session, the_user: User) -> Actor:
    return actor_for_user(db, the_user)


def case(
    db: Session,
    *,
    the_customer: Customer,
    the_topic: Topic | None = None,
    by: User | None = None,
    message: str = "Mitt kort har inte kommit.",
    team_id: int | None = None,
) -> Case:
    who = actor(db, by) if by is not None else SYSTEM
    return case_actions.open_case(
        session=db, actor=who, message=message,
        customer_id=None if who.is_customer else the_customer.id,
        topic_id=the_topic.id if the_topic else None, team_id=team_id,
    ).case  # fmt: skip


def token(db: Session, the_user: User) -> str:
    return auth_actions.create_api_token(
        session=db, actor=SYSTEM, user_id=the_user.id, name=f"test-{n()}"
    ).token


def headers(db: Session, the_user: User) -> dict[str, str]:
    return {"Authorization": f"Bearer {token(db, the_user)}"}


@dataclass
class World:
    """Two teams with one topic each, people in every role, two customers with cases."""

    cards: Team
    loans: Team
    front: Team
    card_topic: Topic
    loan_topic: Topic
    card_agent: User
    loan_agent: User
    card_lead: User
    admin: User
    alice_user: User
    bob_user: User
    alice: Customer
    bob: Customer
    alice_case: Case
    bob_case: Case


def world(db: Session) -> World:
    front = team(db, fallback=True)
    cards = team(db)
    loans = team(db)
    card_topic = topic(db, teams=[cards])
    loan_topic = topic(db, teams=[loans])
    card_agent = user(db, teams=[cards])
    loan_agent = user(db, teams=[loans])
    card_lead = user(db, role="lead", teams=[cards])
    admin = user(db, role="admin")
    alice = customer(db, with_login=True, personnummer="198004262385")
    bob = customer(db, with_login=True)
    assert alice.user_id is not None and bob.user_id is not None
    alice_user = db.get(User, alice.user_id)
    bob_user = db.get(User, bob.user_id)
    assert alice_user is not None and bob_user is not None
    alice_case = case(db, the_customer=alice, the_topic=card_topic, by=alice_user)
    bob_case = case(db, the_customer=bob, the_topic=loan_topic, by=bob_user)
    return World(
        cards=cards, loans=loans, front=front, card_topic=card_topic, loan_topic=loan_topic,
        card_agent=card_agent, loan_agent=loan_agent, card_lead=card_lead, admin=admin,
        alice_user=alice_user, bob_user=bob_user, alice=alice, bob=bob,
        alice_case=alice_case, bob_case=bob_case,
    )  # fmt: skip
