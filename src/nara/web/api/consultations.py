"""/api/v1 consultations (samråd): ask another team inside a case, list, answer, close,
follow up. Staff only; a customer gets 403 on every route."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from nara import clock
from nara.domain import consultations as consultation_actions
from nara.domain.consultations import MAX_QUESTION
from nara.queries import consultations as consultation_queries
from nara.queries.access import get_case_for, require_staff
from nara.web.api.schemas import EMAIL_MAX, SLUG, In
from nara.web.deps import DB, CurrentCaller

router = APIRouter(tags=["consultations"])


class ConsultationIn(In):
    team: str = Field(max_length=64, pattern=SLUG, description="The consulted team's slug.")
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    due_at: datetime | None = Field(
        None,
        description="When the answer is due, with a time zone; default: the consulted "
        "team's consultation promise (business time in its calendar). Not in the past, "
        "at most a year ahead.",
    )
    member: str | None = Field(
        None, max_length=EMAIL_MAX, description="E-mail of a member of that team to ask."
    )


class AnswerIn(In):
    answer: str = Field(min_length=1, max_length=MAX_QUESTION)


class FollowUpIn(In):
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    due_at: datetime | None = None


class ConsultationOut(BaseModel):
    id: int
    case_number: str
    team: str = Field(description="The consulted team's slug.")
    team_name: str
    asking_team: str = Field(description="The slug of the team that owns the case.")
    member: str | None = Field(description="The named member asked, if any.")
    status: Literal["open", "answered", "closed"]
    question: str
    asked_by: str | None
    asked_at: datetime
    due_at: datetime
    overdue: bool = Field(description="Open and past its due time.")
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    answered_in_time: bool | None = Field(description="The first answer came by the due time.")
    closed_at: datetime | None
    follow_ups: int


class ConsultationPage(BaseModel):
    items: list[ConsultationOut]
    next_cursor: str | None


def _locale(caller: CurrentCaller) -> str:
    return caller.user.locale or "sv"


def _out(row: consultation_queries.ConsultationRow, locale: str) -> ConsultationOut:
    c = row.consultation
    return ConsultationOut(
        id=c.id,
        case_number=row.case_number,
        team=row.team.slug,
        team_name=row.team.name(locale),
        asking_team=row.asking_team.slug,
        member=row.member,
        status=c.status,  # one of ConsultationStatus
        question=c.question,
        asked_by=row.asked_by,
        asked_at=c.asked_at,
        due_at=c.due_at,
        overdue=row.overdue(clock.now()),
        answer=c.answer,
        answered_by=row.answered_by,
        answered_at=c.answered_at,
        answered_in_time=c.answered_in_time,
        closed_at=c.closed_at,
        follow_ups=c.follow_ups,
    )


def _one(db: DB, caller: CurrentCaller, consultation_id: int) -> ConsultationOut:
    row = consultation_queries.get_consultation_row(db, caller.actor, consultation_id)
    return _out(row, _locale(caller))


@router.post("/cases/{number}/consultations", status_code=201, response_model=ConsultationOut)
def ask(number: str, body: ConsultationIn, db: DB, caller: CurrentCaller) -> ConsultationOut:
    """Ask another team (or a named member of it) a question inside the case."""
    consultation = consultation_actions.ask_consultation(
        session=db,
        actor=caller.actor,
        number=number,
        team=body.team,
        question=body.question,
        due=body.due_at,
        member=body.member,
    )
    db.commit()
    return _one(db, caller, consultation.id)


@router.get("/cases/{number}/consultations", response_model=list[ConsultationOut])
def of_case(number: str, db: DB, caller: CurrentCaller) -> list[ConsultationOut]:
    """The case's consultations, oldest first."""
    require_staff(caller.actor)
    case = get_case_for(db, caller.actor, number)
    return [_out(r, _locale(caller)) for r in consultation_queries.consultations_of_case(db, case)]


@router.get("/consultations", response_model=ConsultationPage)
def list_consultations(
    db: DB,
    caller: CurrentCaller,
    status: Annotated[Literal["open", "answered", "closed"] | None, Query()] = None,
    asked_by: Annotated[Literal["me"] | None, Query(description="'me': asked by me")] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=consultation_queries.MAX_LIMIT)] = 25,
) -> ConsultationPage:
    """Consultations asked of the caller's teams (with ``asked_by=me``: asked by the
    caller), most urgent first, cursor-paginated."""
    require_staff(caller.actor)
    page = consultation_queries.list_consultations(
        db, caller.actor, status=status, asked_by_me=asked_by == "me", cursor=cursor, limit=limit
    )
    return ConsultationPage(
        items=[_out(r, _locale(caller)) for r in page.items], next_cursor=page.next_cursor
    )


@router.get("/consultations/{consultation_id}", response_model=ConsultationOut)
def get_consultation(consultation_id: int, db: DB, caller: CurrentCaller) -> ConsultationOut:
    require_staff(caller.actor)
    return _one(db, caller, consultation_id)


@router.post("/consultations/{consultation_id}/answer", response_model=ConsultationOut)
def answer(consultation_id: int, body: AnswerIn, db: DB, caller: CurrentCaller) -> ConsultationOut:
    """The consulted team's answer (internal, into the case's timeline)."""
    consultation_actions.answer_consultation(
        session=db, actor=caller.actor, consultation_id=consultation_id, answer=body.answer
    )
    db.commit()
    return _one(db, caller, consultation_id)


@router.post("/consultations/{consultation_id}/close", response_model=ConsultationOut)
def close(consultation_id: int, db: DB, caller: CurrentCaller) -> ConsultationOut:
    """The owning side closes the consultation."""
    consultation_actions.close_consultation(
        session=db, actor=caller.actor, consultation_id=consultation_id
    )
    db.commit()
    return _one(db, caller, consultation_id)


@router.post("/consultations/{consultation_id}/follow-up", response_model=ConsultationOut)
def follow_up(
    consultation_id: int, body: FollowUpIn, db: DB, caller: CurrentCaller
) -> ConsultationOut:
    """The owning side asks a follow-up on an answered consultation (open again)."""
    consultation_actions.follow_up_consultation(
        session=db,
        actor=caller.actor,
        consultation_id=consultation_id,
        question=body.question,
        due=body.due_at,
    )
    db.commit()
    return _one(db, caller, consultation_id)
