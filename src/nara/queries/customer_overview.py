"""The customer's whole picture (kundbild): every case of a customer across all teams,
self-service conversations, callbacks, open consultations and a contact summary.

Staff see that another team has a case for the customer, who owns it and its status,
even when they may not open it; the subject of such a case never leaves the database
(the ``readable`` test is part of the SQL, from ``case_visibility``). Every list is
bounded and read with one set-based query, so a customer with thousands of cases stays
fast; the case page's customer card uses the same functions."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, func, null, select
from sqlalchemy import case as when
from sqlalchemy.orm import Session, aliased

from nara.domain.actors import Actor
from nara.models import (
    Callback,
    CallbackStatus,
    Case,
    CaseEvent,
    Consultation,
    ConsultationStatus,
    Conversation,
    Customer,
    Team,
    Topic,
    User,
    active_clause,
)
from nara.queries.access import (
    VisibilityShape,
    case_visibility,
    get_customer_for,
    require_staff,
    visibility_shape,
    visible_by_shape,
)

CASES_SHOWN = 100
CONVERSATIONS_SHOWN = 20
CALLBACKS_SHOWN = 20
CONSULTATIONS_SHOWN = 50
OTHER_OPEN_SHOWN = 10
UNFINISHED_CONSULTATIONS = (ConsultationStatus.open.value, ConsultationStatus.answered.value)
"""Consultations still under way: asked and not answered, or answered and not closed."""
CALLBACKS_LISTED = (
    CallbackStatus.booked.value,
    CallbackStatus.reached.value,
    CallbackStatus.not_reached.value,
)


@dataclass(frozen=True)
class CaseLine:
    """One case of the customer as the caller may see it: ``subject`` is None when the
    caller may not read the case."""

    id: int
    number: str
    status: str
    subject: str | None
    opened_at: datetime
    readable: bool
    team: Team
    owner_id: int | None
    owner_name: str | None


@dataclass(frozen=True)
class ConversationLine:
    id: int
    started_at: datetime
    channel: str
    outcome: str | None
    topic: Topic | None
    case_number: str | None


@dataclass(frozen=True)
class CallbackLine:
    id: int
    case_number: str
    team: Team
    starts_at: datetime
    status: str
    attempt: int
    done_at: datetime | None


@dataclass(frozen=True)
class ConsultationLine:
    id: int
    case_number: str
    team: Team
    status: str
    due_at: datetime


@dataclass(frozen=True)
class Contacts:
    by_channel: dict[str, int]  # cases per channel they came in on
    self_service: int  # self-service conversations
    last_contact_at: datetime | None


@dataclass(frozen=True)
class Overview:
    customer: Customer
    cases: list[CaseLine]
    total_cases: int
    open_cases: int
    conversations: list[ConversationLine]
    total_conversations: int
    callbacks: list[CallbackLine]
    open_consultations: list[ConsultationLine]
    contacts: Contacts


_OWNER = aliased(User, name="owner")
"""Made once (an alias made per call costs a few ms in column proxies)."""


def case_lines(
    session: Session,
    actor: Actor,
    customer_id: int,
    *,
    open_only: bool = False,
    exclude_id: int | None = None,
    limit: int = CASES_SHOWN,
) -> list[CaseLine]:
    """The customer's cases across all teams, open ones first, then the newest: team,
    owner and status for each, the subject only of those the caller may read."""
    shape, params = visibility_shape(actor)
    stmt = _case_lines(shape, open_only, exclude_id is not None, limit)
    params.update(cl_customer=customer_id, cl_exclude=exclude_id)
    return [
        CaseLine(
            id=row[0],
            number=row[1],
            status=row[2],
            subject=row[3] if row[5] else None,
            opened_at=row[4],
            readable=bool(row[5]),
            team=row[6],
            owner_id=row[7],
            owner_name=row[8],
        )
        for row in session.execute(stmt, params)
    ]


@functools.lru_cache(maxsize=64)
def _case_lines(
    shape: VisibilityShape, open_only: bool, excluding: bool, limit: int
) -> Select[*tuple[Any, ...]]:
    """:func:`case_lines`' query, built once per shape (``cl_customer``, ``cl_exclude``
    and the ``vis_*`` values of :func:`~nara.queries.access.visibility_shape`): the
    case page shows the customer's other cases."""
    owner = _OWNER
    visible = visible_by_shape(shape)
    stmt = (
        select(
            Case.id,
            Case.number,
            Case.status,
            when((visible, Case.subject), else_=null()).label("subject"),
            Case.opened_at,
            when((visible, True), else_=False).label("readable"),
            Team,
            Case.owner_id,
            owner.display_name,
        )
        .join(Team, Team.id == Case.team_id)
        .outerjoin(owner, owner.id == Case.owner_id)
        .where(Case.customer_id == bindparam("cl_customer"))
    )
    if open_only:
        stmt = stmt.where(active_clause())
    if excluding:
        stmt = stmt.where(Case.id != bindparam("cl_exclude"))
    return stmt.order_by(
        when((active_clause(), 0), else_=1), Case.opened_at.desc(), Case.id.desc()
    ).limit(limit)


