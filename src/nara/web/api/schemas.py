"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from nara.domain.cases import MAX_MESSAGE
from nara.domain.ownership import MAX_REASON
from nara.domain.promises import MAX_PROMISE_MINUTES
from nara.domain.satisfaction import MAX_COMMENT
from nara.models import CaseStatus, Channel, Presence, Priority, Role


class In(BaseModel):
    """Base of request bodies: unknown fields are refused (422). Control characters in
    text are removed by the domain's validation."""

    model_config = ConfigDict(extra="forbid")


# The limits the domain applies (domain/validation.py and the domain functions), stated
# here too so that the OpenAPI document says what the server accepts, and refused here
# first. The domain trims whitespace before it checks; the patterns allow it around the
# value. A phone number is checked by the domain only (``PHONE_DOC`` documents it): the
# case, customer or slot is looked up first, so one not the caller's stays a 404.
SLUG = r"^\s*[a-z0-9]+(-[a-z0-9]+)*\s*$"
PHONE_DOC: dict[str, Any] = {"pattern": r"^\s*(\+?[0-9 ()-]{5,20})?\s*$"}
"""A phone number of 5 to 20 digits, spaces, +, - or parentheses, or nothing."""
EMAIL_MAX = 254
PERSONNUMMER = "YYYYMMDD-NNNN or YYMMDD-NNNN (+ instead of - from 100 years), a valid one."
SLOT = "The start of a callback slot with room (GET /cases/{number}/callback-slots)."
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Lang = Literal["sv", "en"]
PromiseMinutes = Annotated[
    int, Field(ge=1, le=MAX_PROMISE_MINUTES, description="Business minutes.")
]


# ---- requests ----
class LoginIn(In):
    email: str = Field(max_length=254)
    password: str = Field(max_length=1024)


class CaseIn(In):
    message: str = Field(
        min_length=1,
        max_length=MAX_MESSAGE,
        description="The customer's first message (the case description).",
    )
    customer_id: int | None = Field(None, description="Required for staff; ignored for customers.")
    topic_id: int | None = None
    channel: Channel = Field(Channel.web, description="Customers: web or chat.")
    subject: str | None = Field(None, max_length=200)
    priority: Priority = Field(Priority.normal, description="Customers: normal only.")
    team_id: int | None = None
    owner_id: int | None = None


class BodyIn(In):
    body: str = Field(min_length=1, max_length=MAX_MESSAGE)


class StatusIn(In):
    status: CaseStatus


class PriorityIn(In):
    priority: Priority


class AssignIn(In):
    owner_id: int | None = Field(
        None, description="New owner; null unassigns. Omit to keep the owner."
    )
    team_id: int | None = Field(
        None,
        description="Another team: a hand-over (as POST /cases/{number}/handover), which "
        "needs a reason; the owner is then owner_id (a member of that team) or nobody.",
    )
    reason: str | None = Field(
        None, max_length=MAX_REASON, description="Why the case is handed over (with team_id)."
    )


class HandoverIn(In):
    team: str = Field(max_length=64, pattern=SLUG, description="The slug of the team to take over.")
    owner: str | None = Field(
        None,
        max_length=EMAIL_MAX,
        description="E-mail address of the new owner, an active member of that team; "
        "omit to hand the case to the team (its members are told).",
    )
    reason: str = Field(
        min_length=1,
        max_length=MAX_REASON,
        description="Why another team or person takes over; only staff see it.",
    )


class TeamPatch(In):
    """Admins: names, description, active; an admin or the team's lead: the promise."""

    name_sv: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, min_length=1, max_length=120)
    description: str | None = Field(None, max_length=2000)
    is_active: bool | None = None
    consultation_minutes: int | None = Field(None, ge=1, le=60 * 24 * 30)
    receives_unsure: bool | None = Field(
        None,
        description="Admins: true makes this the one team that receives self-service "
        "hand-overs the engine was not sure of; false sends them to the fallback team again.",
    )


