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
    first_response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    promise_paused: bool = False
    routing_flag: str | None = None  # staff only


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


# ---- service levels (issue 5) ----
class PromiseOut(BaseModel):
    kind: str
    state: str
    due_at: datetime | None
    budget_minutes: int | None
    business_minutes_left: float | None


class WaitOut(BaseModel):
    expected_at: datetime
    expected_minutes: float
    queue_ahead: int | None  # staff only
    basis: str
    made_at: datetime


class CallbackOut(BaseModel):
    id: int
    case_number: str
    starts_at: datetime
    ends_at: datetime
    phone: str
    status: str
    attempt: int
    note: str


class ServiceOut(BaseModel):
    promises: list[PromiseOut]
    expected_wait: WaitOut | None
    callbacks: list[CallbackOut]
    tasks: list[dict[str, Any]]
    six_months: bool


class SlotOut(BaseModel):
    starts_at: datetime
    ends_at: datetime
    free: int


class CallbackIn(In):
    starts_at: datetime
    phone: str | None = Field(None, max_length=40)


class MoveCallbackIn(In):
    starts_at: datetime


class OutcomeIn(In):
    reached: bool
    note: str = Field("", max_length=4000)


class PresenceIn(In):
    team_id: int
    status: str
    until: datetime | None = None
    user_id: int | None = Field(None, description="A lead may set a member's presence.")


class PresenceOut(BaseModel):
    team_id: int
    user_id: int
    status: str
    away_until: datetime | None


class CalendarIn(In):
    hours: dict[str, str] = Field(
        description='Per weekday ("mon".."sun"): "08:00-12:00, 13:00-17:00"; empty = closed.'
    )
    timezone: str = "Europe/Stockholm"
    holiday_country: str | None = "SE"
    closed_dates: list[str] = Field(default_factory=list, max_length=1000)
    callback_slot_minutes: int = 15
    callback_capacity: int = 1


class CalendarOut(BaseModel):
    team_id: int
    hours: dict[str, str]
    timezone: str
    holiday_country: str | None
    closed_dates: list[str]
    callback_slot_minutes: int
    callback_capacity: int
    is_default: bool


class PolicyIn(In):
    topic_id: int | None = None
    priority: str | None = None
    channel: str | None = None
    first_response_minutes: int
    resolution_minutes: int


class PolicyUpdateIn(In):
    first_response_minutes: int
    resolution_minutes: int


class PolicyOut(BaseModel):
    id: int
    topic_id: int | None
    priority: str | None
    channel: str | None
    first_response_minutes: int
    resolution_minutes: int


class RoutingIn(In):
    rank: int
    accepts_overflow: bool = True


class RoutingOut(BaseModel):
    topic_id: int
    team_id: int
    rank: int
    accepts_overflow: bool


class TeamResultOut(BaseModel):
    team_id: int
    cases_with_promise: int
    kept: int
    missed: int
    overdue_open: int
    kept_share: float | None
    median_first_response_minutes: float | None
    estimates: int
    median_estimate_error_pct: float | None


# ---- audit log ----
class AuditActorOut(BaseModel):
    id: int | None = Field(description="The user's id; null for the system and for anonymous.")
    kind: str = Field(description="user, system or anonymous (a failed login)")
    label: str = Field(description="The user's e-mail address when the entry was written.")


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: AuditActorOut
    action: str
    object_type: str
    object_id: str | None
    changes: dict[str, Any] = Field(description="{field: [before, after]}")
    ip: str | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    next_cursor: str | None