def open_consultations(
    session: Session,
    actor: Actor,
    *,
    customer_id: int | None = None,
    case_ids: list[int] | None = None,
    limit: int = CONSULTATIONS_SHOWN,
) -> list[ConsultationLine]:
    """Consultations still under way on the customer's cases (or on ``case_ids``) that
    the caller may read, the soonest due first."""
    stmt = (
        select(Consultation.id, Case.number, Team, Consultation.status, Consultation.due_at)
        .join(Case, Case.id == Consultation.case_id)
        .join(Team, Team.id == Consultation.team_id)
        .where(Consultation.status.in_(UNFINISHED_CONSULTATIONS), case_visibility(actor))
    )
    if customer_id is not None:
        stmt = stmt.where(Case.customer_id == customer_id)
    if case_ids is not None:
        if not case_ids:
            return []
        stmt = stmt.where(Consultation.case_id.in_(sorted(case_ids)))
    stmt = stmt.order_by(Consultation.due_at, Consultation.id).limit(limit)
    return [ConsultationLine(*row) for row in session.execute(stmt)]


def _counts(session: Session, customer_id: int) -> tuple[int, int]:
    row = session.execute(
        select(func.count(), func.count().filter(active_clause())).where(
            Case.customer_id == customer_id
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


_HANDED_TO = aliased(Case, name="handed_to")  # made once: see queries/consultations.py


def _conversations(session: Session, customer_id: int) -> list[ConversationLine]:
    handed_to = _HANDED_TO
    rows = session.execute(
        select(
            Conversation.id,
            Conversation.started_at,
            Conversation.channel,
            Conversation.outcome,
            Topic,
            handed_to.number,
        )
        .outerjoin(Topic, Topic.id == Conversation.topic_id)
        .outerjoin(handed_to, handed_to.id == Conversation.case_id)
        .where(Conversation.customer_id == customer_id)
        .order_by(Conversation.started_at.desc(), Conversation.id.desc())
        .limit(CONVERSATIONS_SHOWN)
    )
    return [ConversationLine(*row) for row in rows]


def _callbacks(session: Session, customer_id: int) -> list[CallbackLine]:
    rows = session.execute(
        select(
            Callback.id,
            Case.number,
            Team,
            Callback.starts_at,
            Callback.status,
            Callback.attempt,
            Callback.done_at,
        )
        .join(Case, Case.id == Callback.case_id)
        .join(Team, Team.id == Callback.team_id)
        .where(Case.customer_id == customer_id, Callback.status.in_(CALLBACKS_LISTED))
        .order_by(Callback.starts_at.desc(), Callback.id.desc())
        .limit(CALLBACKS_SHOWN)
    )
    return [CallbackLine(*row) for row in rows]


def _contacts(session: Session, customer_id: int) -> tuple[Contacts, int]:
    """Cases per channel, self-service conversations and the latest contact (a case
    opened, a message from the customer, a conversation started); and the number of
    conversations."""
    by_channel: dict[str, int] = {}
    latest: list[datetime] = []
    for channel, count, last in session.execute(
        select(Case.channel, func.count(), func.max(Case.opened_at))
        .where(Case.customer_id == customer_id)
        .group_by(Case.channel)
    ):
        by_channel[channel] = int(count)
        latest.append(last)
    conversations, last_started = session.execute(
        select(func.count(), func.max(Conversation.started_at)).where(
            Conversation.customer_id == customer_id
        )
    ).one()
    last_message = session.scalar(
        select(func.max(CaseEvent.created_at))
        .join(Case, Case.id == CaseEvent.case_id)
        .where(Case.customer_id == customer_id, CaseEvent.type == "message.customer")
    )
    latest += [t for t in (last_started, last_message) if t is not None]
    contacts = Contacts(
        by_channel=dict(sorted(by_channel.items())),
        self_service=int(conversations or 0),
        last_contact_at=max(latest) if latest else None,
    )
    return contacts, int(conversations or 0)


def customer_overview(session: Session, actor: Actor, customer_id: int) -> Overview:
    """The whole picture of one customer, for staff (others: 403)."""
    require_staff(actor)
    customer = get_customer_for(session, actor, customer_id)
    total, open_count = _counts(session, customer.id)
    contacts, conversation_count = _contacts(session, customer.id)
    return Overview(
        customer=customer,
        cases=case_lines(session, actor, customer.id, limit=CASES_SHOWN),
        total_cases=total,
        open_cases=open_count,
        conversations=_conversations(session, customer.id),
        total_conversations=conversation_count,
        callbacks=_callbacks(session, customer.id),
        open_consultations=open_consultations(session, actor, customer_id=customer.id),
        contacts=contacts,
    )


@dataclass(frozen=True)
class CustomerCard:
    """What the case page's customer card shows besides the customer: the customer's
    other open cases in every team and the consultations under way on those the caller
    may read, so that nobody answers the customer twice."""

    other_open: list[CaseLine]
    consultations: list[ConsultationLine]


def customer_card(session: Session, actor: Actor, case: Case) -> CustomerCard:
    """Two queries: the other open cases, then their consultations (only when one of
    them is readable). ``case`` comes from ``get_case_for``."""
    others = case_lines(
        session,
        actor,
        case.customer_id,
        open_only=True,
        exclude_id=case.id,
        limit=OTHER_OPEN_SHOWN,
    )
    ids = [line.id for line in others if line.readable]
    consulted = open_consultations(session, actor, case_ids=ids) if ids else []
    return CustomerCard(other_open=others, consultations=consulted)