class CustomerIn(In):
    name: str = Field(min_length=1, max_length=200)
    email: str | None = Field(None, max_length=EMAIL_MAX)
    phone: str | None = Field(None, json_schema_extra=PHONE_DOC)
    personnummer: str | None = Field(None, description=PERSONNUMMER)


class CustomerPatch(In):
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, max_length=EMAIL_MAX)
    phone: str | None = Field(None, json_schema_extra=PHONE_DOC)
    personnummer: str | None = Field(None, description=PERSONNUMMER)


class TeamIn(In):
    slug: str = Field(max_length=64, pattern=SLUG)
    name_sv: str = Field(min_length=1, max_length=120)
    name_en: str = Field(min_length=1, max_length=120)
    description: str = Field("", max_length=2000)
    is_fallback: bool = False


class TopicIn(In):
    slug: str = Field(max_length=64, pattern=SLUG)
    name_sv: str = Field(min_length=1, max_length=120)
    name_en: str = Field(min_length=1, max_length=120)


class TopicPatch(In):
    name_sv: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, min_length=1, max_length=120)
    is_active: bool | None = None


class UserIn(In):
    email: str = Field(min_length=1, max_length=EMAIL_MAX)
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(
        None, max_length=1024, description="At least NARA_PASSWORD_MIN_LENGTH characters."
    )
    locale: Lang | None = None


class UserPatch(In):
    is_active: bool | None = None


class TokenIn(In):
    name: str = Field(min_length=1, max_length=100)
    expires_at: datetime | None = Field(None, description="In the future; none: never.")


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


class RelatedOut(BaseModel):
    number: str
    status: str
    subject: str | None = Field(description="Null when the caller may not read that case.")


class TopicHintOut(BaseModel):
    topic: Ref
    score: float = Field(description="The self-service engine's score for this topic, 0 to 1.")


class SelfServiceHandoverOut(BaseModel):
    path: str | None = Field(
        description="sure_topic: routed by the topic the engine was sure of; "
        "unsure_front_line: not sure, to the front line without a topic. Null for "
        "hand-overs recorded before paths were."
    )
    topic_hints: list[TopicHintOut] = Field(
        description="The engine's candidate topics with their scores, best first."
    )


class TopicCorrectionIn(In):
    topic_id: int = Field(description="The active topic the case is about.")


class SatisfactionIn(In):
    score: int = Field(
        ge=1,
        le=5,
        description="How well did we help you? A whole number from 1 (not at all well) to 5 "
        "(very well); a number, not text.",
    )
    comment: str | None = Field(
        None, max_length=MAX_COMMENT, description="Optional; trimmed by the server."
    )

    @field_validator("score", mode="before")
    @classmethod
    def _a_number(cls, value: object) -> object:
        """A score in quotes ("3") or a boolean is refused, not read as a number."""
        if isinstance(value, str | bool):
            raise ValueError("the score must be a number from 1 to 5, not text")
        return value


class SatisfactionOut(BaseModel):
    score: int = Field(ge=1, le=5)
    comment: str
    via: Literal["portal", "link", "api"] = Field(
        description="Where the answer came from: the portal (or the private link), the "
        "signed rating link, or the API."
    )
    rated_at: datetime = Field(description="When the customer first answered.")
    changed_at: datetime | None = Field(description="When the answer last changed; null: never.")
    changeable_until: datetime = Field(
        description="The customer may change the answer until then (7 days after answering)."
    )
    changeable: bool


class CaseDetailOut(CaseOut):
    events: list[EventOut]
    selfservice: SelfServiceHandoverOut | None = Field(
        None,
        description="For a case handed over from self-service (staff only): the hand-over's "
        "path and the engine's candidate topics as hints; null otherwise.",
    )
    related: list[RelatedOut] = Field(
        default_factory=list, description="Cases related to this one (both directions)."
    )
    merged_into: str | None = Field(
        None, description="The case a merged duplicate continues in; null otherwise."
    )
    satisfaction: SatisfactionOut | None = Field(
        None,
        description='The customer\'s answer to "How well did we help you?" (a resolved '
        "case); null before they answered.",
    )


