"""Case lists with filters and cursor pagination, and timelines."""

from __future__ import annotations

import base64
import binascii
import functools
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session

from nara.clock import ensure_utc
from nara.domain.actors import Actor
from nara.domain.errors import ValidationFailed
from nara.models import Case, CaseEvent, CaseStatus, Customer, StatusCategory, status_in
from nara.models.cases import STATUS_CATEGORY
from nara.queries.access import case_visibility
from nara.queries.customers import like_pattern

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


def list_cases(
    session: Session, actor: Actor, filters: CaseFilter, *, cursor: str | None, limit: int
) -> Page:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    stmt = select(Case).where(case_visibility(actor))
    statuses = {s.value for s in filters.statuses}
    for category in filters.categories:
        statuses |= {s.value for s, c in STATUS_CATEGORY.items() if c == category}
    if statuses:
        stmt = stmt.where(status_in(statuses))
    if filters.team_id is not None:
        stmt = stmt.where(Case.team_id == filters.team_id)
    if filters.owner_id is not None:
        stmt = stmt.where(Case.owner_id == filters.owner_id)
    if filters.unassigned:
        stmt = stmt.where(Case.owner_id.is_(None))
    if filters.topic_id is not None:
        stmt = stmt.where(Case.topic_id == filters.topic_id)
    if filters.channel:
        stmt = stmt.where(Case.channel == filters.channel)
    if filters.priority:
        stmt = stmt.where(Case.priority == filters.priority)
    if filters.customer_id is not None:
        stmt = stmt.where(Case.customer_id == filters.customer_id)
    if filters.query:
        q = filters.query.strip()
        pattern = like_pattern(q)
        stmt = stmt.where(
            or_(
                Case.number == q.upper(),
                Case.subject.ilike(pattern, escape="\\"),
                Case.customer_id.in_(
                    select(Customer.id).where(Customer.name.ilike(pattern, escape="\\"))
                ),
            )
        )
    if cursor:
        opened, case_id = decode_cursor(cursor)
        stmt = stmt.where(
            or_(Case.opened_at < opened, and_(Case.opened_at == opened, Case.id < case_id))
        )
    stmt = stmt.order_by(Case.opened_at.desc(), Case.id.desc()).limit(limit + 1)
    rows = list(session.scalars(stmt))
    next_cursor = encode_cursor(rows[limit - 1]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


def timeline(session: Session, actor: Actor, case: Case) -> list[CaseEvent]:
    """The case's events in order; customers see only the public ones. ``case`` must
    come from ``get_case_for`` (access is checked there)."""
    return list(session.scalars(_timeline(actor.is_customer), {"case_id": case.id}))


@functools.cache
def _timeline(public_only: bool) -> Select[CaseEvent]:
    """:func:`timeline`'s query, built once per audience (``case_id``)."""
    stmt = select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id"))
    if public_only:
        stmt = stmt.where(CaseEvent.is_public.is_(True))
    return stmt.order_by(CaseEvent.id)
