"""/api/v1/customers/{customer_id}/overview: the customer's whole picture (kundbild)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, Field

from nara.models import CaseStatus, Team
from nara.models.cases import STATUS_CATEGORY
from nara.queries import customer_overview as overview_queries
from nara.queries.customer_overview import CaseLine, Overview
from nara.web.api import schemas, serializers
from nara.web.deps import DB, CurrentCaller

router = APIRouter(tags=["directory"])


class TeamRefOut(BaseModel):
    id: int
    slug: str
    name: str = Field(description="In the caller's language.")
    name_sv: str
    name_en: str


class OverviewCaseOut(BaseModel):
    number: str
    status: str
    status_category: str
    team: TeamRefOut
    owner: schemas.PersonRef | None
    opened_at: datetime
    readable: bool = Field(description="Whether the caller may open this case.")
    subject: str | None = Field(description="Null when the caller may not read the case.")


class ConversationOut(BaseModel):
    id: int
    started_at: datetime
    channel: str
    outcome: str | None
    topic: schemas.Ref | None
    case_number: str | None = Field(description="The case it was handed over to, if any.")


class OverviewCallbackOut(BaseModel):
    id: int
    case_number: str
    team: TeamRefOut
    starts_at: datetime
    status: str = Field(description="booked, reached or not_reached")
    attempt: int
    done_at: datetime | None


class OverviewConsultationOut(BaseModel):
    id: int
    case_number: str
    team: TeamRefOut = Field(description="The consulted team.")
    status: str = Field(description="open or answered")
    due_at: datetime


class ContactsOut(BaseModel):
    by_channel: dict[str, int] = Field(description="Cases per channel they came in on.")
    self_service: int = Field(description="Self-service conversations.")
    last_contact_at: datetime | None = Field(
        description="The latest case opened, message from the customer or conversation."
    )


class CustomerOverviewOut(BaseModel):
    customer: schemas.CustomerOut
    cases: list[OverviewCaseOut] = Field(
        description=f"Open cases first, then the newest; at most {overview_queries.CASES_SHOWN}."
    )
    total_cases: int
    open_cases: int
    conversations: list[ConversationOut] = Field(
        description=f"Newest first; at most {overview_queries.CONVERSATIONS_SHOWN}."
    )
    total_conversations: int
    callbacks: list[OverviewCallbackOut] = Field(
        description=f"Booked and done, newest first; at most {overview_queries.CALLBACKS_SHOWN}."
    )
    open_consultations: list[OverviewConsultationOut] = Field(
        description="Consultations under way on the cases the caller may read."
    )
    contacts: ContactsOut


def team_out(team: Team, locale: str) -> TeamRefOut:
    return TeamRefOut(
        id=team.id,
        slug=team.slug,
        name=team.name(locale),
        name_sv=team.name_sv,
        name_en=team.name_en,
    )


def case_line_out(line: CaseLine, locale: str) -> OverviewCaseOut:
    owner = None
    if line.owner_id is not None:
        owner = schemas.PersonRef(id=line.owner_id, display_name=line.owner_name or "")
    return OverviewCaseOut(
        number=line.number,
        status=line.status,
        status_category=STATUS_CATEGORY[CaseStatus(line.status)].value,
        team=team_out(line.team, locale),
        owner=owner,
        opened_at=line.opened_at,
        readable=line.readable,
        subject=line.subject if line.readable else None,
    )


def overview_out(caller: CurrentCaller, view: Overview) -> CustomerOverviewOut:
    locale = caller.user.locale or "sv"
    return CustomerOverviewOut(
        customer=serializers.customer_out(caller.actor, view.customer),
        cases=[case_line_out(line, locale) for line in view.cases],
        total_cases=view.total_cases,
        open_cases=view.open_cases,
        conversations=[
            ConversationOut(
                id=c.id,
                started_at=c.started_at,
                channel=c.channel,
                outcome=c.outcome,
                topic=serializers.ref(c.topic) if c.topic else None,
                case_number=c.case_number,
            )
            for c in view.conversations
        ],
        total_conversations=view.total_conversations,
        callbacks=[
            OverviewCallbackOut(
                id=cb.id,
                case_number=cb.case_number,
                team=team_out(cb.team, locale),
                starts_at=cb.starts_at,
                status=cb.status,
                attempt=cb.attempt,
                done_at=cb.done_at,
            )
            for cb in view.callbacks
        ],
        open_consultations=[
            OverviewConsultationOut(
                id=c.id,
                case_number=c.case_number,
                team=team_out(c.team, locale),
                status=c.status,
                due_at=c.due_at,
            )
            for c in view.open_consultations
        ],
        contacts=ContactsOut(
            by_channel=view.contacts.by_channel,
            self_service=view.contacts.self_service,
            last_contact_at=view.contacts.last_contact_at,
        ),
    )


@router.get("/customers/{customer_id}/overview", response_model=CustomerOverviewOut)
def customer_overview(customer_id: int, db: DB, caller: CurrentCaller) -> CustomerOverviewOut:
    """Every case of the customer across all teams (open first, then the newest; the
    subject only of cases the caller may read), self-service conversations, callbacks,
    consultations under way and a contact summary. Staff only."""
    view = overview_queries.customer_overview(db, caller.actor, customer_id)
    return overview_out(caller, view)