class CasePage(BaseModel):
    items: list[CaseOut]
    next_cursor: str | None


class TeamOut(Ref):
    description: str
    is_fallback: bool
    receives_unsure: bool = Field(
        False,
        description="Receives the self-service hand-overs the engine was not sure of "
        "(without such a team, the fallback team does).",
    )
    is_active: bool
    consultation_minutes: int = Field(
        description="The consultation promise: business minutes to answer a consultation."
    )
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
    starts_at: datetime = Field(description=SLOT)
    phone: str | None = Field(
        None, json_schema_extra=PHONE_DOC, description="Default: the customer's."
    )


class MoveCallbackIn(In):
    starts_at: datetime = Field(description=SLOT)


class OutcomeIn(In):
    reached: bool
    note: str = Field("", max_length=2000)


class PresenceIn(In):
    team_id: int
    status: Presence
    until: datetime | None = Field(
        None, description="Away or busy only: when back, within the next 24 hours."
    )
    user_id: int | None = Field(None, description="A lead may set a member's presence.")


class PresenceOut(BaseModel):
    team_id: int
    user_id: int
    status: str
    away_until: datetime | None


class CalendarIn(In):
    hours: dict[Weekday, str] = Field(
        description='Per weekday ("mon".."sun"): "08:00-12:00, 13:00-17:00"; empty = closed. '
        "At least one weekday has opening hours."
    )
    timezone: str = Field("Europe/Stockholm", description="An IANA time zone.")
    holiday_country: Literal["SE"] | None = Field("SE", description="Public holidays are closed.")
    closed_dates: list[str] = Field(
        default_factory=list, max_length=1000, description="Dates like 2026-12-27."
    )
    callback_slot_minutes: int = Field(15, ge=5, le=240)
    callback_capacity: int = Field(1, ge=0, le=100)


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
    """A response promise; resolution is never promised sooner than the first response."""

    topic_id: int | None = None
    priority: Priority | None = None
    channel: Channel | None = None
    first_response_minutes: PromiseMinutes
    resolution_minutes: PromiseMinutes


class PolicyUpdateIn(In):
    """New minutes; resolution is never promised sooner than the first response."""

    first_response_minutes: PromiseMinutes
    resolution_minutes: PromiseMinutes


class PolicyOut(BaseModel):
    id: int
    topic_id: int | None
    priority: str | None
    channel: str | None
    first_response_minutes: int
    resolution_minutes: int


class RoutingIn(In):
    rank: int = Field(ge=0, le=99, description="Lower is tried first.")
    accepts_overflow: bool = True


class RoutingOut(BaseModel):
    topic_id: int
    team_id: int
    rank: int
    accepts_overflow: bool


class TeamResultOut(BaseModel):
    team_id: int | None = Field(
        description="The team; null on the last row, which is all teams together."
    )
    cases_with_promise: int
    kept: int
    missed: int
    overdue_open: int
    kept_share: float | None
    median_first_response_minutes: float | None
    estimates: int
    median_estimate_error_pct: float | None
    cases_opened: int = Field(description="Cases opened in the window (the team's now).")
    handovers: int = Field(description="Their hand-overs, all together.")
    handovers_per_case: float | None = Field(description="handovers / cases_opened.")
    resolved: int = Field(description="Of the cases opened in the window, those resolved.")
    kept_first_owner: int = Field(
        description="Resolved cases whose owner is their first owner, never handed over."
    )
    kept_first_owner_share: float | None = Field(description="kept_first_owner / resolved.")
    consultations_decided: int = Field(
        description="Consultations asked of the team, due in the window, answered or overdue."
    )
    consultations_answered_in_time: int = Field(description="Of those, answered by the due time.")
    consultations_answered_in_time_share: float | None
    consultations_answered: int = Field(description="Answered consultations due in the window.")
    consultation_median_answer_minutes: float | None = Field(
        description="Median wall-clock minutes from the question to its first answer."
    )


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
