"""The demo's related and merged cases and a mention. After the history is played: a
customer who wrote twice about the same thing to one team has the newer case merged into
the older, Anna Andersson's cases in two teams are related, and Kundservice's lead
mentions @oskar in a note, so Oskar's header shows a notification. Nothing here opens a
case: the demo keeps the number of cases it was asked for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from nara import clock
from nara.domain import case_links
from nara.domain.actors import Actor, actor_for_user
from nara.domain.cases import add_note
from nara.domain.errors import DomainError
from nara.models import Case, CaseStatus, Customer, Team, User, active_clause

MENTION = (
    "@oskar kan du ringa kunden i eftermiddag? Hon har ett ärende hos ett annat team också: "
    "titta i kundbilden innan du svarar."
)


def add_related_and_merged(session: Session, staff: dict[str, User], now: datetime) -> None:
    """Done at ``now``, after every event of the history."""
    admin = actor_for_user(session, staff["admin@exempelbanken.se"])
    lead = actor_for_user(session, staff["karin.lead@exempelbanken.se"])
    with clock.frozen_at(now):
        _merge_a_duplicate(session, admin)
        _relate_across_teams(session, admin)
        _mention_oskar(session, lead)


def _merge_a_duplicate(session: Session, admin: Actor) -> None:
    """A customer with two cases not yet closed: the newer is merged into the older, two
    of one team if there are such (the customer wrote twice about one thing)."""
    rows = session.execute(
        select(Case.customer_id, Case.team_id, Case.number)
        .where(Case.status != CaseStatus.closed.value)
        .order_by(Case.customer_id, Case.opened_at, Case.id)
    ).all()
    cases_of: dict[int, list[tuple[int, str]]] = {}
    for customer_id, team_id, number in rows:
        cases_of.setdefault(customer_id, []).append((team_id, number))
    pairs: list[tuple[bool, str, str]] = []  # (other teams, duplicate, into)
    for cases in cases_of.values():
        for index, (team_id, number) in enumerate(cases[1:], start=1):
            same = next((n for t, n in cases[:index] if t == team_id), None)
            pairs.append((same is None, number, same or cases[0][1]))
    for _, duplicate, into in sorted(pairs):
        try:
            with session.begin_nested():
                case_links.merge_case(session=session, actor=admin, number=duplicate, into=into)
        except DomainError:  # a callback or consultation under way: the next pair
            continue
        return


def _relate_across_teams(session: Session, admin: Actor) -> None:
    """Anna's newest cases in two different teams (the demo's customer); if the history
    gave her cases in one team only, another customer's, so the demo always shows one."""
    anna = session.scalar(select(Customer.id).where(Customer.name == "Anna Andersson"))
    newest: dict[int, dict[int, str]] = {}
    for customer_id, team_id, number in session.execute(
        select(Case.customer_id, Case.team_id, Case.number)
        .where(Case.merged_into_id.is_(None))
        .order_by(Case.opened_at.desc(), Case.id.desc())
    ):
        newest.setdefault(customer_id, {}).setdefault(team_id, number)
    candidates = sorted(newest, key=lambda c: (c != anna, c))
    for customer_id in candidates:
        if len(newest[customer_id]) >= 2:
            one, two = list(newest[customer_id].values())[:2]
            case_links.link_cases(session=session, actor=admin, number=one, other=two)
            return


def _mention_oskar(session: Session, lead: Actor) -> None:
    """On Kundservice's newest open case, where Oskar works."""
    number = session.scalar(
        select(Case.number)
        .join(Team, Team.id == Case.team_id)
        .where(Team.slug == "kundservice", active_clause())
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(1)
    )
    if number is not None:
        add_note(session=session, actor=lead, number=number, body=MENTION)
