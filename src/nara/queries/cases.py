"""Case lists with filters and cursor pagination, and timelines."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, Select, String, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from nara.clock import ensure_utc
from nara.domain.actors import Actor
from nara.domain.errors import ValidationFailed
from nara.models import Case, CaseEvent, CaseStatus, Customer, StatusCategory, User, status_in
from nara.models.cases import STATUS_CATEGORY
from nara.queries.access import VisibilityShape, visibility_shape, visible_by_shape
from nara.queries.customers import like_pattern
from nara.queries.directory import (
    REFERENCE_COLUMNS,
    CaseReferences,
    OwnerRow,
    references_of,
    with_references,
)

MAX_LIMIT = 100


@dataclass
class CaseFilter:
    statuses: list[CaseStatus] = field(default_factory=list)
    categories: list[StatusCategory] = field(default_factory=list)
    team_id: int | None = None
    owner_id: int | None = None
    unassigned: bool = False
    topic_id: int | None = None
    channel: str | None = None
    priority: str | None = None
    customer_id: int | None = None
    query: str | None = None


@dataclass
class Page:
    items: list[Case]
    next_cursor: str | None
    references: dict[int, CaseReferences] = field(default_factory=dict)
    """The items' customer names, topics, teams and owners, read with them."""


def encode_cursor(case: Case) -> str:
    raw = json.dumps([case.opened_at.isoformat(), case.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        opened, case_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        moment, last_id = ensure_utc(datetime.fromisoformat(opened)), int(case_id)
        if not 0 <= last_id < 2**63:  # beyond a 64-bit id the database would overflow
            raise ValueError(case_id)
        return moment, last_id
    except (ValueError, TypeError, OverflowError, binascii.Error, json.JSONDecodeError):
        raise ValidationFailed(
            "cursor is not valid; use next_cursor from a list", field="cursor"
        ) from None


@dataclass(frozen=True)
class ListingShape:
    """What a case list's statement depends on besides values (see :func:`_listing`)."""

    visibility: VisibilityShape
    statuses: tuple[str, ...]
    team: bool
    owner: bool
    unassigned: bool
    topic: bool
    channel: bool
    priority: bool
    customer: bool
    query: bool
    cursor: bool


@functools.lru_cache(maxsize=512)
def _listing(shape: ListingShape) -> Select[*tuple[Any, ...]]:
    """A case list's statement for a shape, built once: the filters' values, the cursor
    and the limit are parameters (``lc_*``), the caller's visibility too. Each case comes
    with its references (:data:`REFERENCE_COLUMNS`)."""
    stmt = select(Case).where(visible_by_shape(shape.visibility))
    if shape.statuses:
        stmt = stmt.where(status_in(shape.statuses))
    if shape.team:
        stmt = stmt.where(Case.team_id == bindparam("lc_team"))
    if shape.owner:
        stmt = stmt.where(Case.owner_id == bindparam("lc_owner"))
    if shape.unassigned:
        stmt = stmt.where(Case.owner_id.is_(None))
    if shape.topic:
        stmt = stmt.where(Case.topic_id == bindparam("lc_topic"))
    if shape.channel:
        stmt = stmt.where(Case.channel == bindparam("lc_channel"))
    if shape.priority:
        stmt = stmt.where(Case.priority == bindparam("lc_priority"))
    if shape.customer:
        stmt = stmt.where(Case.customer_id == bindparam("lc_customer"))
    if shape.query:
        pattern = bindparam("lc_pattern", type_=String)
        stmt = stmt.where(
            or_(
                Case.number == bindparam("lc_number"),
                Case.subject.ilike(pattern, escape="\\"),
                Case.customer_id.in_(
                    select(Customer.id)
                    .where(Customer.name.ilike(pattern, escape="\\"))
                    .correlate(None)  # not the joined customer of the references
                ),
            )
        )
    if shape.cursor:
        opened: BindParameter[datetime] = bindparam("lc_opened")
        after: BindParameter[int] = bindparam("lc_after")
        stmt = stmt.where(
            or_(Case.opened_at < opened, and_(Case.opened_at == opened, Case.id < after))
        )
    return (
        with_references(stmt.add_columns(*REFERENCE_COLUMNS))
        .order_by(Case.opened_at.desc(), Case.id.desc())
        .limit(bindparam("lc_limit"))
    )


def list_cases(
    session: Session, actor: Actor, filters: CaseFilter, *, cursor: str | None, limit: int
) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    statuses = {s.value for s in filters.statuses}
    for category in filters.categories:
        statuses |= {s.value for s, c in STATUS_CATEGORY.items() if c == category}
    shape, params = visibility_shape(actor)
    query = filters.query.strip() if filters.query else ""
    listing = ListingShape(
        visibility=shape,
        statuses=tuple(sorted(statuses)),
        team=filters.team_id is not None,
        owner=filters.owner_id is not None,
        unassigned=filters.unassigned,
        topic=filters.topic_id is not None,
        channel=bool(filters.channel),
        priority=bool(filters.priority),
        customer=filters.customer_id is not None,
        query=bool(query),
        cursor=bool(cursor),
    )
    params.update(
        lc_team=filters.team_id,
        lc_owner=filters.owner_id,
        lc_topic=filters.topic_id,
        lc_channel=filters.channel,
        lc_priority=filters.priority,
        lc_customer=filters.customer_id,
        lc_limit=limit + 1,
    )
    if query:
        params.update(lc_number=query.upper(), lc_pattern=like_pattern(query))
    if cursor:
        params["lc_opened"], params["lc_after"] = decode_cursor(cursor)
    stmt = _listing(listing)
    rows = session.execute(stmt, params).all()  # at most limit + 1
    items: list[Case] = [row[0] for row in rows]
    next_cursor = encode_cursor(items[limit - 1]) if len(items) > limit else None
    return Page(
        items=items[:limit],
        next_cursor=next_cursor,
        references={row[0].id: references_of(row[1:]) for row in rows[:limit]},
    )


def timeline(session: Session, actor: Actor, case: Case) -> list[CaseEvent]:
    """The case's events in order; customers see only the public ones. ``case`` must
    come from ``get_case_for`` (access is checked there)."""
    return list(session.scalars(_timeline(actor.is_customer), {"case_id": case.id}))


def timeline_and_people(
    session: Session, actor: Actor, case: Case
) -> tuple[list[CaseEvent], dict[int, OwnerRow]]:
    """:func:`timeline`, with the name and role of each event's person read in the same
    statement (what the timeline shows of who did something)."""
    events: list[CaseEvent] = []
    people: dict[int, OwnerRow] = {}
    for event, name, role in session.execute(
        _timeline_with_people(actor.is_customer), {"case_id": case.id}
    ):
        events.append(event)
        if event.actor_id is not None and name is not None and role is not None:
            people[event.actor_id] = OwnerRow(event.actor_id, name, role)
    return events, people


@functools.cache
def _timeline_with_people(public_only: bool) -> Select[CaseEvent, str | None, str | None]:
    """:func:`timeline_and_people`'s query, built once per audience (``case_id``)."""
    base = _timeline(public_only)
    return base.add_columns(User.display_name, User.role).outerjoin(
        User, User.id == CaseEvent.actor_id
    )


def timeline_of(actor: Actor, events: Sequence[CaseEvent]) -> list[CaseEvent]:
    """What :func:`timeline` gives ``actor`` of a case whose every event is at hand (a
    case this request opened), without reading them again."""
    shown = [e for e in events if e.is_public or not actor.is_customer]
    return sorted(shown, key=lambda e: e.id)


@functools.cache
def _timeline(public_only: bool) -> Select[CaseEvent]:
    """:func:`timeline`'s query, built once per audience (``case_id``)."""
    stmt = select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id"))
    if public_only:
        stmt = stmt.where(CaseEvent.is_public.is_(True))
    return stmt.order_by(CaseEvent.id)
