"""/api/v1/cases: create, list, get, reply, note, status, assign, hand-over, priority,
topic."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response, status

from nara.domain import cases as case_actions
from nara.domain.cases import OpenedCase
from nara.domain.errors import ValidationFailed
from nara.domain.ownership import hand_over
from nara.domain.topic_correction import correct_topic
from nara.domain.validation import choice
from nara.models import Case, CaseStatus, StatusCategory
from nara.queries import cases as case_queries
from nara.queries.access import case_to_read, get_case_for
from nara.queries.directory import CaseReferences
from nara.web.api import schemas, serializers
from nara.web.deps import DB, CurrentActor, CurrentCaller

router = APIRouter(prefix="/cases", tags=["cases"])


def _each(enum: type[StrEnum]) -> dict[str, Any]:
    """The values a repeated query parameter takes (checked by the domain, field and all)."""
    return {"items": {"type": "string", "enum": [member.value for member in enum]}}


def _detail(db: DB, caller: CurrentCaller, number: str) -> schemas.CaseDetailOut:
    case, references = case_to_read(db, caller.actor, number)
    return _render(db, caller, case, references=references)


def _render(
    db: DB,
    caller: CurrentCaller,
    case: Case,
    *,
    opened: OpenedCase | None = None,
    references: CaseReferences | None = None,
) -> schemas.CaseDetailOut:
    """The case as the caller sees it; ``opened``: this request created it (its timeline
    is at hand, and it has no links or rating yet); ``references``: read with the case."""
    people = None
    if opened is not None:
        events = case_queries.timeline_of(caller.actor, opened.timeline)
    else:
        events, people = case_queries.timeline_and_people(db, caller.actor, case)
    locale = caller.user.locale or "sv"
    return serializers.case_detail_out(
        db, caller.actor, case, events, locale, opened=opened, people=people, references=references
    )


@router.post("", status_code=201, response_model=schemas.CaseDetailOut)
def create_case(
    body: schemas.CaseIn,
    db: DB,
    caller: CurrentCaller,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=255)
    ] = None,
) -> schemas.CaseDetailOut:
    """Open a case. With an ``Idempotency-Key`` header a retry within 24 hours returns
    the same case (200 instead of 201), as the caller may see it now (404 when they no
    longer may), and never creates a duplicate; after 24 hours the key is new."""
    opened = case_actions.open_case(
        session=db, actor=caller.actor, idempotency_key=idempotency_key, **body.model_dump()
    )
    db.commit()
    if not opened.created:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/cases/{opened.case.number}"
    # Not _detail: staff may open a case for a team they are not in.
    return _render(db, caller, opened.case, opened=opened if opened.created else None)


@router.get("", response_model=schemas.CasePage)
def list_cases(
    db: DB,
    actor: CurrentActor,
    status_: Annotated[
        list[str] | None, Query(alias="status", json_schema_extra=_each(CaseStatus))
    ] = None,
    category: Annotated[list[str] | None, Query(json_schema_extra=_each(StatusCategory))] = None,
    team_id: int | None = None,
    owner: Annotated[
        str | None, Query(pattern="^(me|none|[0-9]+)$", description="a user id, 'me' or 'none'")
    ] = None,
    topic_id: int | None = None,
    channel: str | None = None,
    priority: str | None = None,
    customer_id: int | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=case_queries.MAX_LIMIT)] = 25,
) -> schemas.CasePage:
    """Cases the caller may see, newest first, with filters and cursor pagination."""
    filters = case_queries.CaseFilter(
        statuses=[choice(CaseStatus, s, field="status") for s in status_ or []],
        categories=[choice(StatusCategory, c, field="category") for c in category or []],
        team_id=team_id,
        topic_id=topic_id,
        channel=channel,
        priority=priority,
        customer_id=customer_id,
        query=q,
    )
    if owner == "me":
        filters.owner_id = actor.user_id if actor.user_id is not None else -1
    elif owner == "none":
        filters.unassigned = True
    elif owner is not None:
        if not owner.isdigit():
            raise ValidationFailed("owner must be a user id, 'me' or 'none'", field="owner")
        filters.owner_id = int(owner)
    page = case_queries.list_cases(db, actor, filters, cursor=cursor, limit=limit)
    return schemas.CasePage(
        items=serializers.cases_out(db, actor, page.items, page.references),
        next_cursor=page.next_cursor,
    )


@router.get("/{number}", response_model=schemas.CaseDetailOut)
def get_case(number: str, db: DB, caller: CurrentCaller) -> schemas.CaseDetailOut:
    return _detail(db, caller, number)


@router.get("/{number}/events", response_model=list[schemas.EventOut])
def get_events(number: str, db: DB, caller: CurrentCaller) -> list[schemas.EventOut]:
    case = get_case_for(db, caller.actor, number)
    events = case_queries.timeline(db, caller.actor, case)
    return serializers.events_out(db, caller.actor, events, caller.user.locale or "sv")


@router.post("/{number}/replies", status_code=201, response_model=schemas.CaseDetailOut)
def reply(
    number: str, body: schemas.BodyIn, db: DB, caller: CurrentCaller
) -> schemas.CaseDetailOut:
    """A message the customer sees (from the customer or to the customer)."""
    case = case_actions.reply_to_case(session=db, actor=caller.actor, number=number, body=body.body)
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/notes", status_code=201, response_model=schemas.CaseDetailOut)
def note(number: str, body: schemas.BodyIn, db: DB, caller: CurrentCaller) -> schemas.CaseDetailOut:
    """An internal note; staff only, never shown to the customer."""
    case = case_actions.add_note(session=db, actor=caller.actor, number=number, body=body.body)
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/status", response_model=schemas.CaseDetailOut)
def set_status(
    number: str, body: schemas.StatusIn, db: DB, caller: CurrentCaller
) -> schemas.CaseDetailOut:
    case = case_actions.change_status(
        session=db, actor=caller.actor, number=number, status=body.status
    )
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/assign", response_model=schemas.CaseDetailOut)
def assign(
    number: str, body: schemas.AssignIn, db: DB, caller: CurrentCaller
) -> schemas.CaseDetailOut:
    """Set or clear the owner within the case's team. With another ``team_id`` this is
    a hand-over and needs a ``reason`` (422 without one)."""
    owner = body.owner_id if "owner_id" in body.model_fields_set else case_actions.KEEP
    case = case_actions.assign_case(
        session=db,
        actor=caller.actor,
        number=number,
        owner_id=owner,
        team_id=body.team_id,
        reason=body.reason,
    )
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/handover", response_model=schemas.CaseDetailOut)
def handover(
    number: str, body: schemas.HandoverIn, db: DB, caller: CurrentCaller
) -> schemas.CaseDetailOut:
    """Hand the case over (överlämning) to another team, or a named member of it, with
    a reason. Only the case's owning side may; the earlier owner (and the member who
    handed it over) keep reading the case. The case as the caller sees it afterwards."""
    case = hand_over(
        session=db,
        actor=caller.actor,
        number=number,
        team=body.team,
        owner=body.owner,
        reason=body.reason,
    )
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/claim", response_model=schemas.CaseDetailOut)
def claim(number: str, db: DB, caller: CurrentCaller) -> schemas.CaseDetailOut:
    """Make yourself the owner."""
    case = case_actions.assign_case(
        session=db, actor=caller.actor, number=number, owner_id=caller.actor.user_id
    )
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/priority", response_model=schemas.CaseDetailOut)
def set_priority(
    number: str, body: schemas.PriorityIn, db: DB, caller: CurrentCaller
) -> schemas.CaseDetailOut:
    case = case_actions.change_priority(
        session=db, actor=caller.actor, number=number, priority=body.priority
    )
    db.commit()
    return _detail(db, caller, case.number)


@router.post("/{number}/topic", response_model=schemas.CaseDetailOut)
def set_topic(
    number: str, body: schemas.TopicCorrectionIn, db: DB, caller: CurrentCaller
) -> schemas.CaseDetailOut:
    """Correct the case's topic (the owning side only). For a case handed over from
    self-service the customer's text is kept for training with this topic."""
    case = correct_topic(session=db, actor=caller.actor, number=number, topic_id=body.topic_id)
    db.commit()
    return _detail(db, caller, case.number)
