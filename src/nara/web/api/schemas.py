"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class In(BaseModel):
    """Base of request bodies: unknown fields are refused (422). Control characters in
    text are removed by the domain's validation."""

    model_config = ConfigDict(extra="forbid")


# ---- requests ----
class LoginIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class CaseIn(In):
    message: str = Field(description="The customer's first message (the case description).")
    customer_id: int | None = Field(None, description="Required for staff; ignored for customers.")
    topic_id: int | None = None
    channel: str = "web"
    subject: str | None = Field(None, max_length=400)
    priority: str = "normal"
    team_id: int | None = None
    owner_id: int | None = None


class BodyIn(In):
    body: str


class StatusIn(In):
    status: str


class PriorityIn(In):
    priority: str


class AssignIn(In):
    owner_id: int | None = Field(
        None, description="New owner; null unassigns. Omit to keep the owner (with team_id)."
    )
    team_id: int | None = Field(None, description="Move the case to this team.")


class CustomerIn(In):
    name: str
    email: str | None = None
    phone: str | None = None
    personnummer: str | None = None


class CustomerPatch(In):
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    personnummer: str | None = None


class TeamIn(In):
    slug: str
    name_sv: str
    name_en: str
    description: str = ""
    is_fallback: bool = False


class TopicIn(In):
    slug: str
    name_sv: str
    name_en: str


class TopicPatch(In):
    name_sv: str | None = None
    name_en: str | None = None
    is_active: bool | None = None


class UserIn(In):
    email: str
    display_name: str
    role: str
    password: str | None = None
    locale: str | None = None


class UserPatch(In):
    is_active: bool | None = None


class TokenIn(In):
    name: str
    expires_at: datetime | None = None


# ---- responses ----
class Ref(BaseModel):
    id: int
    slug: str
    name_sv: str
    name_en: str


class PersonRef(BaseModel):
    id: int | None
    display_name: str


class CustomerOut(BaseModel):
    id: int
    name: str
    email: str | None
    phone: str | None
    personnummer: str | None = Field(
        description="12 digits for leads and admins; masked (YYYYMMDD-****) for others."
    )
    has_login: bool
    created_at: datetime


class EventOut(BaseModel):
    id: int
    type: str
    public: bool
    actor: PersonRef | None
    body: str
    data: dict[str, Any]
    summary: str
    created_at: datetime


class CaseOut(BaseModel):
    number: str
    subject: str
    status: str
    status_category: str
    channel: str
    priority: str
    customer: dict[str, Any]
    topic: Ref | None
    team: Ref
    owner: PersonRef | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    updated_at: datetime


class CaseDetailOut(CaseOut):
    events: list[EventOut]


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class TeamOut(Ref):
    description: str
    is_fallback: bool
    members: list[PersonRef]
    topics: list[Ref]


class TopicOut(Ref):
    is_active: bool
    team_ids: list[int]


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str
    role: str
    locale: str | None
    is_active: bool
    team_ids: list[int]


class MeOut(UserOut):
    customer_id: int | None
    csrf_token: str | None = Field(None, description="Send as X-CSRF-Token on unsafe requests.")


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class NewTokenOut(TokenOut):
    token: str = Field(description="Shown once. Send as 'Authorization: Bearer <token>'.")


class HealthOut(BaseModel):
    status: str
    version: str
    database: dict[str, str]
